import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API,
  bearer,
  createApiKey,
  createAppWithAdmin,
  expectBearerChallenge,
  patchUser,
  RESOURCES,
  refresh,
} from '../access-helpers.ts';
import {
  as,
  createResource,
  expectError,
  login,
  PASSWORD,
  registerAndLogin,
  type Session,
  type TestApp,
} from '../helpers.ts';

const USERS = `${API}/users`;

describe('admin: disabling users', () => {
  let t: TestApp;
  let admin: Session;

  beforeAll(async () => {
    ({ t, admin } = await createAppWithAdmin());
  });
  afterAll(() => t.close());

  /** A user with every kind of credential, each proven to work before the test changes anything. */
  async function fullyEquipped() {
    const session = await registerAndLogin(t.app);
    const key = await createApiKey(as(t.app, session), ['resources:read', 'resources:write']);
    const resource = await createResource(as(t.app, session), { name: 'their work' });
    expect((await as(t.app, session)({ method: 'GET', url: `${USERS}/me` })).statusCode).toBe(200);
    expect((await bearer(t.app, key.key)({ method: 'GET', url: RESOURCES })).statusCode).toBe(200);
    // A second session whose refresh token is never used before the disable.
    const spare = await login(t.app, session.email);
    return { session, key, resource, spare };
  }

  it('cuts off the access token, refresh tokens and API keys at once (401 + WWW-Authenticate)', async () => {
    const { session, key, spare } = await fullyEquipped();
    const disabled = await patchUser(as(t.app, admin), session.userId, { disabled: true });
    expect(disabled.statusCode, disabled.body).toBe(200);
    expect(disabled.json()).toMatchObject({ id: session.userId, disabled: true, role: 'member' });
    for (const response of [
      await as(t.app, session)({ method: 'GET', url: `${USERS}/me` }),
      await as(t.app, session)({ method: 'GET', url: RESOURCES }),
      await as(t.app, session)({ method: 'POST', url: RESOURCES, payload: { name: 'after' } }),
      await bearer(t.app, key.key)({ method: 'GET', url: RESOURCES }),
      await refresh(t.app, session.refreshToken),
      await refresh(t.app, spare.refreshToken),
    ]) {
      expectError(response, 401, 'UNAUTHENTICATED');
      expectBearerChallenge(response);
    }
    // Login fails exactly like a wrong password: nothing tells an attacker the account is disabled.
    const attempt = await t.app.inject({
      method: 'POST',
      url: `${API}/auth/login`,
      payload: { email: session.email, password: PASSWORD },
    });
    const wrong = await t.app.inject({
      method: 'POST',
      url: `${API}/auth/login`,
      payload: { email: session.email, password: 'not the password at all' },
    });
    expect(expectError(attempt, 401, 'UNAUTHENTICATED')).toEqual(expectError(wrong, 401, 'UNAUTHENTICATED'));
    const listed = (await as(t.app, admin)({ method: 'GET', url: `${USERS}?limit=100` })).json();
    expect(listed.data.find((u: { id: string }) => u.id === session.userId)).toMatchObject({
      disabled: true,
    });
  });

  it('re-enabling allows a new login but resurrects no access token, refresh token or API key', async () => {
    const { session, key, spare, resource } = await fullyEquipped();
    expect((await patchUser(as(t.app, admin), session.userId, { disabled: true })).statusCode).toBe(200);
    expectBearerChallenge(await bearer(t.app, key.key)({ method: 'GET', url: RESOURCES }));
    const enabled = await patchUser(as(t.app, admin), session.userId, { disabled: false });
    expect(enabled.json()).toMatchObject({ disabled: false });
    // The access token from before the disable has not expired, yet it stays dead.
    expectError(await as(t.app, session)({ method: 'GET', url: `${USERS}/me` }), 401, 'UNAUTHENTICATED');
    expectBearerChallenge(await bearer(t.app, key.key)({ method: 'GET', url: RESOURCES }));
    expectBearerChallenge(await refresh(t.app, spare.refreshToken));
    expectBearerChallenge(await refresh(t.app, session.refreshToken));
    const fresh = await login(t.app, session.email);
    const mine = await as(t.app, fresh)({ method: 'GET', url: `${RESOURCES}/${resource.id}` });
    expect(mine.statusCode).toBe(200);
    expect((await refresh(t.app, fresh.refreshToken)).statusCode).toBe(200);
    const keys = await as(t.app, fresh)({ method: 'GET', url: `${API}/api-keys` });
    expect(keys.json().data.map((k: { id: string }) => k.id)).not.toContain(key.id);
  });

  it('disabling is idempotent and leaves other users alone', async () => {
    const target = await fullyEquipped();
    const bystander = await fullyEquipped();
    expect((await patchUser(as(t.app, admin), target.session.userId, { disabled: true })).statusCode).toBe(
      200,
    );
    const again = await patchUser(as(t.app, admin), target.session.userId, { disabled: true });
    expect(again.json()).toMatchObject({ disabled: true });
    expect((await as(t.app, bystander.session)({ method: 'GET', url: RESOURCES })).statusCode).toBe(200);
    expect((await bearer(t.app, bystander.key.key)({ method: 'GET', url: RESOURCES })).statusCode).toBe(200);
    expect((await refresh(t.app, bystander.spare.refreshToken)).statusCode).toBe(200);
  });

  it("a disabled user's resources stay visible to admins and grantees", async () => {
    const { session, resource } = await fullyEquipped();
    const grantee = await registerAndLogin(t.app);
    const share = await as(
      t.app,
      session,
    )({
      method: 'PUT',
      url: `${RESOURCES}/${resource.id}/grants/${grantee.userId}`,
      payload: { permission: 'read' },
    });
    expect(share.statusCode).toBe(200);
    expect((await patchUser(as(t.app, admin), session.userId, { disabled: true })).statusCode).toBe(200);
    const url = `${RESOURCES}/${resource.id}`;
    expect((await as(t.app, admin)({ method: 'GET', url })).statusCode).toBe(200);
    expect((await as(t.app, grantee)({ method: 'GET', url })).statusCode).toBe(200);
  });
});

