// The SDK against the real API over real HTTP on 127.0.0.1: typed calls in, the contract's bodies
// and errors out.
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, PASSWORD, type TestApp, uniqueEmail } from '../../../apps/api/test/helpers.ts';
import {
  ApiError,
  createLedgerbaseClient,
  type LedgerbaseClient,
  type Resource,
  unwrap,
} from '../src/index.ts';

let t: TestApp;
let baseUrl: string;
let anonymous: LedgerbaseClient;
let client: LedgerbaseClient;
let accessToken: string | null = null;
/** What the authenticated client sent, through its custom fetch. */
const sent: Array<{ path: string; authorization: string | null }> = [];
const email = uniqueEmail();

/** The ApiError a call rejects with (fails the test when it does not reject with one). */
async function apiErrorOf(call: Promise<unknown>): Promise<ApiError> {
  const error = await call.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ApiError);
  return error as ApiError;
}

beforeAll(async () => {
  t = await createTestApp();
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = t.app.server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;
  anonymous = createLedgerbaseClient({ baseUrl });
  client = createLedgerbaseClient({
    baseUrl,
    getAccessToken: () => accessToken,
    fetch: (request) => {
      sent.push({ path: new URL(request.url).pathname, authorization: request.headers.get('Authorization') });
      return fetch(request);
    },
  });
});

afterAll(async () => {
  await t?.close();
});

describe('createLedgerbaseClient', () => {
  it('registers and signs in', async () => {
    const registered = await unwrap(
      anonymous.POST('/api/v1/auth/register', { body: { email, password: PASSWORD, name: 'SDK User' } }),
    );
    expect(registered.user).toMatchObject({ email, name: 'SDK User', role: 'member' });

    // Public operations never carry the bearer: a stale token must not break signing in.
    accessToken = 'stale.token.value';
    const pair = await unwrap(client.POST('/api/v1/auth/login', { body: { email, password: PASSWORD } }));
    expect(pair.tokenType).toBe('Bearer');
    expect(pair.refreshToken).toEqual(expect.any(String));
    accessToken = pair.accessToken;

    const me = await unwrap(client.GET('/api/v1/users/me'));
    expect(me.id).toBe(registered.user.id);
    expect(sent).toEqual([
      { path: '/api/v1/auth/login', authorization: null },
      { path: '/api/v1/users/me', authorization: `Bearer ${pair.accessToken}` },
    ]);
  });

  it('creates, lists, gets, patches and deletes a resource', async () => {
    const created = await client.POST('/api/v1/resources', {
      body: { name: 'from the sdk', metadata: { colour: 'teal', size: 3 } },
      headers: { 'Idempotency-Key': `sdk-${Date.now()}` },
    });
    expect(created.response.status).toBe(201);
    const resource: Resource = await unwrap(created);
    expect(created.response.headers.get('Location')).toBe(`/api/v1/resources/${resource.id}`);
    expect(resource).toMatchObject({
      name: 'from the sdk',
      metadata: { colour: 'teal', size: 3 },
      version: 1,
    });

    const page = await unwrap(
      client.GET('/api/v1/resources', { params: { query: { q: 'from the', sort: '-createdAt', limit: 5 } } }),
    );
    expect(page.data.map((item) => item.id)).toContain(resource.id);
    expect(page).toHaveProperty('nextCursor');

    const fetched = await unwrap(
      client.GET('/api/v1/resources/{id}', { params: { path: { id: resource.id } } }),
    );
    expect(fetched).toEqual(resource);

    const patched = await unwrap(
      client.PATCH('/api/v1/resources/{id}', {
        params: { path: { id: resource.id } },
        body: { metadata: { size: null } },
        headers: { 'Content-Type': 'application/merge-patch+json', 'If-Match': '"1"' },
      }),
    );
    expect(patched).toMatchObject({ version: 2, metadata: { colour: 'teal' } });

    const history = await unwrap(
      client.GET('/api/v1/resources/{id}/history', { params: { path: { id: resource.id } } }),
    );
    expect(history.data.map((entry) => entry.action)).toEqual(['create', 'update']);

    const removed = await client.DELETE('/api/v1/resources/{id}', { params: { path: { id: resource.id } } });
    expect(removed.response.status).toBe(204);
    await expect(unwrap(removed)).resolves.toBeUndefined();
  });

  it('turns a 404 into an ApiError with the contract code', async () => {
    const id = '01890a5d-ac96-774b-bcce-b302099a8057';
    const error = await apiErrorOf(
      unwrap(client.GET('/api/v1/resources/{id}', { params: { path: { id } } })),
    );
    expect(error).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    expect(error.message).toEqual(expect.any(String));
    expect(error.requestId).toEqual(expect.any(String));
  });

  it('turns a 400 into an ApiError carrying details.issues', async () => {
    const error = await apiErrorOf(
      unwrap(client.GET('/api/v1/resources/{id}', { params: { path: { id: 'not-a-uuid' } } })),
    );
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(error.details.issues).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: expect.any(String) })]),
    );
  });

  it('turns a 412 into an ApiError with the current version', async () => {
    const resource = await unwrap(client.POST('/api/v1/resources', { body: { name: 'versioned' } }));
    const error = await apiErrorOf(
      unwrap(
        client.PUT('/api/v1/resources/{id}', {
          params: { path: { id: resource.id } },
          body: { name: 'too late' },
          headers: { 'If-Match': '"7"' },
        }),
      ),
    );
    expect(error).toMatchObject({ status: 412, code: 'PRECONDITION_FAILED', details: { currentVersion: 1 } });
  });

  it('sends no token when it has none, and the API says UNAUTHENTICATED', async () => {
    const error = await apiErrorOf(unwrap(anonymous.GET('/api/v1/users/me')));
    expect(error).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });
});

describe('ApiError.fromResponse', () => {
  it('keeps a body outside the contract from hiding the status', () => {
    const response = new Response('<html>Bad gateway</html>', {
      status: 502,
      statusText: 'Bad Gateway',
      headers: { 'Retry-After': '7' },
    });
    const error = ApiError.fromResponse(response, '<html>Bad gateway</html>');
    expect(error).toMatchObject({ status: 502, code: 'HTTP_502', message: 'Bad Gateway', retryAfter: 7 });
    expect(error.details).toEqual({});
  });

  it('reads the contract body', () => {
    const body = { error: { code: 'RATE_LIMITED', message: 'Slow down', details: { limit: 5 } } };
    const response = new Response(JSON.stringify(body), { status: 429, headers: { 'Retry-After': '3' } });
    expect(ApiError.fromResponse(response, body)).toMatchObject({
      status: 429,
      code: 'RATE_LIMITED',
      message: 'Slow down',
      details: { limit: 5 },
      retryAfter: 3,
    });
  });
});
