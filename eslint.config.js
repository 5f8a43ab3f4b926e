// ESLint flat config. Process boundaries are enforced here, as Signal Desktop
// does: the engine never imports Electron, the renderer never imports Node or
// main-process libraries (type-only imports of the contract are allowed).
import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import vue from 'eslint-plugin-vue'
import globals from 'globals'

const nodeOnly = ['sqlite3', 'node-hid', 'nodemailer', 'pg', '@node-rs/argon2', 'electron']

export default tseslint.config(
  {
    ignores: [
      'out/**',
      'dist/**',
      'node_modules/**',
      'test-results/**',
      'coverage/**',
      'reports/**',
      '.stryker-tmp/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
      // French typography puts U+202F inside « » and before ; : ! ?, in comments too.
      'no-irregular-whitespace': [
        'error',
        { skipStrings: true, skipComments: true, skipTemplates: true },
      ],
    },
  },
  {
    files: [
      'src-main/engine/**',
      'src-main/store/**',
      'src-main/mail/**',
      'src-main/fido/**',
      'src-main/host/**',
      'src-main/cli/**',
      'src-main/contract/**',
      'src-main/config.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'Only src-main/shell, main.ts and preload.ts may import electron.',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests: no assertion that cannot fail (issue 18). An expect under an `if`
    // runs only sometimes; a `.catch(() => …)` after an assertion swallows it.
    files: ['test/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          // (an early exit — return, continue, break, throw — makes it a case split, not an optional check)
          selector:
            "IfStatement[alternate=null]:not(:has(ReturnStatement, ContinueStatement, BreakStatement, ThrowStatement)) > .consequent CallExpression[callee.name='expect']",
          message:
            'An assertion under `if` may never run: assert unconditionally (or make the case deterministic).',
        },
        {
          selector:
            "CallExpression[callee.property.name='catch'] > MemberExpression.callee CallExpression[callee.name=/^expect/]",
          message: 'A `.catch` after an assertion swallows its failure.',
        },
        {
          selector:
            "CallExpression[callee.property.name='catch'] > MemberExpression.callee CallExpression[callee.property.name=/^(waitFor|toBe|toEqual|toMatch|toContain)/]",
          message: 'A `.catch` after an assertion or a wait swallows its failure.',
        },
      ],
    },
  },
  {
    files: ['src-renderer/**'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeOnly.map((name) => ({ name, message: 'The renderer has no Node access.' })),
          patterns: [
            {
              group: ['node:*', 'fs', 'path', 'crypto', 'os', 'child_process'],
              message: 'The renderer has no Node access.',
            },
            {
              group: ['**/src-main/**', '!**/src-main/contract', '!**/src-main/contract/**'],
              message: 'The renderer may only import the contract (type-only).',
            },
            {
              group: ['**/src-main/contract/**', '**/src-main/contract'],
              allowTypeImports: true,
              message: 'Import the contract type-only in the renderer.',
            },
          ],
        },
      ],
    },
  },
)
