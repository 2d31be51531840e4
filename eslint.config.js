// Lint rules, including the boundary that keeps src/runbook and src/machines pure (STYLE.md "One way down").
import tseslint from 'typescript-eslint';

const IO_MODULES = [
  'node:*',
  'fs',
  'path',
  'os',
  'child_process',
  'execa',
  'lmdb',
  'ws',
  'piscina',
];
const OUTER_LAYERS = [
  '**/actors/**',
  '**/runtime/**',
  '**/cli/**',
  '**/project/**',
  '**/session/**',
];
// Other folders are reached only through their index.ts front door.
const FRONT_DOOR_ONLY = {
  regex: '^(\\.\\./)+[^./][^/]*/(?!index\\.js$)',
  message: "Import another folder through its index.ts ('../<folder>/index.js').",
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', { patterns: [FRONT_DOOR_ONLY] }],
    },
  },
  {
    files: ['src/runbook/**/*.ts', 'src/machines/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            FRONT_DOOR_ONLY,
            {
              group: IO_MODULES,
              message: 'src/runbook and src/machines are pure: no I/O modules.',
            },
            { group: OUTER_LAYERS, message: 'Dependencies point downward only (DESIGN.md §2).' },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'Pure code does not read the process.' },
        { name: 'setTimeout', message: 'Time is injected: use deadlines in context.' },
        { name: 'setInterval', message: 'Time is injected: use deadlines in context.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Time is injected: take it from the event.' },
        { object: 'Math', property: 'random', message: 'Pure code is deterministic.' },
      ],
    },
  },
  {
    // Specs may reach into any folder's front door from outside src/ (e.g. '../src/runbook/index.js').
    files: ['test/**/*.ts', 'bench/**'],
    rules: { 'no-restricted-imports': 'off' },
  },
  {
    // The `oj` executable is CommonJS on purpose (bin/oj.cjs says why).
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
