// @ledgerbase/sdk: the typed client of the Ledgerbase HTTP API, generated from /openapi.json
// (`npm run sdk:generate` rewrites openapi.json and src/schema.ts; test/sdk-fresh.test.ts fails
// while they are stale). Used by the web console, the CLI and tests.
export { ApiError, type ApiErrorDetails } from './api-error.ts';
export {
  createLedgerbaseClient,
  type LedgerbaseClient,
  type LedgerbaseClientOptions,
  unwrap,
} from './client.ts';
export * from './types.ts';
