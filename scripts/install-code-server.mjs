#!/usr/bin/env node
// Installs the VS Code that the integration tests run: the npm package `code-server`, whose
// lib/vscode is a Code-OSS build (server, web workbench, Node extension host). It lives in its own
// npm prefix outside the repository, so it stays out of the project's package-lock, every clone
// of the project shares it, and `vsce` does not wade through its 6,000 files when it lists the
// extension's. A second run is a no-op. Why each workaround is needed:
// ../shared/VSCODE-TESTING.md ("What fails").
//
// Usage: node scripts/install-code-server.mjs [--print-path]
//   ESTREAMER_CODE_SERVER_DIR  where to install (default ~/.cache/estreamer-vscode/code-server-<version>)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** code-server 4.100.3 carries VS Code 1.100.3: the last release that installs on Node 20. */
export const CODE_SERVER_VERSION = process.env.CODE_SERVER_VERSION ?? '4.100.3';

/**
 * @vscode/ripgrep's postinstall downloads rg from GitHub, which is unreachable here. It first
 * looks in a download cache, so we seed that with Debian's rg (13.0.0, the same release).
 * Both numbers belong to code-server 4.100.3: the package version from its
 * lib/vscode/npm-shrinkwrap.json, the tag from the VERSION constant in @vscode/ripgrep's
 * lib/postinstall.js.
 */
const RIPGREP_CACHES = [{ packageVersion: '1.15.11', ripgrepTag: 'v13.0.0-10' }];

const cacheHome = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
export const prefix = resolve(
  process.env.ESTREAMER_CODE_SERVER_DIR || join(cacheHome, 'estreamer-vscode', `code-server-${CODE_SERVER_VERSION}`),
);
const packageDir = join(prefix, 'node_modules', 'code-server');
export const serverMain = join(packageDir, 'lib', 'vscode', 'out', 'server-main.js');
/** Written only after a complete install, so a half-finished one is retried. */
const marker = join(prefix, `installed-${CODE_SERVER_VERSION}`);

function log(message) {
  console.error(`[install-code-server] ${message}`);
}

function isInstalled() {
  return existsSync(marker) && existsSync(serverMain);
}

function seedRipgrepCache() {
  const rg = spawnSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).stdout.trim();
  if (!rg) {
    throw new Error('ripgrep (rg) is missing: install it with `apt-get install -y ripgrep` (code-server needs it and cannot download it here).');
  }
  const staging = mkdtempSync(join(tmpdir(), 'rg-seed-'));
  try {
    copyFileSync(rg, join(staging, 'rg'));
    for (const { packageVersion, ripgrepTag } of RIPGREP_CACHES) {
      const cacheDir = join(tmpdir(), `vscode-ripgrep-cache-${packageVersion}`);
      const tarball = join(cacheDir, `ripgrep-${ripgrepTag}-x86_64-unknown-linux-musl.tar.gz`);
      if (existsSync(tarball)) continue;
      mkdirSync(cacheDir, { recursive: true });
      execFileSync('tar', ['-czf', tarball, '-C', staging, 'rg']);
      log(`seeded ${tarball} with ${rg}`);
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

export function installCodeServer({ quiet = false } = {}) {
  if (isInstalled()) {
    if (!quiet) log(`code-server ${CODE_SERVER_VERSION} already installed in ${prefix}`);
    return;
  }
  seedRipgrepCache();
  mkdirSync(prefix, { recursive: true });
  // A prefix of its own with an empty manifest, so npm never walks up to the project's lockfile.
  if (!existsSync(join(prefix, 'package.json'))) {
    writeFileSync(join(prefix, 'package.json'), JSON.stringify({ name: 'vscode-test-code-server', private: true }, null, 2) + '\n');
  }
  log(`installing code-server@${CODE_SERVER_VERSION} into ${prefix} (about a minute; compiles native modules)`);
  const started = Date.now();
  const result = spawnSync(
    'npm',
    ['install', '--prefix', prefix, `code-server@${CODE_SERVER_VERSION}`, '--no-save', '--no-audit', '--no-fund', '--unsafe-perm'],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: {
        ...process.env,
        // node-pty's postinstall runs `npx node-gyp`; this machine's npmrc says yes=false.
        npm_config_yes: 'true',
      },
    },
  );
  if (result.status !== 0 || !existsSync(serverMain)) {
    throw new Error(
      `npm install code-server@${CODE_SERVER_VERSION} failed (exit ${result.status}). ` +
        'Check that libkrb5-dev, ripgrep and a C++ toolchain are installed (see .ci/run), then run this script again.',
    );
  }
  const installedVersion = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).version;
  if (installedVersion !== CODE_SERVER_VERSION) {
    throw new Error(`expected code-server ${CODE_SERVER_VERSION} but found ${installedVersion} in ${packageDir}`);
  }
  writeFileSync(marker, `${new Date().toISOString()}\n`);
  log(`installed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const printPath = process.argv.includes('--print-path');
    installCodeServer({ quiet: printPath });
    if (printPath) console.log(serverMain);
  } catch (error) {
    console.error(`[install-code-server] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
