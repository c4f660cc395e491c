import { sql } from '@ledgerbase/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, createResource, createTestApp, registerAndLogin, type TestApp } from '../../api/test/helpers.ts';
import {
  purgeEventsJob,
  purgeIdempotencyKeysJob,
  purgeRefreshTokensJob,
} from '../src/jobs/maintenance.jobs.ts';

const DAY = 24 * 3600 * 1000;

describe('maintenance jobs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('purge expired idempotency keys, long-expired refresh tokens and old published events only', async () => {
    const db = t.container.database.db;
    const session = await registerAndLogin(t.app);
    const call = as(t.app, session);
    await call({
      method: 'POST',
      url: '/api/v1/resources',
      headers: { 'idempotency-key': 'k1' },
      payload: { name: 'a' },
    });
    await createResource(call, { name: 'b' });
    // As the relay leaves them: numbered, handed over, confirmed.
    await sql`UPDATE events SET published_at = now(), position = seq`.execute(db);
    await sql`UPDATE outbox_relay SET confirmed_position = (SELECT max(position) FROM events)`.execute(db);
    const count = async (table: 'idempotency_keys' | 'refresh_tokens' | 'events') =>
      Number(
        (await sql<{ n: string }>`SELECT count(*)::text AS n FROM ${sql.table(table)}`.execute(db)).rows[0]!
          .n,
      );
    const before = {
      keys: await count('idempotency_keys'),
      tokens: await count('refresh_tokens'),
      events: await count('events'),
    };
    expect(before.keys).toBe(1);
    expect(before.events).toBeGreaterThanOrEqual(2);

    const now = { now: () => new Date() };
    await purgeIdempotencyKeysJob({ db, clock: now }).run();
    await purgeRefreshTokensJob({ db, clock: now }).run();
    await purgeEventsJob({ db, clock: now }).run();
    expect({
      keys: await count('idempotency_keys'),
      tokens: await count('refresh_tokens'),
      events: await count('events'),
    }).toEqual(before);

    const later = { now: () => new Date(Date.now() + 40 * DAY) };
    await purgeIdempotencyKeysJob({ db, clock: later }).run();
    await purgeRefreshTokensJob({ db, clock: later }).run();
    await purgeEventsJob({ db, clock: later }).run();
    expect(await count('idempotency_keys')).toBe(0);
    expect(await count('refresh_tokens')).toBe(0);
    expect(await count('events')).toBe(0);
    // Resources and their audit entries are not the events' to remove.
    expect(
      Number((await sql<{ n: string }>`SELECT count(*)::text AS n FROM audit_log`.execute(db)).rows[0]!.n),
    ).toBe(2);
  });
});
