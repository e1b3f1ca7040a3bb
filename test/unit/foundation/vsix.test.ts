import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { listFiles, PackageManager } from '@vscode/vsce';

const repoRoot = path.resolve(__dirname, '../../..');

/** Every string in the manifest that names a file of the repository (main, grammar, icons, walkthrough media …). */
function filesNamedByManifest(): string[] {
  const manifest: unknown = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
  const found = new Set<string>();
  const visit = (value: unknown, key: string): void => {
    if (typeof value === 'string') {
      const relative = path.posix.normalize(value.replace(/^\.\//, ''));
      // `bin` is for the npm CLI, not for the installed extension.
      if (key !== 'bin' && /^[\w-]+(\/[\w.-]+)*\.\w+$/.test(relative) && existsSync(path.join(repoRoot, relative))) found.add(relative);
    } else if (Array.isArray(value)) {
      value.forEach((v) => visit(v, key));
    } else if (value && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) if (k !== 'scripts' && k !== 'bin') visit(v, k);
    }
  };
  visit(manifest, '');
  return [...found].sort();
}

describe('.vsix contents (vsce ls, as .vscodeignore lets files through)', function () {
  this.timeout(60_000);
  let files: string[];

  before(async () => {
    // The bundle is what the .vsix carries; build it if this checkout has not yet.
    if (!existsSync(path.join(repoRoot, 'dist/extension.js'))) {
      execFileSync(process.execPath, ['esbuild.mjs'], { cwd: repoRoot, stdio: 'ignore' });
    }
    // The bundle carries the dependencies, so none are packaged (as `vsce package --no-dependencies`).
    files = (await listFiles({ cwd: repoRoot, packageManager: PackageManager.None })).map((f) => f.replace(/\\/g, '/')).sort();
  });

  it('carries the bundle, the manifest, the language files and every syntax', () => {
    for (const required of ['package.json', 'dist/extension.js', 'language-configuration.json', 'README.md', 'CHANGELOG.md']) {
      assert.ok(files.includes(required), `${required} is missing from the .vsix: ${files.join(', ')}`);
    }
    const syntaxes = readdirSync(path.join(repoRoot, 'syntaxes')).filter((f) => f.endsWith('.json'));
    for (const syntax of syntaxes) assert.ok(files.includes(`syntaxes/${syntax}`), `syntaxes/${syntax} is missing`);
  });

  it('carries every file package.json points at (main, grammars, icons, walkthrough media)', () => {
    const named = filesNamedByManifest();
    assert.ok(named.includes('dist/extension.js'), 'the manifest scan should at least find main');
    const missing = named.filter((f) => !files.includes(f));
    assert.deepEqual(missing, [], `package.json names files the .vsix lacks: ${missing.join(', ')}`);
  });

  it('carries the webview bundle and the codicon font it links (with its licence)', () => {
    for (const required of ['dist/webview/timeline.js', 'dist/webview/codicons/codicon.css', 'dist/webview/codicons/codicon.ttf', 'dist/webview/codicons/LICENSE']) {
      assert.ok(files.includes(required), `${required} is missing from the .vsix`);
    }
  });

  it('carries the media the extension shows', function () {
    if (!existsSync(path.join(repoRoot, 'media'))) this.skip();
    assert.ok(files.some((f) => f.startsWith('media/')), 'no media/ file in the .vsix');
  });

  it('leaves out sources, tests, tooling, source maps and fixtures', () => {
    const forbidden = [
      /^src\//, /^test\//, /^scripts\//, /^bench\//, /^docs\//, /^out\//, /^\.vscode/, /^\.ci\//, /^test-output\//,
      /(^|\/)node_modules\//, /\.map$/, /\.ts$/, /(^|\/)fixtures?\//, /^tsconfig/, /^eslint\.config/, /^esbuild\.mjs$/,
      /\.vsix$/, /^dist\/cli\.js$/, /^\.git/, /^\.mocharc/,
    ];
    const leaked = files.filter((f) => forbidden.some((pattern) => pattern.test(f)));
    assert.deepEqual(leaked, [], `files that must not ship: ${leaked.join(', ')}`);
  });
});