describe('admin: guarding the admins', () => {
  let t: TestApp;
  let admin: Session;

  beforeAll(async () => {
    ({ t, admin } = await createAppWithAdmin());
  });
  afterAll(() => t.close());

  it('an admin cannot disable or demote themselves (409), through a token or an admin key', async () => {
    const key = await createApiKey(as(t.app, admin), ['admin']);
    for (const call of [as(t.app, admin), bearer(t.app, key.key)]) {
      expectError(await patchUser(call, admin.userId, { disabled: true }), 409, 'CONFLICT');
      expectError(await patchUser(call, admin.userId, { role: 'member' }), 409, 'CONFLICT');
      expectError(await patchUser(call, admin.userId, { role: 'viewer' }), 409, 'CONFLICT');
      expectError(await patchUser(call, admin.userId, { role: 'admin', disabled: true }), 409, 'CONFLICT');
    }
    const me = (await as(t.app, admin)({ method: 'GET', url: `${USERS}/me` })).json();
    expect(me.role).toBe('admin');
    expect((await as(t.app, admin)({ method: 'GET', url: USERS })).statusCode).toBe(200);
    expect((await bearer(t.app, key.key)({ method: 'GET', url: USERS })).statusCode).toBe(200);
  });

  it('admins can manage other admins; a demoted admin loses admin functions at once', async () => {
    const other = await registerAndLogin(t.app);
    expect((await patchUser(as(t.app, admin), other.userId, { role: 'admin' })).json().role).toBe('admin');
    expect((await as(t.app, other)({ method: 'GET', url: USERS })).statusCode).toBe(200);
    // The second admin may demote the first: only self-demotion is refused.
    expect((await patchUser(as(t.app, other), admin.userId, { role: 'member' })).statusCode).toBe(200);
    expectError(await as(t.app, admin)({ method: 'GET', url: USERS }), 403, 'FORBIDDEN');
    expectError(await patchUser(as(t.app, admin), other.userId, { role: 'member' }), 403, 'FORBIDDEN');
    expect((await patchUser(as(t.app, other), admin.userId, { role: 'admin' })).statusCode).toBe(200);
    expect((await as(t.app, admin)({ method: 'GET', url: USERS })).statusCode).toBe(200);
  });

  it('takes merge-patch bodies only, like every PATCH: 415 for application/json and the rest', async () => {
    const user = await registerAndLogin(t.app);
    expect((await patchUser(as(t.app, admin), user.userId, { role: 'viewer' })).statusCode).toBe(200);
    for (const type of ['application/json', 'text/plain']) {
      const refused = await as(
        t.app,
        admin,
      )({
        method: 'PATCH',
        url: `${USERS}/${user.userId}`,
        headers: { 'content-type': type },
        payload: '{"role":"admin"}',
      });
      expectError(refused, 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
    const row = await t.container.database.db
      .selectFrom('users')
      .select('role')
      .where('id', '=', user.userId)
      .executeTakeFirstOrThrow();
    expect(row.role).toBe('viewer');
  });
});
