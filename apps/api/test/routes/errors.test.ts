import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  as,
  type Call,
  createResource,
  createTestApp,
  expectError,
  expectValidation,
  RESOURCES,
  registerAndLogin,
  type Session,
  type TestApp,
} from '../helpers.ts';

describe('errors: one shape from every layer', () => {
  let t: TestApp;
  let alice: Session;
  let call: Call;

  beforeAll(async () => {
    t = await createTestApp();
    alice = await registerAndLogin(t.app);
    call = as(t.app, alice);
  });
  afterAll(() => t.close());

  it('answers bad JSON with 400 VALIDATION_FAILED and issues', async () => {
    const response = await call({
      method: 'POST',
      url: RESOURCES,
      headers: { 'content-type': 'application/json' },
      payload: '{"name": "x",',
    });
    const issues = expectValidation(response);
    expect(issues[0]!.path).toBe('body');
  });

  it('answers schema violations with the path of the offending field', async () => {
    const wrongType = await call({ method: 'POST', url: RESOURCES, payload: { name: 5 } });
    expect(expectValidation(wrongType)[0]!.path).toBe('body.name');
    const missing = await call({ method: 'POST', url: RESOURCES, payload: { metadata: {} } });
    expect(expectValidation(missing)[0]!.path).toBe('body.name');
    const notObject = await call({ method: 'POST', url: RESOURCES, payload: [{ name: 'x' }] });
    expectValidation(notObject);
    const empty = await call({
      method: 'POST',
      url: RESOURCES,
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expectValidation(empty);
  });

  it('rejects a malformed id with 400 on every verb', async () => {
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const response = await call({
        method,
        url: `${RESOURCES}/not-a-uuid`,
        ...(method === 'PUT' ? { payload: { name: 'x' } } : {}),
      });
      expect(expectValidation(response)[0]!.path).toBe('params.id');
    }
    expectValidation(await call({ method: 'GET', url: `${RESOURCES}/not-a-uuid/history` }));
    const version = await call({ method: 'GET', url: `${RESOURCES}/${alice.userId}/versions/abc` });
    expectValidation(version);
  });

  it('answers unknown routes with 404 in the same shape, with or without credentials', async () => {
    expectError(await t.app.inject({ method: 'GET', url: '/api/v1/nope' }), 404, 'NOT_FOUND');
    expectError(await call({ method: 'GET', url: '/api/v1/nope' }), 404, 'NOT_FOUND');
    expectError(await t.app.inject({ method: 'POST', url: '/nope' }), 404, 'NOT_FOUND');
    expectError(await call({ method: 'DELETE', url: RESOURCES }), 404, 'NOT_FOUND');
  });

  it('answers a malformed URL escape or an over-long id with 400 in the same shape', async () => {
    for (const url of [`${RESOURCES}/%zz`, `${RESOURCES}/${'a'.repeat(300)}`]) {
      const response = await call({ method: 'GET', url, headers: { 'x-request-id': 'bad-url-1' } });
      expectValidation(response);
      expect(response.headers['x-request-id']).toBe('bad-url-1');
    }
  });

  it('rejects a body over 1 MiB with 413', async () => {
    const big = { name: 'x', metadata: { blob: 'x'.repeat(1024 * 1024) } };
    expectError(await call({ method: 'POST', url: RESOURCES, payload: big }), 413, 'PAYLOAD_TOO_LARGE');
    const { id } = await createResource(call);
    const patch = await call({
      method: 'PATCH',
      url: `${RESOURCES}/${id}`,
      headers: { 'content-type': 'application/merge-patch+json' },
      payload: JSON.stringify(big),
    });
    expectError(patch, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('enforces content types: JSON for POST/PUT, merge-patch for PATCH (415)', async () => {
    const { id } = await createResource(call);
    const cases = [
      { method: 'POST', url: RESOURCES, type: 'text/plain' },
      { method: 'POST', url: RESOURCES, type: 'application/merge-patch+json' },
      { method: 'POST', url: RESOURCES, type: 'application/x-www-form-urlencoded' },
      { method: 'PUT', url: `${RESOURCES}/${id}`, type: 'application/merge-patch+json' },
      { method: 'PATCH', url: `${RESOURCES}/${id}`, type: 'application/json' },
      { method: 'POST', url: '/api/v1/auth/login', type: 'text/plain' },
    ] as const;
    for (const { method, url, type } of cases) {
      const response = await call({
        method,
        url,
        headers: { 'content-type': type },
        payload: JSON.stringify({ name: 'x' }),
      });
      expectError(response, 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
    const charset = await call({
      method: 'POST',
      url: RESOURCES,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      payload: JSON.stringify({ name: 'with charset' }),
    });
    expect(charset.statusCode).toBe(201);
    // Nothing failed above may have been stored.
    const list = (await call({ method: 'GET', url: `${RESOURCES}?limit=100` })).json();
    expect(list.data.map((r: { name: string }) => r.name).sort()).toEqual(['thing', 'thing', 'with charset']);
  });

  it('rejects unknown fields instead of assigning them', async () => {
    const forged = {
      id: '00000000-0000-7000-8000-000000000000',
      ownerId: '00000000-0000-7000-8000-000000000001',
      version: 99,
      createdAt: '2000-01-01T00:00:00.000Z',
      role: 'admin',
    };
    for (const [field, value] of Object.entries(forged)) {
      const response = await call({ method: 'POST', url: RESOURCES, payload: { name: 'x', [field]: value } });
      expect(expectValidation(response)[0]!.path).toBe(`body.${field}`);
    }
    const proto = await call({
      method: 'POST',
      url: RESOURCES,
      headers: { 'content-type': 'application/json' },
      payload: '{"name":"x","__proto__":{"role":"admin"}}',
    });
    expectValidation(proto);
    const { id } = await createResource(call);
    const patch = await call({
      method: 'PATCH',
      url: `${RESOURCES}/${id}`,
      headers: { 'content-type': 'application/merge-patch+json' },
      payload: JSON.stringify({ ownerId: forged.ownerId }),
    });
    expectValidation(patch);
    const put = await call({ method: 'PUT', url: `${RESOURCES}/${id}`, payload: { name: 'y', version: 7 } });
    expectValidation(put);
    const register = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: 'mass@example.com', password: 'long enough password', name: 'M', role: 'admin' },
    });
    expect(expectValidation(register)[0]!.path).toBe('body.role');
    const unchanged = (await call({ method: 'GET', url: `${RESOURCES}/${id}` })).json();
    expect(unchanged).toMatchObject({ version: 1, ownerId: alice.userId });
  });

  it('rejects unknown query parameters', async () => {
    expectValidation(await call({ method: 'GET', url: `${RESOURCES}?owner=me` }));
  });

  it('echoes a valid X-Request-Id and replaces an invalid one', async () => {
    const valid = 'Req-1.2_3:abc';
    const echoed = await call({ method: 'GET', url: RESOURCES, headers: { 'x-request-id': valid } });
    expect(echoed.headers['x-request-id']).toBe(valid);
    const longest = 'a'.repeat(200);
    expect(
      (await call({ method: 'GET', url: RESOURCES, headers: { 'x-request-id': longest } })).headers[
        'x-request-id'
      ],
    ).toBe(longest);
    for (const bad of ['a'.repeat(201), 'has space', 'semi;colon', 'ünïcode', '']) {
      const response = await call({ method: 'GET', url: RESOURCES, headers: { 'x-request-id': bad } });
      const id = response.headers['x-request-id'];
      expect(typeof id === 'string' && id.length > 0).toBe(true);
      expect(id).not.toBe(bad);
      expect(id).toMatch(/^[A-Za-z0-9._:-]{1,200}$/);
    }
    const generated = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(generated.headers['x-request-id']).toMatch(/^[A-Za-z0-9._:-]{1,200}$/);
    const onError = await t.app.inject({ method: 'GET', url: '/nope', headers: { 'x-request-id': valid } });
    expect(onError.headers['x-request-id']).toBe(valid);
  });

  it('answers every 401 with WWW-Authenticate: Bearer', async () => {
    const cases = [
      {},
      { authorization: 'Bearer not.a.jwt' },
      { authorization: 'Basic dXNlcjpwYXNz' },
      { authorization: 'Bearer' },
    ];
    for (const headers of cases) {
      const response = await t.app.inject({ method: 'GET', url: RESOURCES, headers });
      expectError(response, 401, 'UNAUTHENTICATED');
      expect(response.headers['www-authenticate']).toMatch(/^Bearer\b/);
    }
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: alice.email, password: 'wrong password!!' },
    });
    expectError(login, 401, 'UNAUTHENTICATED');
    expect(login.headers['www-authenticate']).toMatch(/^Bearer\b/);
  });
});

