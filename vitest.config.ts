import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // graphql ships both CJS and ESM; Vite would load the ESM copy for our code while
    // Node loads the CJS copy for dependencies, and graphql refuses to mix the two.
    alias: { graphql: 'graphql/index.js' },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Each file gets its own database; forks keep PGlite instances apart.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: more workers than that only thrash.
    maxWorkers: 2,
  },
});
