// Lint for the whole project (typescript-eslint, flat config). Two environments as in tsconfig:
// Node for src/, test/, bench/, scripts/; the browser for src/webview/ (tsconfig.webview.json).
import tseslint from 'typescript-eslint';

const vscodeRuntimeImport =
  'Only src/extension/ (and the in-VS-Code tests) may import vscode at runtime: core code must run in ' +
  'plain Node (CLI, mocha, bench). Use `import type` for types, or pass the API in as a parameter.';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'out/**',
      'node_modules/**',
      '.vscode-test/**',
      '.vscode-test-web/**',
      'test-output/**',
      'bench/out/**',
      'demo-output/**',
      '**/fixtures/**',
    ],
  },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: {
        project: ['./tsconfig.json', './tsconfig.webview.json', './test/webview/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Unawaited promises hide failures; mark deliberate ones with `void`.
      '@typescript-eslint/no-floating-promises': 'error',
      // Style findings warn (they are shown, and do not block eight people merging in parallel);
      // the rules that catch real faults and the layering rule below stay errors.
      '@typescript-eslint/no-unused-vars': ['warn', { args: 'none', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-unused-expressions': ['warn', { allowShortCircuit: true, allowTernary: true }],
      'prefer-const': 'warn',
    },
  },
  {
    // The layering rule of DESIGN.md: nothing outside src/extension/ imports vscode at runtime.
    files: ['**/*.{ts,mjs,cjs,js}'],
    ignores: ['src/extension/**', 'test/integration/suite/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { paths: [{ name: 'vscode', message: vscodeRuntimeImport, allowTypeImports: true }] },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.name='require'][arguments.0.value='vscode']", message: vscodeRuntimeImport },
        { selector: "ImportExpression[source.value='vscode']", message: vscodeRuntimeImport },
      ],
    },
  },
  {
    // CommonJS files, and tests that load a module lazily inside one test, use require().
    files: ['**/*.cjs', 'test/**/*.ts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
