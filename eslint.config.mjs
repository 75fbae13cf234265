import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createNodeResolver } from 'eslint-plugin-import-x';

const LAYERS = {
  domain: './src/domain',
  db: './src/db',
  quickbooks: './src/quickbooks',
  m3ter: './src/m3ter',
  platform: './src/platform',
  settings: './src/settings',
  billSync: './src/bill-sync',
  activities: './src/activities',
  workflows: './src/workflows',
  temporal: './src/temporal',
  api: './src/api',
  bootstrap: './src/bootstrap',
};
const {
  domain,
  db,
  quickbooks,
  m3ter,
  platform,
  settings,
  billSync,
  activities,
  workflows,
  temporal,
  api,
  bootstrap,
} = LAYERS;

/** Layer rules (README "Repository layout"): arrows point one way. */
const zones = [
  {
    target: domain,
    from: './src',
    except: ['./domain'],
    message: 'The domain is pure: it imports nothing of the rest of the product.',
  },
  {
    target: [db, quickbooks, m3ter, platform, settings, billSync, activities, workflows, temporal, domain],
    from: api,
    message: 'Nothing below the HTTP layer imports it.',
  },
  {
    target: billSync,
    from: [activities, workflows, temporal, bootstrap],
    message:
      'The bill-sync use cases do not import Temporal adapters: they ask through ports (sync-requester.ts).',
  },
  {
    target: api,
    from: db,
    except: ['./pool.ts'],
    message: 'Routes call use cases (src/bill-sync, src/settings), not repositories.',
  },
  { target: api, from: [activities, workflows, temporal, bootstrap], message: 'Routes call use cases.' },
  {
    target: [
      domain,
      db,
      quickbooks,
      m3ter,
      platform,
      settings,
      billSync,
      activities,
      workflows,
      temporal,
      api,
    ],
    from: './emulators',
    message: 'Product code never imports an emulator; only the launcher (src/bootstrap) and tests start one.',
  },
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      '.tools/**',
      '.data/**',
      'bench/results/**',
      'console/dist/**',
      'console/src/api/schema.d.ts',
      'test-artifacts/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  { files: ['**/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { 'import-x': importX },
    settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json'] })] },
    rules: { 'import-x/no-restricted-paths': ['error', { zones }] },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!@temporalio/(workflow|common)$|\\./|\\.\\./domain/)',
              allowTypeImports: true,
              message:
                'Workflows are deterministic: they import only @temporalio/workflow, the pure domain and activity types (import type).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/domain/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!zod$|node:crypto$|\\.)',
              allowTypeImports: true,
              message: 'The domain does no I/O: it imports only zod, node:crypto (hashing) and itself.',
            },
          ],
        },
      ],
    },
  },
);
