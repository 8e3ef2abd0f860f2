// ESLint flat config: typescript-eslint's recommended rules plus the type-aware rules that catch
// unhandled promises, Prettier for layout, and the library floors (see docs/architecture.md) as
// import restrictions.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import globals from 'globals';

/**
 * Library floors (docs/architecture.md): a library imports only libraries on lower floors, never
 * sideways or up. `client` is the SDK for product backends and depends on none of ours.
 */
const FLOORS = {
  config: 1,
  database: 2,
  cache: 2,
  crypto: 2,
  observability: 2,
  storage: 2,
  common: 3,
  mail: 3,
  'user-details': 4,
  audit: 4,
  rbac: 5,
  products: 5,
  webhooks: 5,
  identity: 6,
  'account-security': 6,
  sso: 7,
  invitations: 7,
  oidc: 7,
  'hosted-pages': 7,
  client: 0,
};

function floorRules() {
  return Object.entries(FLOORS).map(([lib, floor]) => {
    const forbidden = Object.entries(FLOORS)
      .filter(([other, otherFloor]) => other !== lib && (lib === 'client' || otherFloor === 0 || otherFloor >= floor))
      .map(([other]) => `@avn/${other}`);
    return {
      files: [`libs/${lib}/**/*.ts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            paths: forbidden.map((name) => ({
              name,
              message: `libs/${lib} (floor ${floor}) may not import ${name}: see the floors in docs/architecture.md`,
            })),
            patterns: [
              {
                group: ['**/libs/*/**', '@avn/*/src/**', '**/apps/**'],
                message: 'Import another library through its @avn/<name> entry point.',
              },
              { group: ['@avn/testing', '**/test/support/**'], message: 'Library code may not depend on the test support.' },
            ],
          },
        ],
      },
    };
  });
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.data/**', 'coverage/**', 'apps/console/dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false, attributes: false } }],
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Plain Node scripts (benchmarks' child processes, provisioning examples, tooling).
    files: ['**/*.js', '**/*.cjs', '**/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  ...floorRules(),
  {
    // Only infrastructure is global (docs/architecture.md, "Module graph"): a feature module is
    // imported where it is used, so dependencies between libraries stay visible.
    files: ['libs/**/*.ts', 'apps/**/*.ts'],
    ignores: [
      'libs/config/src/config.module.ts',
      'libs/database/src/database.module.ts',
      'libs/cache/src/cache.module.ts',
      'libs/crypto/src/crypto.module.ts',
      'libs/common/src/auth/auth-ports.module.ts',
      'apps/api/src/observability.module.ts',
      'apps/api/src/http/hot-routes.module.ts',
      'libs/client/**', // the SDK for product backends' own Nest apps
    ],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: "Decorator > CallExpression[callee.name='Global']",
          message: 'Only infrastructure modules are @Global (docs/architecture.md): import this module where it is used.',
        },
      ],
    },
  },
  prettier,
);
