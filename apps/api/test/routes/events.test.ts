import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, type LiveApp, openEventStream, startLiveApp } from '../events-helpers.ts';
import { as, createResource, registerAndLogin, type Session, withRole } from '../helpers.ts';

describe('GET /api/v1/events (Server-Sent Events)', () => {
  let live: LiveApp;
  let a: Session;
  let b: Session;
  let admin: Session;

  beforeAll(async () => {
    live = await startLiveApp({ env: { LOG_LEVEL: process.env.TEST_LOG ?? 'silent' } });
    a = await registerAndLogin(live.app);
    b = await registerAndLogin(live.app);
    const t = { app: live.app, container: live.container } as Parameters<typeof withRole>[0];
    admin = await withRole(t, await registerAndLogin(live.app), 'admin');
  });
  afterAll(() => live.close());

  it('streams the caller’s changes in commit order: event type, an id on every event, the contract’s data', async () => {
    const stream = await openEventStream(live.baseUrl, a.token);
    expect(stream.status).toBe(200);
    expect(stream.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(stream.headers['x-request-id']).toBeTruthy();
    const call = as(live.app, a);
    const created = await createResource(call, { name: 'sse one', metadata: { n: 1 } });
    const id = created.id;
    const merge = { 'content-type': 'application/merge-patch+json' };
    expect(
      (
        await call({
          method: 'PATCH',
          url: `/api/v1/resources/${id}`,
          headers: merge,
          payload: { name: 'sse two' },
        })
      ).statusCode,
    ).toBe(200);
    expect((await call({ method: 'DELETE', url: `/api/v1/resources/${id}` })).statusCode).toBe(204);
    expect((await call({ method: 'POST', url: `/api/v1/resources/${id}/restore` })).statusCode).toBe(200);

    const events = await stream.waitForEvents(4);
    stream.close();
    expect(events.map((e) => e.event)).toEqual([
      'resource.created',
      'resource.updated',
      'resource.deleted',
      'resource.restored',
    ]);
    expect(events.map((e) => e.data.version)).toEqual([1, 2, 3, 4]);
    const ids = events.map((e) => BigInt(e.id!));
    expect([...ids].sort((x, y) => (x < y ? -1 : 1))).toEqual(ids);
    expect(new Set(ids).size).toBe(4);
    const [first] = events;
    expect(Object.keys(first!.data).sort()).toEqual([
      'actorId',
      'occurredAt',
      'resource',
      'resourceId',
      'type',
      'version',
    ]);
    expect(first!.data).toMatchObject({ type: 'resource.created', resourceId: id, actorId: a.userId });
    expect(first!.data.resource).toEqual(created);
    expect(first!.data.occurredAt).toBe(created.createdAt);
    expect(events[1]!.data.resource.name).toBe('sse two');
  });

  it('never shows a user another user’s events; a grant opens the resource, admins see everything', async () => {
    const streamB = await openEventStream(live.baseUrl, b.token);
    const streamAdmin = await openEventStream(live.baseUrl, admin.token);
    const secret = await createResource(as(live.app, a), { name: 'a private' });
    const shared = await createResource(as(live.app, a), { name: 'a shared' });
    // Visibility is decided when an event goes out: let these two go out before sharing.
    await eventually(async () => streamAdmin.events.length >= 2);
    const grant = await as(
      live.app,
      a,
    )({
      method: 'PUT',
      url: `/api/v1/resources/${shared.id}/grants/${b.userId}`,
      payload: { permission: 'read' },
    });
    expect(grant.statusCode).toBe(200);
    await as(
      live.app,
      a,
    )({ method: 'PUT', url: `/api/v1/resources/${shared.id}`, payload: { name: 'a shared 2' } });
    await as(
      live.app,
      a,
    )({ method: 'PUT', url: `/api/v1/resources/${secret.id}`, payload: { name: 'a private 2' } });
    const own = await createResource(as(live.app, b), { name: 'b own' });

    // B's own event comes after all of A's: by then anything of A's meant for B has arrived.
    await eventually(async () => streamB.events.some((e) => e.data.resourceId === own.id));
    expect(streamB.events.map((e) => [e.data.resourceId, e.event])).toEqual([
      [shared.id, 'resource.updated'],
      [own.id, 'resource.created'],
    ]);
    const adminSaw = await eventually(async () => {
      const ids = streamAdmin.events.map((e) => e.data.resourceId);
      return ids.includes(own.id) && ids;
    });
    expect(adminSaw).toEqual([secret.id, shared.id, shared.id, secret.id, own.id]);
    streamB.close();
    streamAdmin.close();
  });

  it('resumes after Last-Event-ID from the outbox, then continues live, with no gap and no repeat', async () => {
    const call = as(live.app, a);
    const first = await openEventStream(live.baseUrl, a.token);
    const r = await createResource(call, { name: 'resume' });
    await call({ method: 'PUT', url: `/api/v1/resources/${r.id}`, payload: { name: 'resume 2' } });
    const seen = await first.waitForEvents(2);
    first.close();
    await first.ended;

    // Missed while disconnected.
    await call({ method: 'PUT', url: `/api/v1/resources/${r.id}`, payload: { name: 'resume 3' } });
    await call({ method: 'PUT', url: `/api/v1/resources/${r.id}`, payload: { name: 'resume 4' } });
    const resumed = await openEventStream(live.baseUrl, a.token, { 'last-event-id': seen[1]!.id! });
    await resumed.waitForEvents(2);
    await call({ method: 'PUT', url: `/api/v1/resources/${r.id}`, payload: { name: 'resume 5' } });
    const after = await resumed.waitForEvents(3);
    resumed.close();
    expect(after.map((e) => [e.data.resourceId, e.data.version])).toEqual([
      [r.id, 3],
      [r.id, 4],
      [r.id, 5],
    ]);
    expect(BigInt(after[0]!.id!)).toBeGreaterThan(BigInt(seen[1]!.id!));

    // Resuming from the very beginning replays only what the caller may see.
    const fromStart = await openEventStream(live.baseUrl, b.token, { 'last-event-id': '0' });
    const own = await createResource(as(live.app, b), { name: 'b marker' });
    await eventually(async () => fromStart.events.some((e) => e.data.resourceId === own.id));
    fromStart.close();
    const owners = new Set(fromStart.events.map((e) => e.data.resource.ownerId));
    expect([...owners].every((owner) => owner === b.userId || owner === a.userId)).toBe(true);
    const fromA = fromStart.events.filter((e) => e.data.resource.ownerId === a.userId);
    expect(fromA.every((e) => e.data.resource.name.startsWith('a shared'))).toBe(true);
  });

  it('answers 401 without credentials, 400 to a malformed Last-Event-ID, 403 to a key without resources:read', async () => {
    const anonymous = await fetch(`${live.baseUrl}/api/v1/events`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    const bad = await fetch(`${live.baseUrl}/api/v1/events`, {
      headers: { authorization: `Bearer ${a.token}`, 'last-event-id': 'yesterday' },
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe('VALIDATION_FAILED');
    const key = await as(
      live.app,
      a,
    )({
      method: 'POST',
      url: '/api/v1/api-keys',
      payload: { name: 'audit only', scopes: ['audit:read'] },
    });
    expect(key.statusCode).toBe(201);
    const forbidden = await fetch(`${live.baseUrl}/api/v1/events`, {
      headers: { authorization: `Bearer ${key.json().key}` },
    });
    expect(forbidden.status).toBe(403);
  });

  it('ends open streams when the server closes, so shutdown never hangs on them', async () => {
    const other = await startLiveApp({ worker: false });
    const session = await registerAndLogin(other.app);
    const stream = await openEventStream(other.baseUrl, session.token);
    expect(stream.isEnded()).toBe(false);
    await other.close();
    await stream.ended;
    expect(stream.isEnded()).toBe(true);
  });
});
