import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  eventually,
  type LiveApp,
  type Receiver,
  startLiveApp,
  startReceiver,
  type TestClock,
  testClock,
} from '../events-helpers.ts';
import {
  as,
  createResource,
  expectError,
  expectValidation,
  registerAndLogin,
  type Session,
} from '../helpers.ts';

type Delivery = {
  id: string;
  status: string;
  attempts: number;
  responseStatus: number | null;
  durationMs: number | null;
  messageId: string;
  eventType: string;
  lastError: string | null;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
};

describe('webhooks', () => {
  let live: LiveApp;
  let clock: TestClock;
  let receiver: Receiver;
  let a: Session;
  let b: Session;

  const subscribe = async (
    session: Session,
    url: string,
    events = ['resource.created', 'resource.updated'],
  ) => {
    const response = await as(
      live.app,
      session,
    )({ method: 'POST', url: '/api/v1/webhooks', payload: { url, events } });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as { id: string; secret: string; url: string };
  };
  const deliveries = async (session: Session, webhookId: string): Promise<Delivery[]> => {
    const response = await as(
      live.app,
      session,
    )({ method: 'GET', url: `/api/v1/webhooks/${webhookId}/deliveries` });
    expect(response.statusCode, response.body).toBe(200);
    return response.json().data;
  };
  /** The attempt is recorded (and its retry scheduled) before the test moves the clock on. */
  const recorded = (session: Session, webhookId: string, attempts: number) =>
    eventually(async () => {
      const [delivery] = await deliveries(session, webhookId);
      return delivery?.attempts === attempts && delivery.responseStatus !== null && delivery;
    });
  const remove = (session: Session, id: string) =>
    as(live.app, session)({ method: 'DELETE', url: `/api/v1/webhooks/${id}` });

  beforeAll(async () => {
    clock = testClock();
    // Only the worker's time moves: access tokens must not expire when the test jumps a day ahead.
    live = await startLiveApp({ worker: { clock } });
    a = await registerAndLogin(live.app);
    b = await registerAndLogin(live.app);
  });
  afterAll(() => live.close());

  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await receiver.close();
  });

  it('creates a webhook with a whsec_ secret shown once; lists and deletes only your own', async () => {
    const response = await as(
      live.app,
      a,
    )({
      method: 'POST',
      url: '/api/v1/webhooks',
      payload: { url: receiver.url, events: ['resource.created'], description: '  my hook ' },
    });
    expect(response.statusCode).toBe(201);
    expect(response.headers['cache-control']).toBe('no-store');
    const created = response.json();
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(created.secret.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);
    expect(created).toMatchObject({
      url: receiver.url,
      events: ['resource.created'],
      description: 'my hook',
      disabled: false,
    });
    expect(response.headers.location).toBe(`/api/v1/webhooks/${created.id}`);

    const listed = (await as(live.app, a)({ method: 'GET', url: '/api/v1/webhooks' })).json().data;
    expect(listed.map((w: { id: string }) => w.id)).toContain(created.id);
    expect(JSON.stringify(listed)).not.toContain('whsec_');
    expect((await as(live.app, b)({ method: 'GET', url: '/api/v1/webhooks' })).json().data).toEqual([]);

    // Another user's webhook does not exist for them.
    expectError(await remove(b, created.id), 404, 'NOT_FOUND');
    expectError(
      await as(live.app, b)({ method: 'GET', url: `/api/v1/webhooks/${created.id}/deliveries` }),
      404,
      'NOT_FOUND',
    );
    expect((await remove(a, created.id)).statusCode).toBe(204);
    expectError(await remove(a, created.id), 404, 'NOT_FOUND');
  });

  it('rejects invalid subscriptions with 400', async () => {
    const post = (payload: Record<string, unknown>) =>
      as(live.app, a)({ method: 'POST', url: '/api/v1/webhooks', payload });
    expectValidation(await post({ url: receiver.url, events: [] }));
    expectValidation(await post({ url: receiver.url, events: ['resource.exploded'] }));
    expectValidation(await post({ url: receiver.url, events: ['resource.created'], secret: 'mine' }));
    expectValidation(await post({ url: 'ftp://example.com/', events: ['resource.created'] }));
    expectValidation(await post({ url: 'https://u:p@example.com/', events: ['resource.created'] }));
  });

  it('delivers within seconds, signed per Standard Webhooks, with the SSE event as data', async () => {
    const hook = await subscribe(a, receiver.url);
    const resource = await createResource(as(live.app, a), { name: 'hooked', metadata: { k: 1 } });
    const [request] = await receiver.waitFor(1, 5000);
    const headers = request!.headers as Record<string, string>;
    expect(headers['content-type']).toBe('application/json');
    expect(headers['webhook-id']).toMatch(/^msg_/);
    const verified = new StandardWebhook(hook.secret).verify(request!.body, headers) as {
      type: string;
      timestamp: string;
      data: Record<string, unknown>;
    };
    expect(verified.type).toBe('resource.created');
    expect(verified.timestamp).toBe(resource.createdAt);
    expect(verified.data).toEqual({
      type: 'resource.created',
      resourceId: resource.id,
      version: 1,
      actorId: a.userId,
      occurredAt: resource.createdAt,
      resource,
    });
    // A tampered body does not verify.
    expect(() => new StandardWebhook(hook.secret).verify(`${request!.body} `, headers)).toThrow();

    const [delivery] = await eventually(async () => {
      const log = await deliveries(a, hook.id);
      return log[0]?.status === 'delivered' && log;
    });
    expect(delivery).toMatchObject({
      status: 'delivered',
      attempts: 1,
      responseStatus: 200,
      eventType: 'resource.created',
    });
    expect(delivery!.durationMs).toBeGreaterThanOrEqual(0);
    expect(delivery!.messageId).toBe(headers['webhook-id']);
    await remove(a, hook.id);
  });

  it('retries a failing receiver with back-off and the same webhook-id until it succeeds', async () => {
    receiver.respond = (n) => (n < 2 ? 500 : 200);
    const hook = await subscribe(a, receiver.url);
    await createResource(as(live.app, a), { name: 'flaky receiver' });
    await receiver.waitFor(1);
    const first = await eventually(async () => {
      const [delivery] = await deliveries(a, hook.id);
      return delivery?.responseStatus === 500 && delivery;
    });
    expect(first.status).toBe('pending');
    // First retry 30 s (± 20 %) later: nothing happens until the clock gets there.
    const wait = Date.parse(first.nextAttemptAt!) - Date.parse(first.lastAttemptAt!);
    expect(wait).toBeGreaterThan(20_000);
    expect(wait).toBeLessThanOrEqual(36_000);
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.requests).toHaveLength(1);

    clock.advance(40_000);
    await recorded(a, hook.id, 2);
    clock.advance(3 * 60_000);
    const requests = await receiver.waitFor(3);
    const ids = new Set(requests.map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(1);
    const stamps = requests.map((r) => Number(r.headers['webhook-timestamp']));
    expect(stamps[1]! - stamps[0]!).toBeGreaterThanOrEqual(30);
    for (const r of requests) {
      expect(() =>
        new StandardWebhook(hook.secret).verify(r.body, r.headers as Record<string, string>),
      ).not.toThrow();
    }
    const done = await eventually(async () => {
      const [delivery] = await deliveries(a, hook.id);
      return delivery?.status === 'delivered' && delivery;
    });
    expect(done).toMatchObject({ attempts: 3, responseStatus: 200, nextAttemptAt: null });
    await remove(a, hook.id);
  });

  it('dead-letters after the last attempt; manual redelivery sends it again with the same webhook-id', async () => {
    receiver.respond = () => 503;
    const hook = await subscribe(a, receiver.url, ['resource.created']);
    await createResource(as(live.app, a), { name: 'never answered' });
    for (let attempt = 1; attempt <= 8; attempt++) {
      await recorded(a, hook.id, attempt);
      clock.advance(13 * 3600 * 1000);
    }
    const dead = await eventually(async () => {
      const [delivery] = await deliveries(a, hook.id);
      return delivery?.status === 'failed' && delivery;
    });
    expect(dead).toMatchObject({ attempts: 8, responseStatus: 503, nextAttemptAt: null });
    clock.advance(13 * 3600 * 1000);
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.requests).toHaveLength(8);

    receiver.respond = () => 204;
    const redeliver = await as(
      live.app,
      a,
    )({
      method: 'POST',
      url: `/api/v1/webhooks/${hook.id}/deliveries/${dead.id}/redeliver`,
    });
    expect(redeliver.statusCode).toBe(202);
    expect(redeliver.json()).toMatchObject({ id: dead.id, status: 'pending' });
    const [, , , , , , , , again] = await receiver.waitFor(9);
    expect(again!.headers['webhook-id']).toBe(receiver.requests[0]!.headers['webhook-id']);
    await eventually(async () => (await deliveries(a, hook.id))[0]?.status === 'delivered');
    expectError(
      await as(
        live.app,
        b,
      )({ method: 'POST', url: `/api/v1/webhooks/${hook.id}/deliveries/${dead.id}/redeliver` }),
      404,
      'NOT_FOUND',
    );
    await remove(a, hook.id);
  });

  it('sends a webhook only the events its owner can see, and follows no redirects', async () => {
    const other = await startReceiver();
    try {
      const hookB = await subscribe(b, receiver.url, ['resource.created', 'resource.updated']);
      const mine = await createResource(as(live.app, a), { name: 'not for b' });
      const marker = await createResource(as(live.app, b), { name: 'b marker' });
      const [first] = await receiver.waitFor(1);
      expect(JSON.parse(first!.body).data.resourceId).toBe(marker.id);
      // Shared with B: from now on B's webhook hears about it.
      await as(
        live.app,
        a,
      )({
        method: 'PUT',
        url: `/api/v1/resources/${mine.id}/grants/${b.userId}`,
        payload: { permission: 'read' },
      });
      await as(
        live.app,
        a,
      )({ method: 'PUT', url: `/api/v1/resources/${mine.id}`, payload: { name: 'now shared' } });
      const [, second] = await receiver.waitFor(2);
      expect(JSON.parse(second!.body).data).toMatchObject({ resourceId: mine.id, type: 'resource.updated' });
      await new Promise((r) => setTimeout(r, 200));
      expect(receiver.requests).toHaveLength(2);
      await remove(b, hookB.id);

      receiver.respond = () => ({ status: 302, headers: { location: other.url } });
      const redirecting = await subscribe(a, receiver.url, ['resource.created']);
      await createResource(as(live.app, a), { name: 'redirected' });
      const delivery = await eventually(async () => {
        const [d] = await deliveries(a, redirecting.id);
        return d?.responseStatus === 302 && d;
      });
      expect(delivery.status).toBe('pending');
      expect(delivery.lastError).toMatch(/redirect/);
      expect(other.requests).toHaveLength(0);
      await remove(a, redirecting.id);
    } finally {
      await other.close();
    }
  });

  it('disables a webhook whose receiver answers 410 Gone', async () => {
    receiver.respond = () => 410;
    const hook = await subscribe(a, receiver.url, ['resource.created']);
    await createResource(as(live.app, a), { name: 'gone' });
    await receiver.waitFor(1);
    const listed = await eventually(async () => {
      const all = (await as(live.app, a)({ method: 'GET', url: '/api/v1/webhooks' })).json().data;
      const found = all.find((w: { id: string }) => w.id === hook.id);
      return found?.disabled && found;
    });
    expect(listed.disabledReason).toMatch(/410/);
    expect((await deliveries(a, hook.id))[0]).toMatchObject({ status: 'failed', responseStatus: 410 });
    await createResource(as(live.app, a), { name: 'after gone' });
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.requests).toHaveLength(1);
    await remove(a, hook.id);
  });

  it('refuses loopback receivers unless WEBHOOK_ALLOW_PRIVATE is set, without connecting to them', async () => {
    const strict = await startLiveApp({ env: { WEBHOOK_ALLOW_PRIVATE: 'false' }, worker: false });
    try {
      const session = await registerAndLogin(strict.app);
      for (const url of [receiver.url, receiver.url.replace('127.0.0.1', 'localhost'), 'http://[::1]:9/']) {
        const response = await as(
          strict.app,
          session,
        )({
          method: 'POST',
          url: '/api/v1/webhooks',
          payload: { url, events: ['resource.created'] },
        });
        const issues = expectValidation(response);
        expect(issues[0]!.message, url).toMatch(/private, loopback|resolved/);
      }
      expect(receiver.requests).toHaveLength(0);
    } finally {
      await strict.close();
    }
  });
});