describe('errors: rate limit and internal failures', () => {
  it('answers over-the-limit requests with 429, Retry-After and the RateLimit headers', async () => {
    const t = await createTestApp({ RATE_LIMIT_ENABLED: 'true', RATE_LIMIT_AUTH_PER_MINUTE: '2' });
    try {
      const attempt = () =>
        t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email: 'nobody@example.com', password: 'wrong password!!' },
        });
      expect((await attempt()).headers['ratelimit-policy']).toBe('"auth";q=2;w=60');
      await attempt();
      const limited = await attempt();
      expectError(limited, 429, 'RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(limited.headers.ratelimit).toMatch(/^"auth";r=0;t=\d+$/);
    } finally {
      await t.close();
    }
  });

  it('answers a failed database with a 5xx in the error shape, without internals', async () => {
    const t = await createTestApp();
    const session = await registerAndLogin(t.app);
    await t.database.handle.close();
    try {
      const response = await as(t.app, session)({ method: 'GET', url: RESOURCES });
      // A destroyed handle is unexpected (500) or, if classified as an outage, unavailable (503).
      const error = expectError(
        response,
        response.statusCode,
        response.statusCode === 503 ? 'UNAVAILABLE' : 'INTERNAL',
      );
      expect([500, 503]).toContain(response.statusCode);
      expect(error.details).toBeUndefined();
      const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(503);
      expect(ready.json().checks.db.status).toBe('down');
      expect(ready.json().status).not.toBe('ok');
    } finally {
      await t.close().catch(() => {});
    }
  });
});
