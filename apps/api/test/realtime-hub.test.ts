import type { ResourceEventMessageV1 } from '@ledgerbase/contracts';
import type { Actor } from '@ledgerbase/core';
import { createLogger } from '@ledgerbase/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/database.ts';
import { createRealtimeHub, type SseSink } from '../src/routes/events/realtime-hub.ts';

const logger = createLogger('silent');
const admin: Actor = { type: 'user', userId: '01a2152d-0000-7000-8000-000000000001', role: 'admin' };
const owner = '01a2152d-0000-7000-8000-0000000000aa';

function message(position: number, name = 'x'): ResourceEventMessageV1 {
  const id = `01a2152d-0000-7000-8000-${String(position).padStart(12, '0')}`;
  const at = new Date().toISOString();
  const resource = {
    id,
    name,
    metadata: { pad: 'y'.repeat(500) },
    ownerId: owner,
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
  return {
    eventId: id,
    seq: String(position),
    position: String(position),
    ownerId: owner,
    data: { type: 'resource.created', resourceId: id, version: 1, actorId: owner, occurredAt: at, resource },
  };
}

/** A sink that takes `capacity` writes, then reports itself full until drained. */
function sink(capacity = Number.POSITIVE_INFINITY) {
  const chunks: string[] = [];
  let sinceDrain = 0;
  let ended = false;
  let onDrain = () => {};
  const s: SseSink = {
    write: (chunk) => {
      chunks.push(chunk);
      sinceDrain++;
      return sinceDrain < capacity;
    },
    onDrain: (listener) => {
      onDrain = listener;
    },
    end: () => {
      ended = true;
    },
  };
  return {
    chunks,
    sink: s,
    get ended() {
      return ended;
    },
    drain() {
      sinceDrain = 0;
      onDrain();
    },
  };
}

describe('realtime hub', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  it('disconnects a client that falls too far behind, and only that client', async () => {
    const hub = createRealtimeHub({ db: database.handle.db, logger, maxQueuedBytes: 8 * 1024 });
    const slow = sink(3);
    const fast = sink();
    hub.connect({ actor: admin, lastEventId: undefined, sink: slow.sink });
    hub.connect({ actor: admin, lastEventId: undefined, sink: fast.sink });
    for (let i = 1; i <= 40; i++) await hub.dispatch(message(i));
    expect(slow.ended).toBe(true);
    expect(fast.ended).toBe(false);
    expect(fast.chunks.filter((c) => c.startsWith('id: '))).toHaveLength(40);
    expect(hub.size).toBe(1);
    hub.close();
  });

  it('holds frames while a client is blocked and sends them in order once it drains', async () => {
    const hub = createRealtimeHub({ db: database.handle.db, logger });
    const client = sink(2);
    hub.connect({ actor: admin, lastEventId: undefined, sink: client.sink });
    for (let i = 1; i <= 5; i++) await hub.dispatch(message(i));
    expect(client.chunks.filter((c) => c.startsWith('id: '))).toHaveLength(1);
    client.drain();
    client.drain();
    const ids = client.chunks.filter((c) => c.startsWith('id: ')).map((c) => c.split('\n')[0]);
    expect(ids).toEqual(['id: 1', 'id: 2', 'id: 3', 'id: 4', 'id: 5']);
    // The same event again (a republish) is not sent twice.
    await hub.dispatch(message(5));
    expect(client.chunks.filter((c) => c.startsWith('id: '))).toHaveLength(5);
    hub.close();
  });

  it('sends heartbeat comments and ends streams whose credentials no longer hold', async () => {
    const hub = createRealtimeHub({ db: database.handle.db, logger, heartbeatMs: 20 });
    const valid = sink();
    const revoked = sink();
    hub.connect({ actor: admin, lastEventId: undefined, sink: valid.sink, revalidate: async () => admin });
    hub.connect({
      actor: admin,
      lastEventId: undefined,
      sink: revoked.sink,
      revalidate: async () => undefined,
    });
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(valid.chunks.filter((c) => c === ': keep-alive\n\n').length).toBeGreaterThanOrEqual(2);
    expect(valid.ended).toBe(false);
    expect(revoked.ended).toBe(true);
    hub.close();
    expect(valid.ended).toBe(true);
  });
});
