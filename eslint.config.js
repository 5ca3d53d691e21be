import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  { ignores: ['node_modules/', '.auditflow/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // Layout is Prettier's: rules it would fight (e.g. no-unexpected-multiline) are off.
  prettier,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Production code, the sandbox and the benchmarks never import tests; tests may import them.
    files: ['**/*.ts'],
    ignores: ['test/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        { patterns: [{ group: ['**/test/**', '../test', '../../test'], message: 'nothing outside test/ imports test/' }] },
      ],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox: no Node built-ins, no I/O, no clocks.
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: ['fs', 'http', 'https', 'crypto', 'net', 'child_process'].map((name) => ({ name, message: 'no I/O in workflow code' })),
          patterns: [
            { group: ['node:*'], message: 'no Node built-ins in workflow code' },
            { group: ['../activities', '../activities/*', '../activities/**'], allowTypeImports: true, message: 'workflows import activities as types only' },
            { group: ['**/test/**'], message: 'nothing outside test/ imports test/' },
          ],
        },
      ],
    },
  },
);
