// The typed client: openapi-fetch over the generated `paths`, plus bearer authentication.
// Every call is checked against the API's own schemas: path, parameters, body and responses.
import createClient, { type Client, type ClientOptions, type Middleware } from 'openapi-fetch';
import { ApiError } from './api-error.ts';
import type { ApiPath, paths } from './types.ts';

export type LedgerbaseClient = Client<paths>;

export type LedgerbaseClientOptions = Omit<ClientOptions, 'baseUrl'> & {
  /** Origin of the server, e.g. `https://ledgerbase.example.com`; the paths carry `/api/v1` themselves. */
  baseUrl: string;
  /** The current access token or API key, asked for before each request; none → anonymous. */
  getAccessToken?: () => string | null | undefined | Promise<string | null | undefined>;
};

// Operations that take no bearer (CONTRACT.md "Authentication"): a stale access token sent along
// would only get them rejected.
const PUBLIC_PATHS: ReadonlySet<string> = new Set<ApiPath>([
  '/api/v1/auth/register',
  '/api/v1/auth/login',
  '/api/v1/auth/refresh',
  '/api/v1/auth/logout',
  '/healthz',
  '/readyz',
  '/.well-known/jwks.json',
]);

function bearer(getAccessToken: NonNullable<LedgerbaseClientOptions['getAccessToken']>): Middleware {
  return {
    async onRequest({ request, schemaPath }) {
      // A caller's own Authorization header (another key for one call, say) wins.
      if (PUBLIC_PATHS.has(schemaPath) || request.headers.has('Authorization')) return undefined;
      const token = await getAccessToken();
      if (token) request.headers.set('Authorization', `Bearer ${token}`);
      return request;
    },
  };
}

/** A client for one server. Calls resolve to `{data, error, response}`; see `unwrap` to throw instead. */
export function createLedgerbaseClient(options: LedgerbaseClientOptions): LedgerbaseClient {
  const { getAccessToken, ...clientOptions } = options;
  const client = createClient<paths>(clientOptions);
  if (getAccessToken) client.use(bearer(getAccessToken));
  return client;
}

type CallResult = { data?: unknown; error?: unknown; response: Response };
/** The success member's data: openapi-fetch types a result as `{data} | {error}`. */
type DataOf<R> = R extends { data?: infer D; error?: never } ? D : never;

/**
 * The data of a successful call, or an ApiError carrying the contract's error body:
 * `const resource = await unwrap(client.GET('/api/v1/resources/{id}', { params: { path: { id } } }))`.
 */
export async function unwrap<R extends CallResult>(call: Promise<R> | R): Promise<DataOf<R>> {
  const result = await call;
  if (!result.response.ok) throw ApiError.fromResponse(result.response, result.error);
  return result.data as DataOf<R>;
}
