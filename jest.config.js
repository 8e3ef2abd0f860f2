/** Jest projects: `unit` (specs next to the code) and `e2e` (test/, real PostgreSQL + Redis + PGlite). */
const paths = require('./tsconfig.json').compilerOptions.paths;

const moduleNameMapper = {};
for (const [alias, [target]] of Object.entries(paths)) {
  moduleNameMapper[`^${alias.replace('/', '\\/')}$`] = `<rootDir>/${target}`;
  moduleNameMapper[`^${alias.replace('/', '\\/')}/(.*)$`] = `<rootDir>/${target}/$1`;
}

// @fastify/static (Swagger UI assets) pulls in an ESM-only content-disposition; Node 20 loads it
// with require(esm) but Jest cannot, so tests use the CommonJS v1 (same API) hoisted at the root.
moduleNameMapper['^content-disposition$'] = '<rootDir>/node_modules/content-disposition';

// isolatedModules: transpile only (type checking is `npm run typecheck`), keeps the suite fast on 2 cores.
const transform = { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] };

module.exports = {
  // Safety net so a leaked handle in one suite can never hang CI; suites still close what they open.
  forceExit: true,
  testTimeout: 60000,
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'],
      moduleFileExtensions: ['ts', 'js', 'json'],
      transform,
      moduleNameMapper,
    },
    {
      displayName: 'e2e',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      moduleFileExtensions: ['ts', 'js', 'json'],
      transform,
      moduleNameMapper,
    },
  ],
};
