import type { LightMyRequestResponse } from 'fastify';
import { describe, expect, it } from 'vitest';
import { API, awayFromWindowEdge, bearer, createApiKey, RESOURCES } from '../access-helpers.ts';
import {
  as,
  createTestApp,
  expectError,
  PASSWORD,
  registerAndLogin,
  type TestApp,
  uniqueEmail,
} from '../helpers.ts';

/** OWASP API4 (unrestricted resource consumption) and API2 (brute force), per CONTRACT "Rate limits". */
async function withApp(env: Record<string, string>, body: (t: TestApp) => Promise<void>) {
  const t = await createTestApp({ RATE_LIMIT_ENABLED: 'true', ...env });
  try {
    await body(t);
  } finally {
    await t.close();
  }
}

/** The IETF fields: `RateLimit-Policy: "<p>";q=<n>;w=60` and `RateLimit: "<p>";r=<left>;t=<s>`. */
function expectRateLimitFields(response: LightMyRequestResponse, policy: string, quota: number) {
  expect(response.headers['ratelimit-policy'], `${response.statusCode} ${response.body}`).toBe(
    `"${policy}";q=${quota};w=60`,
  );
  const match = /^"([a-z]+)";r=(\d+);t=(\d+)$/.exec(String(response.headers.ratelimit));
  expect(match, String(response.headers.ratelimit)).not.toBeNull();
  expect(match![1]).toBe(policy);
  const t = Number(match![3]);
  expect(t).toBeGreaterThanOrEqual(1);
  expect(t).toBeLessThanOrEqual(60);
  return Number(match![2]);
}

const login = (t: TestApp, email: string, password: string, ip?: string) =>
  t.app.inject({
    method: 'POST',
    url: `${API}/auth/login`,
    payload: { email, password },
    ...(ip ? { headers: { 'x-forwarded-for': ip } } : {}),
  });

