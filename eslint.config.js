// @ts-check
import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** The SSIS components talk only over HTTP: each may import `contracts/`, never another component. */
const boundary = (/** @type {string[]} */ forbidden, /** @type {string} */ why) => ({
  'no-restricted-imports': [
    'error',
    { patterns: forbidden.map((folder) => ({ regex: `(^|/)${folder}/`, message: why })) },
  ],
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'test-results/**', '.data/**', 'manager/dashboard/public/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['**/*.js', '**/*.mjs'], languageOptions: { globals: globals.node } },
  {
    files: ['**/*.cjs'],
    languageOptions: { globals: globals.node, sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
      'no-console': 'off',
    },
    settings: {
      // import-x must parse TypeScript to follow imports for no-cycle.
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/extensions': ['.ts', '.js', '.mjs'],
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
  },
  {
    files: ['worker-agent/**/*.ts'],
    rules: boundary(['functions', 'manager'], 'the worker agent reaches the master only over HTTP, through contracts/'),
  },
  {
    files: ['manager/**/*.ts'],
    rules: boundary(['functions', 'worker-agent'], 'the manager reaches the master only over HTTP, through contracts/'),
  },
  {
    files: ['functions/**/*.ts'],
    rules: boundary(['worker-agent', 'manager'], 'the master knows its clients only through contracts/'),
  },
  {
    files: ['contracts/**/*.ts'],
    rules: boundary(['functions', 'worker-agent', 'manager'], 'contracts/ is shared by everyone and depends on no component'),
  },
);
