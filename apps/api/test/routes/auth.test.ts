import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  as,
  createResource,
  createTestApp,
  decodeJwtPart,
  expectError,
  expectValidation,
  login,
  PASSWORD,
  registerAndLogin,
  type TestApp,
  uniqueEmail,
} from '../helpers.ts';

const AUTH = '/api/v1/auth';
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

describe('auth: accounts and sessions', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  const register = (payload: Record<string, unknown>) =>
    t.app.inject({ method: 'POST', url: `${AUTH}/register`, payload });
  const refresh = (refreshToken: string) =>
    t.app.inject({ method: 'POST', url: `${AUTH}/refresh`, payload: { refreshToken } });
  const me = (token: string) =>
    t.app.inject({ method: 'GET', url: '/api/v1/users/me', headers: { authorization: `Bearer ${token}` } });

  it('registers a member with a normalized email and never returns the password', async () => {
    const email = uniqueEmail();
    const response = await register({
      email: `  ${email.toUpperCase()} `,
      password: PASSWORD,
      name: ' Ada ',
    });
    expect(response.statusCode).toBe(201);
    const { user } = response.json();
    expect(Object.keys(user).sort()).toEqual(['createdAt', 'email', 'id', 'name', 'role', 'updatedAt']);
    expect(user).toMatchObject({ email, name: 'Ada', role: 'member' });
    expect(user.createdAt).toMatch(TIMESTAMP);
    expect(response.body).not.toContain(PASSWORD);
    const taken = await register({ email: email.toUpperCase(), password: PASSWORD, name: 'Again' });
    expectError(taken, 409, 'CONFLICT');
  });

  it('lets exactly one of several simultaneous registrations of an email win', async () => {
    const email = uniqueEmail();
    const responses = await Promise.all(
      Array.from({ length: 5 }, (_, i) => register({ email, password: PASSWORD, name: `Racer ${i}` })),
    );
    expect(responses.filter((r) => r.statusCode === 201)).toHaveLength(1);
    for (const r of responses.filter((r) => r.statusCode !== 201)) expectError(r, 409, 'CONFLICT');
  });

  it('validates registrations', async () => {
    const short = await register({ email: uniqueEmail(), password: 'elevenchars', name: 'A' });
    expect(expectValidation(short)[0]!.path).toMatch(/password/);
    expect((await register({ email: uniqueEmail(), password: 'x'.repeat(12), name: 'A' })).statusCode).toBe(
      201,
    );
    expectValidation(await register({ email: uniqueEmail(), password: 'x'.repeat(257), name: 'A' }));
    // Characters are code points: 6 emoji are 6 characters (12 UTF-16 units), 256 emoji are 256.
    expectValidation(await register({ email: uniqueEmail(), password: '🔑'.repeat(6), name: 'A' }));
    const emoji = await register({ email: uniqueEmail(), password: '🔑'.repeat(256), name: 'A' });
    expect(emoji.statusCode, emoji.body).toBe(201);
    expectValidation(await register({ email: 'not-an-email', password: PASSWORD, name: 'A' }));
    expectValidation(await register({ email: uniqueEmail(), password: PASSWORD }));
    expectValidation(await register({ email: uniqueEmail(), password: PASSWORD, name: '   ' }));
    expectValidation(await register({ email: 'nul\u0000@example.com', password: PASSWORD, name: 'A' }));
  });

  it('logs in with the contract token pair and answers the same 401 for both wrong inputs', async () => {
    const email = uniqueEmail();
    await register({ email, password: PASSWORD, name: 'Bo' });
    const response = await t.app.inject({
      method: 'POST',
      url: `${AUTH}/login`,
      payload: { email: ` ${email.toUpperCase()}`, password: PASSWORD },
    });
    expect(response.statusCode).toBe(200);
    const pair = response.json();
    expect(pair).toMatchObject({ tokenType: 'Bearer', user: { email, role: 'member' } });
    expect(pair.expiresIn).toBeGreaterThan(0);
    expect(pair.expiresIn).toBeLessThanOrEqual(3600);
    expect(typeof pair.refreshToken).toBe('string');
    const claims = decodeJwtPart(pair.accessToken, 1);
    expect((claims.exp as number) - (claims.iat as number)).toBe(pair.expiresIn);

    const wrongPassword = await t.app.inject({
      method: 'POST',
      url: `${AUTH}/login`,
      payload: { email, password: 'not the password' },
    });
    const unknownEmail = await t.app.inject({
      method: 'POST',
      url: `${AUTH}/login`,
      payload: { email: uniqueEmail(), password: PASSWORD },
    });
    expectError(wrongPassword, 401, 'UNAUTHENTICATED');
    expectError(unknownEmail, 401, 'UNAUTHENTICATED');
    expect(wrongPassword.body).toBe(unknownEmail.body);
    expect(wrongPassword.headers['www-authenticate']).toMatch(/^Bearer/);
  });

  it('returns the signed-in user from /users/me', async () => {
    const session = await registerAndLogin(t.app);
    const response = await me(session.token);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: session.userId, email: session.email, role: 'member' });
    expectError(await t.app.inject({ method: 'GET', url: '/api/v1/users/me' }), 401, 'UNAUTHENTICATED');
  });

  it('rotates refresh tokens; a reused one fails and revokes the whole family', async () => {
    const session = await registerAndLogin(t.app);
    const first = await refresh(session.refreshToken);
    expect(first.statusCode).toBe(200);
    const second = first.json();
    expect(second.refreshToken).not.toBe(session.refreshToken);
    expect((await me(second.accessToken)).statusCode).toBe(200);

    expectError(await refresh(session.refreshToken), 401, 'UNAUTHENTICATED');
    // The legitimate holder's newest token died with the family.
    expectError(await refresh(second.refreshToken), 401, 'UNAUTHENTICATED');
    // Another session of the same user is another family and keeps working.
    const other = await login(t.app, session.email);
    expect((await refresh(other.refreshToken)).statusCode).toBe(200);
    expectError(await refresh('lbr_made-up'), 401, 'UNAUTHENTICATED');
    expectValidation(await t.app.inject({ method: 'POST', url: `${AUTH}/refresh`, payload: {} }));
  });

  it('logs out with 204 and the refresh token stops working', async () => {
    const session = await registerAndLogin(t.app);
    const out = await t.app.inject({
      method: 'POST',
      url: `${AUTH}/logout`,
      payload: { refreshToken: session.refreshToken },
    });
    expect(out.statusCode).toBe(204);
    expect(out.body).toBe('');
    expectError(await refresh(session.refreshToken), 401, 'UNAUTHENTICATED');
  });

  it('publishes the signing key under the kid of issued tokens', async () => {
    const session = await registerAndLogin(t.app);
    const header = decodeJwtPart(session.token, 0);
    expect(['EdDSA', 'ES256']).toContain(header.alg);
    const jwks = await t.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
    expect(jwks.statusCode).toBe(200);
    const key = jwks.json().keys.find((k: { kid: string }) => k.kid === header.kid);
    expect(key).toMatchObject({ kid: header.kid, alg: header.alg });
    expect(key.d).toBeUndefined();
  });
});

