// Bundles the three runtimes separately: the extension host (node, cjs, `vscode` external),
// the timeline webview (browser, esm) and the headless CLI (node).
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  logLevel: 'info',
};

/** @type {esbuild.BuildOptions[]} */
const builds = [
  {
    ...common,
    entryPoints: { extension: 'src/extension/extension.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
  },
  {
    ...common,
    entryPoints: { cli: 'src/cli/main.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    banner: { js: '#!/usr/bin/env node' },
  },
];

if (existsSync('src/webview/timeline/main.ts')) {
  builds.push({
    ...common,
    entryPoints: { timeline: 'src/webview/timeline/main.ts' },
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
  });
}

/** The codicon font and its stylesheet, which the timeline links for vscode-elements' icons. */
function copyCodicons() {
  const from = 'node_modules/@vscode/codicons';
  const to = 'dist/webview/codicons';
  mkdirSync(to, { recursive: true });
  for (const file of ['codicon.css', 'codicon.ttf']) copyFileSync(`${from}/dist/${file}`, `${to}/${file}`);
  copyFileSync(`${from}/LICENSE`, `${to}/LICENSE`); // CC BY 4.0: the font ships with its licence
}
copyCodicons();

if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