describe('rate limits', () => {
  it('allows N requests per user per minute, then 429 RATE_LIMITED with Retry-After and the IETF fields', async () => {
    await withApp({ RATE_LIMIT_PER_MINUTE: '5' }, async (t) => {
      const session = await registerAndLogin(t.app);
      const call = as(t.app, session);
      const remaining: number[] = [];
      await awayFromWindowEdge();
      for (let i = 0; i < 5; i++) {
        const response = await call({ method: 'GET', url: RESOURCES });
        expect(response.statusCode).toBe(200);
        remaining.push(expectRateLimitFields(response, 'default', 5));
      }
      expect(remaining).toEqual([4, 3, 2, 1, 0]);
      const limited = await call({ method: 'GET', url: RESOURCES });
      expectError(limited, 429, 'RATE_LIMITED');
      expect(expectRateLimitFields(limited, 'default', 5)).toBe(0);
      const retryAfter = Number(limited.headers['retry-after']);
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
      // Every verb counts; writes are refused too and write nothing.
      expectError(
        await call({ method: 'POST', url: RESOURCES, payload: { name: 'x' } }),
        429,
        'RATE_LIMITED',
      );
      const rows = await t.container.database.db.selectFrom('resources').select('id').execute();
      expect(rows).toEqual([]);
      // Per user: someone else still has their own budget (their login is on the auth policy).
      const other = await registerAndLogin(t.app);
      expect((await as(t.app, other)({ method: 'GET', url: RESOURCES })).statusCode).toBe(200);
    });
  });

  it('counts a user’s API keys against the same budget as their tokens', async () => {
    await withApp({ RATE_LIMIT_PER_MINUTE: '4' }, async (t) => {
      const session = await registerAndLogin(t.app);
      await awayFromWindowEdge();
      const key = await createApiKey(as(t.app, session), ['resources:read']); // 1
      const viaKey = bearer(t.app, key.key);
      expect((await viaKey({ method: 'GET', url: RESOURCES })).statusCode).toBe(200); // 2
      expect((await as(t.app, session)({ method: 'GET', url: RESOURCES })).statusCode).toBe(200); // 3
      expect((await viaKey({ method: 'GET', url: RESOURCES })).statusCode).toBe(200); // 4
      expectError(await viaKey({ method: 'GET', url: RESOURCES }), 429, 'RATE_LIMITED');
      expectError(await as(t.app, session)({ method: 'GET', url: RESOURCES }), 429, 'RATE_LIMITED');
    });
  });

  it('carries the fields on every /api/v1 response: 2xx, 400, 401, 404 and unknown routes', async () => {
    await withApp({ RATE_LIMIT_PER_MINUTE: '50' }, async (t) => {
      const session = await registerAndLogin(t.app);
      const call = as(t.app, session);
      const responses = [
        await call({ method: 'GET', url: RESOURCES }),
        await call({ method: 'POST', url: RESOURCES, payload: { name: 'x' } }),
        await call({ method: 'GET', url: `${RESOURCES}?limit=0` }),
        await call({ method: 'GET', url: `${RESOURCES}/0190a000-0000-7000-8000-00000000dead` }),
        await call({ method: 'GET', url: `${API}/no-such-route` }),
        await t.app.inject({ method: 'GET', url: RESOURCES }),
        await t.app.inject({ method: 'GET', url: RESOURCES, headers: { authorization: 'Bearer junk' } }),
      ];
      expect(responses.map((r) => r.statusCode)).toEqual([200, 201, 400, 404, 404, 401, 401]);
      for (const response of responses) expectRateLimitFields(response, 'default', 50);
    });
  });

  it('puts /auth/* on the stricter "auth" policy, per client IP', async () => {
    await withApp({ RATE_LIMIT_PER_MINUTE: '100', RATE_LIMIT_AUTH_PER_MINUTE: '3' }, async (t) => {
      await awayFromWindowEdge();
      const register = await t.app.inject({
        method: 'POST',
        url: `${API}/auth/register`,
        payload: { email: uniqueEmail(), password: PASSWORD, name: 'R' },
      });
      expect(register.statusCode).toBe(201);
      expect(expectRateLimitFields(register, 'auth', 3)).toBe(2);
      // Password spraying: one guess at each of several accounts from one address.
      const first = await login(t, uniqueEmail(), 'wrong password 1');
      expectError(first, 401, 'UNAUTHENTICATED');
      expect(expectRateLimitFields(first, 'auth', 3)).toBe(1);
      expectError(await login(t, uniqueEmail(), 'wrong password 2'), 401, 'UNAUTHENTICATED');
      const limited = await login(t, uniqueEmail(), 'wrong password 3');
      expectError(limited, 429, 'RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      const refresh = await t.app.inject({
        method: 'POST',
        url: `${API}/auth/refresh`,
        payload: { refreshToken: 'lbr_x' },
      });
      expectError(refresh, 429, 'RATE_LIMITED');
    });
  });

  it('limits login attempts per target account, whatever address they come from', async () => {
    await withApp({ RATE_LIMIT_AUTH_PER_MINUTE: '3', TRUSTED_PROXIES: '127.0.0.1' }, async (t) => {
      const victim = uniqueEmail();
      await awayFromWindowEdge();
      const created = await t.app.inject({
        method: 'POST',
        url: `${API}/auth/register`,
        headers: { 'x-forwarded-for': '198.51.100.1' },
        payload: { email: victim, password: PASSWORD, name: 'Victim' },
      });
      expect(created.statusCode).toBe(201);
      for (let i = 0; i < 3; i++) {
        const attempt = await login(t, victim, `wrong password ${i}`, `203.0.113.${10 + i}`);
        expectError(attempt, 401, 'UNAUTHENTICATED');
        // Each address is fresh: the per-IP budget is not what stops the attacker.
        expect(expectRateLimitFields(attempt, 'auth', 3)).toBe(2);
      }
      // Even the right password from a new address: the account is throttled for this window.
      const limited = await login(t, ` ${victim.toUpperCase()} `, PASSWORD, '203.0.113.50');
      expectError(limited, 429, 'RATE_LIMITED');
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(limited.body).not.toContain(victim);
      // Another account from a fresh address is unaffected.
      expectError(await login(t, uniqueEmail(), 'wrong password', '203.0.113.51'), 401, 'UNAUTHENTICATED');
    });
  });

  it('ignores X-Forwarded-For unless TRUSTED_PROXIES names the peer', async () => {
    const rotate = async (t: TestApp) => {
      await awayFromWindowEdge();
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const response = await t.app.inject({
          method: 'GET',
          url: RESOURCES,
          headers: { 'x-forwarded-for': `192.0.2.${i + 1}` },
        });
        statuses.push(response.statusCode);
      }
      return statuses;
    };
    await withApp({ RATE_LIMIT_PER_MINUTE: '3' }, async (t) => {
      // Anonymous callers count per client IP: rotating the header does not buy new budgets.
      expect(await rotate(t)).toEqual([401, 401, 401, 429]);
    });
    await withApp({ RATE_LIMIT_PER_MINUTE: '3', TRUSTED_PROXIES: '10.9.9.9' }, async (t) => {
      // A proxy list that does not include the peer (inject comes from 127.0.0.1) changes nothing.
      expect(await rotate(t)).toEqual([401, 401, 401, 429]);
    });
    await withApp({ RATE_LIMIT_PER_MINUTE: '3', TRUSTED_PROXIES: '127.0.0.1' }, async (t) => {
      expect(await rotate(t)).toEqual([401, 401, 401, 401]);
      // The same forwarded address, though, is one client.
      await awayFromWindowEdge();
      const same = [];
      for (let i = 0; i < 4; i++) {
        const headers = { 'x-forwarded-for': '192.0.2.200' };
        same.push((await t.app.inject({ method: 'GET', url: RESOURCES, headers })).statusCode);
      }
      expect(same).toEqual([401, 401, 401, 429]);
    });
  });

  it('RATE_LIMIT_ENABLED=false lifts the limit and its fields', async () => {
    const t = await createTestApp({ RATE_LIMIT_ENABLED: 'false', RATE_LIMIT_PER_MINUTE: '1' });
    try {
      for (let i = 0; i < 3; i++) {
        const response = await t.app.inject({ method: 'GET', url: RESOURCES });
        expect(response.statusCode).toBe(401);
        expect(response.headers.ratelimit).toBeUndefined();
      }
    } finally {
      await t.close();
    }
  });
});