describe('auth: configuration', () => {
  it('answers 403 to registrations when REGISTRATION=closed', async () => {
    const t = await createTestApp({ REGISTRATION: 'closed' });
    try {
      const response = await t.app.inject({
        method: 'POST',
        url: `${AUTH}/register`,
        payload: { email: uniqueEmail(), password: PASSWORD, name: 'Late' },
      });
      expectError(response, 403, 'FORBIDDEN');
    } finally {
      await t.close();
    }
  });

  it('bootstraps the ADMIN_EMAIL admin, who sees every resource', async () => {
    const adminEmail = uniqueEmail();
    const t = await createTestApp({ ADMIN_EMAIL: adminEmail.toUpperCase(), ADMIN_PASSWORD: PASSWORD });
    try {
      const member = await registerAndLogin(t.app);
      const mine = await createResource(as(t.app, member), { name: 'member owned' });
      const admin = await login(t.app, adminEmail);
      const profile = (await as(t.app, admin)({ method: 'GET', url: '/api/v1/users/me' })).json();
      expect(profile).toMatchObject({ email: adminEmail, role: 'admin' });
      const list = (await as(t.app, admin)({ method: 'GET', url: '/api/v1/resources' })).json();
      expect(list.data.map((r: { id: string }) => r.id)).toContain(mine.id);
      const read = await as(t.app, admin)({ method: 'GET', url: `/api/v1/resources/${mine.id}` });
      expect(read.statusCode).toBe(200);
      const filtered = await as(
        t.app,
        admin,
      )({
        method: 'GET',
        url: `/api/v1/resources?ownerId=${admin.userId}`,
      });
      expect(filtered.json().data).toEqual([]);
      // A member asking for someone else's list is refused; their own id is fine.
      const foreign = await as(
        t.app,
        member,
      )({ method: 'GET', url: `/api/v1/resources?ownerId=${admin.userId}` });
      expectError(foreign, 403, 'FORBIDDEN');
      const own = await as(
        t.app,
        member,
      )({ method: 'GET', url: `/api/v1/resources?ownerId=${member.userId}` });
      expect(own.json().data).toHaveLength(1);
      // Restarting with the same settings keeps the one admin account.
      await t.container.auth.ensureAdmin(adminEmail, PASSWORD);
      // Emails are stored encrypted (blind index): count the admins instead.
      const admins = await t.container.database.db
        .selectFrom('users')
        .select('id')
        .where('role', '=', 'admin')
        .execute();
      expect(admins).toHaveLength(1);
    } finally {
      await t.close();
    }
  });
});
