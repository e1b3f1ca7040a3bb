#!/usr/bin/env node
// Bundles the in-VS-Code test suite (test/integration/suite/**) for the extension host: one CJS
// file per *.test.ts plus the runner index.js, into out/test/integration/suite/. `vscode` comes
// from the extension host and mocha from node_modules at run time, so both stay external.
import * as esbuild from 'esbuild';
import { readdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const suiteDir = join(root, 'test/integration/suite');
export const suiteOutDir = join(root, 'out/test/integration/suite');

export async function buildIntegrationSuite() {
  const entryPoints = readdirSync(suiteDir, { recursive: true })
    .map(String)
    .filter((name) => name === 'index.ts' || name.endsWith('.test.ts'))
    .map((name) => join(suiteDir, name));
  rmSync(suiteOutDir, { recursive: true, force: true });
  await esbuild.build({
    entryPoints,
    outbase: suiteDir,
    outdir: suiteOutDir,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return join(suiteOutDir, 'index.js');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(await buildIntegrationSuite());
}
