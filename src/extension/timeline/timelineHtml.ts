/**
 * The panel's HTML, with the strict CSP: nothing by default, our one script by nonce, styles,
 * fonts and images only from the webview's own resource origin. Pure, so the Chromium tests
 * serve exactly this page.
 */
export interface TimelineHtmlOptions {
  /** `webview.cspSource`. */
  cspSource: string;
  /** Fresh per render, from a crypto source (see newNonce). */
  nonce: string;
  scriptUri: string;
  styleUri: string;
  /** codicon.css; linked with the id vscode-elements looks for, so its icons find the font. */
  codiconsUri: string;
  title: string;
}

export function timelineHtml(o: TimelineHtmlOptions): string {
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${o.nonce}'`,
    `style-src ${o.cspSource}`,
    `font-src ${o.cspSource}`,
    `img-src ${o.cspSource} data:`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link id="vscode-codicon-stylesheet" rel="stylesheet" nonce="${attr(o.nonce)}" href="${attr(o.codiconsUri)}">
<link rel="stylesheet" href="${attr(o.styleUri)}">
<title>${text(o.title)}</title>
</head>
<body>
<div id="app"></div>
<script type="module" nonce="${attr(o.nonce)}" src="${attr(o.scriptUri)}"></script>
</body>
</html>`;
}

/** 128 random bits as hex; Web Crypto exists in Node ≥ 19 and in browsers. */
export function newNonce(): string {
  const bytes = new Uint8Array(16);
  globalThis.crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function attr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

function text(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
