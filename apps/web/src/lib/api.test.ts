// The console's door to the API, over a scripted fetch: bearer tokens, the silent refresh on 401,
// signing out when it fails, and the contract's error body as ApiError.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

const ORIGIN = 'http://console.test';
const USER = {
  id: '01890a5d-ac96-774b-bcce-b302099a8057',
  email: 'ada@example.com',
  name: 'Ada',
  role: 'member',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};
const pair = (n: number) => ({
  accessToken: `access-${n}`,
  tokenType: 'Bearer',
  expiresIn: 900,
  refreshToken: `refresh-${n}`,
  user: USER,
});
const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
const unauthenticated = () => json(401, { error: { code: 'UNAUTHENTICATED', message: 'Token expired' } });

type Handler = (request: Request) => Response | Promise<Response>;
let handler: Handler;
let requests: Request[];

/** A fresh copy of lib/api.ts (its session lives in module state) over the scripted fetch. */
async function load() {
  vi.resetModules();
  return import('./api.ts');
}

beforeEach(() => {
  requests = [];
  const storage = new Map<string, string>();
  vi.stubGlobal('window', { location: { origin: ORIGIN } });
  vi.stubGlobal('BroadcastChannel', undefined);
  vi.stubGlobal('sessionStorage', {
    getItem: (key: string) => storage.get(key) ?? null,
    setItem: (key: string, value: string) => storage.set(key, value),
    removeItem: (key: string) => storage.delete(key),
  });
  vi.stubGlobal('fetch', async (request: Request) => {
    requests.push(request.clone());
    return handler(request);
  });
});

afterEach(() => {
  vi.unstubAllGlobals();
});

const path = (request: Request) => new URL(request.url).pathname;
const bearerOf = (request: Request) => request.headers.get('Authorization');

async function signedIn() {
  const module = await load();
  handler = () => json(200, pair(1));
  await module.session.login(USER.email, 'correct horse battery staple');
  requests = [];
  return module;
}

describe('lib/api.ts over the SDK', () => {
  it('signs in without a bearer, then sends the access token', async () => {
    const { api, session } = await load();
    handler = (request) =>
      path(request) === '/api/v1/auth/login' ? json(200, pair(1)) : json(200, { data: [], nextCursor: null });
    const user = await session.login(USER.email, 'correct horse battery staple');
    expect(user).toEqual(USER);
    expect(bearerOf(requests[0]!)).toBeNull();
    expect(await requests[0]!.json()).toEqual({
      email: USER.email,
      password: 'correct horse battery staple',
    });

    await api.listResources({ q: '', sort: '-createdAt', cursor: null });
    const list = requests[1]!;
    expect(bearerOf(list)).toBe('Bearer access-1');
    // Empty filters are left out rather than sent as `q=`.
    expect(new URL(list.url).search).toBe('?limit=20&sort=-createdAt');
  });

  it('refreshes once for parallel 401s and resends with the new token', async () => {
    const { api } = await signedIn();
    let refreshes = 0;
    handler = async (request) => {
      if (path(request) === '/api/v1/auth/refresh') {
        refreshes++;
        expect(await request.json()).toEqual({ refreshToken: 'refresh-1' });
        return json(200, pair(2));
      }
      if (bearerOf(request) !== 'Bearer access-2') return unauthenticated();
      return json(200, { data: [], nextCursor: null });
    };
    const pages = await Promise.all([api.listApiKeys(), api.listWebhooks()]);
    expect(pages).toEqual([
      { data: [], nextCursor: null },
      { data: [], nextCursor: null },
    ]);
    expect(refreshes).toBe(1);
    const refresh = requests.find((request) => path(request) === '/api/v1/auth/refresh')!;
    expect(bearerOf(refresh)).toBeNull();
  });

  it('signs out when the refresh fails, and reports the 401', async () => {
    const { api, ApiError, session } = await signedIn();
    const ended = vi.fn();
    session.subscribe(ended);
    handler = () => unauthenticated();
    const error = await api.getResource(USER.id).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', message: 'Token expired' });
    expect(ended).toHaveBeenCalledWith(null, 'ended');
    expect(session.user).toBeNull();
  });

  it('turns error bodies into ApiError, and a body outside the contract too', async () => {
    const { api, ApiError } = await signedIn();
    const details = { issues: [{ path: '/name', message: 'must not be empty' }] };
    handler = () => json(400, { error: { code: 'VALIDATION_FAILED', message: 'Invalid body', details } });
    await expect(api.createResource({ name: '', metadata: {} }, 'key-1')).rejects.toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      details,
    });
    expect(requests[0]!.headers.get('Idempotency-Key')).toBe('key-1');

    handler = () => new Response('<h1>Bad gateway</h1>', { status: 502, statusText: 'Bad Gateway' });
    const error = await api.verifyAudit().catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 502, code: 'HTTP_502' });
  });

  it('sends If-Match and merge-patch where the contract asks for them', async () => {
    const { api } = await signedIn();
    const resource = { ...USER, name: 'thing', metadata: {}, ownerId: USER.id, version: 4 };
    handler = () => json(200, resource);
    await api.replaceResource(USER.id, { name: 'thing', metadata: {} }, 3);
    expect(requests[0]!.method).toBe('PUT');
    expect(requests[0]!.headers.get('If-Match')).toBe('"3"');

    handler = () => json(200, { ...USER, disabled: true });
    await api.updateUser(USER.id, { disabled: true });
    expect(requests[1]!.method).toBe('PATCH');
    expect(requests[1]!.headers.get('Content-Type')).toBe('application/merge-patch+json');
    expect(await requests[1]!.json()).toEqual({ disabled: true });
  });

  it('opens the event stream with Last-Event-ID and leaves its body unread', async () => {
    const { api } = await signedIn();
    handler = () => new Response('id: 7\nevent: ping\ndata: {}\n\n', { status: 200 });
    const controller = new AbortController();
    const response = await api.openEvents('6', controller.signal);
    expect(requests[0]!.headers.get('Accept')).toBe('text/event-stream');
    expect(requests[0]!.headers.get('Last-Event-ID')).toBe('6');
    expect(bearerOf(requests[0]!)).toBe('Bearer access-1');
    expect(await response.text()).toContain('id: 7');
  });
});
