import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { ESLint } from 'eslint';

const repoRoot = path.resolve(__dirname, '../../..');

/**
 * The layering rule of DESIGN.md, as eslint.config.mjs enforces it: nothing outside
 * src/extension/ (and the in-VS-Code test suite) imports `vscode` at runtime.
 */
describe('lint: vscode may be imported at runtime only in src/extension/', function () {
  this.timeout(60_000);
  let eslint: ESLint;

  before(() => {
    // The probes are not files of the TypeScript project, so lint them without type information.
    eslint = new ESLint({
      cwd: repoRoot,
      overrideConfig: [
        {
          files: ['**/*.ts'],
          languageOptions: { parserOptions: { project: null, projectService: false } },
          rules: { '@typescript-eslint/no-floating-promises': 'off' },
        },
      ],
    });
  });

  async function layeringErrors(code: string, filePath: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: path.join(repoRoot, filePath) });
    return result.messages
      .filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports' || m.ruleId === 'no-restricted-syntax')
      .map((m) => m.message);
  }

  const runtimeImports = {
    'an import': "import * as vscode from 'vscode';\nexport const x = vscode.version;\n",
    'a require()': "export const vscode = require('vscode');\n",
    'a dynamic import()': "export const load = () => import('vscode');\n",
  };

  for (const [kind, code] of Object.entries(runtimeImports)) {
    it(`rejects ${kind} of vscode in src/protocol/`, async () => {
      const errors = await layeringErrors(code, 'src/protocol/probe.ts');
      assert.equal(errors.length, 1, `expected one layering error, got ${JSON.stringify(errors)}`);
      assert.match(errors[0], /Only src\/extension\//);
    });
  }

  it('accepts `import type` from vscode outside src/extension/', async () => {
    assert.deepEqual(await layeringErrors("import type { Uri } from 'vscode';\nexport type U = Uri;\n", 'src/common/probe.ts'), []);
  });

  it('accepts runtime imports in src/extension/ and in the in-VS-Code suite', async () => {
    const code = runtimeImports['an import'];
    assert.deepEqual(await layeringErrors(code, 'src/extension/probe.ts'), []);
    assert.deepEqual(await layeringErrors(code, 'test/integration/suite/probe.test.ts'), []);
  });

  it('rejects it in the UI tests, which run in plain Node', async () => {
    assert.equal((await layeringErrors(runtimeImports['an import'], 'test/integration/ui/probe.test.ts')).length, 1);
  });
});
