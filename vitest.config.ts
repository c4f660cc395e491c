import { defineConfig } from 'vitest/config';

const include = [
  'apps/*/test/**/*.test.ts',
  'packages/*/test/**/*.test.ts',
  'packages/*/src/**/*.test.ts',
  'infra/**/test/**/*.test.ts',
];
// Suites named *.redis.test.ts / *.amqp.test.ts need those real services; they join when their URL is set.
const serviceSuites = [
  ...(process.env.REDIS_URL ? [] : ['**/*.redis.test.ts']),
  ...(process.env.AMQP_URL ? [] : ['**/*.amqp.test.ts']),
];
const exclude = ['**/node_modules/**', 'apps/web/**', 'test/browser/**', ...serviceSuites];
// Suites named *.postgres.*test.ts need PostgreSQL itself (e.g. a second process on the same
// database, which PGlite cannot share): they run in the postgres project only.
const postgresOnly = ['**/*.postgres.*test.ts'];
// Suites that never open the configured database (infrastructure synthesis, the SDK's freshness
// check on its own in-memory database) would only repeat themselves in the postgres project.
const databaseFree = ['infra/**', 'packages/sdk/test/sdk-fresh.test.ts'];

// Every suite runs on embedded PGlite; with DATABASE_URL set, the same suites run on PostgreSQL too.
// `extends: true`: Vitest 4 inline projects do not inherit the root's timeouts and pool otherwise.
const projects = [
  {
    extends: true as const,
    test: { name: 'pglite', include, exclude: [...exclude, ...postgresOnly], env: { LB_TEST_DB: 'pglite' } },
  },
  ...(process.env.DATABASE_URL
    ? [
        {
          extends: true as const,
          test: {
            name: 'postgres',
            include,
            exclude: [...exclude, ...databaseFree],
            env: { LB_TEST_DB: 'postgres' },
            globalSetup: ['test/global-setup.ts'],
          },
        },
      ]
    : []),
];

export default defineConfig({
  test: {
    projects,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
