import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  API,
  createAppWithAdmin,
  MERGE_PATCH,
  makeViewer,
  NEVER_EXISTED,
  patchUser,
  RESOURCES,
} from '../access-helpers.ts';
import {
  as,
  auditRows,
  createResource,
  expectError,
  expectValidation,
  registerAndLogin,
  type Session,
  type TestApp,
} from '../helpers.ts';

/** OWASP API3 (broken object property level authorization): no field is assigned that the caller may not set. */
describe('access control: property level (mass assignment)', () => {
  let t: TestApp;
  let admin: Session;
  let member: Session;
  let viewer: Session;

  beforeAll(async () => {
    ({ t, admin } = await createAppWithAdmin());
    member = await registerAndLogin(t.app);
    viewer = await registerAndLogin(t.app);
    await makeViewer(t, admin, viewer);
  });
  afterAll(() => t.close());

  it('rejects server-owned fields in resource PUT and PATCH bodies and changes nothing', async () => {
    const call = as(t.app, member);
    const resource = await createResource(call, { name: 'mine' });
    const url = `${RESOURCES}/${resource.id}`;
    const forged: Record<string, unknown> = {
      id: NEVER_EXISTED,
      ownerId: admin.userId,
      version: 99,
      createdAt: '2000-01-01T00:00:00.000Z',
      updatedAt: '2000-01-01T00:00:00.000Z',
      deletedAt: null,
      role: 'admin',
    };
    for (const [field, value] of Object.entries(forged)) {
      const put = await call({ method: 'PUT', url, payload: { name: 'x', [field]: value } });
      expect(expectValidation(put).map((i) => i.path)).toContain(`body.${field}`);
      const patch = await call({
        method: 'PATCH',
        url,
        headers: MERGE_PATCH,
        payload: JSON.stringify({ [field]: value }),
      });
      expect(expectValidation(patch).map((i) => i.path)).toContain(`body.${field}`);
    }
    const current = (await call({ method: 'GET', url })).json();
    expect(current).toMatchObject({ id: resource.id, ownerId: member.userId, version: 1, name: 'mine' });
    expect(await auditRows(t, resource.id)).toHaveLength(1);
  });

  it('rejects anything but role and disabled in PATCH /users/:id (mass assignment)', async () => {
    const call = as(t.app, admin);
    const forged: Record<string, unknown> = {
      email: 'taken-over@example.com',
      name: 'Renamed',
      password: 'a brand new password',
      passwordHash: 'x',
      id: NEVER_EXISTED,
      createdAt: '2000-01-01T00:00:00.000Z',
      disabledAt: null,
      isAdmin: true,
    };
    for (const [field, value] of Object.entries(forged)) {
      const issues = expectValidation(
        await patchUser(call, member.userId, { role: 'member', [field]: value }),
      );
      expect(issues.map((i) => i.path)).toContain(`body.${field}`);
    }
    expectValidation(await patchUser(call, member.userId, {}));
    expectValidation(await patchUser(call, member.userId, { role: 'superuser' }));
    expectValidation(await patchUser(call, member.userId, { disabled: 'yes' }));
    expectValidation(await patchUser(call, 'not-a-uuid', { role: 'viewer' }));
    expectError(await patchUser(call, NEVER_EXISTED, { role: 'viewer' }), 404, 'NOT_FOUND');
    const users = (await call({ method: 'GET', url: `${API}/users?limit=100` })).json().data;
    const after = users.find((u: { id: string }) => u.id === member.userId);
    expect(after).toMatchObject({ role: 'member', disabled: false, name: 'Test User', email: member.email });
  });

  it('rejects owner, role or id fields in grant and API key bodies', async () => {
    const resource = await createResource(as(t.app, member));
    const url = `${RESOURCES}/${resource.id}/grants/${viewer.userId}`;
    for (const body of [
      { permission: 'read', userId: admin.userId },
      { permission: 'read', resourceId: NEVER_EXISTED },
      { permission: 'read', grantedBy: admin.userId },
      { permission: 'admin' },
      { permission: 'owner' },
      {},
    ]) {
      expectValidation(await as(t.app, member)({ method: 'PUT', url, payload: body }));
    }
    for (const body of [
      { name: 'k', scopes: ['resources:read'], userId: admin.userId },
      { name: 'k', scopes: ['resources:read'], key: 'lbk_chosen_by_the_caller' },
      { name: 'k', scopes: ['resources:read'], id: NEVER_EXISTED },
      { name: 'k', scopes: ['superuser'] },
      { name: 'k', scopes: [] },
    ]) {
      expectValidation(await as(t.app, member)({ method: 'POST', url: `${API}/api-keys`, payload: body }));
    }
    const grants = await as(t.app, member)({ method: 'GET', url: `${RESOURCES}/${resource.id}/grants` });
    expect(grants.json().data).toEqual([]);
    const keys = await as(t.app, member)({ method: 'GET', url: `${API}/api-keys` });
    expect(keys.json().data).toEqual([]);
  });
});
