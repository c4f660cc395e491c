import { defineConfig } from 'vitest/config';

// Unit tests of the console's pure modules (SSE parser, JSON Patch, validation). The root config
// leaves apps/web out; run these with `npm test -w apps/web`. Browser journeys live in test/e2e.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
  },
});
