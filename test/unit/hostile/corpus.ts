/**
 * Hostile text for every string field a record can carry: markup and script, terminal escapes,
 * bidi overrides, control characters, NUL, dump-syntax look-alikes and a 1 MiB string.
 * Lone surrogates are left out: the wire carries UTF-8 bytes, which cannot hold them (the dump
 * format's own tests cover them at the text level).
 */
export const HUGE = '<script>\u202e\n' + 'A<b>'.repeat(256 * 1024) + '\u001b[2J'; // a little over 1 MiB

export const HOSTILE: Record<string, string> = {
  script: '<script>window.__pwned=1</script>',
  img: '<img src=x onerror="window.__pwned=2">',
  svg: '<svg onload=window.__pwned=3>',
  entity: '&lt;b&gt;&amp;&#x3c;script&#x3e;',
  markdown: '[click](command:workbench.action.terminal.new) **bold** `code` $(alert) ![i](https://evil.test/x.png)',
  ansi: '\u001b[31mred\u001b[0m \u001b]8;;https://evil.test\u0007link\u001b]8;;\u0007 \u001b[2J',
  bidi: 'invoice\u202efdp.exe \u2066x\u2069 \u200f\u200e\u061c',
  zeroWidth: 'ad\u200bmin\ufeff\u2060',
  newlines: 'line1\nline2\r\nline3\rline4\u2028line5\u2029line6\u0085',
  controls: 'a\u0001\u0002\u0007\u0008\u000b\u000c\u001f\u007f\u0080\u009f\tz',
  nul: 'before\u0000after\u0000',
  quotes: 'say "hi" \\"x\\" \\ \'single\'',
  dumpSyntax: ' raw=AAAA key="v" #estreamer v1 fmc=evil\n2020-01-01T00:00:00.000000Z 400 intrusion raw=AAAA',
  unicode: 'Bank-Wire-Transfer-电汇说明.pdf 😀 ünïcödé',
  empty: '',
};

/** Every line break a list row or label could be broken by. */
export const LINE_BREAKS = /[\n\r\u2028\u2029\u0085\u000b\u000c]/;
/** Characters that must never appear raw in a dump file (the format escapes them). */
export const MUST_ESCAPE_IN_DUMP = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u206f\ufeff]/;
