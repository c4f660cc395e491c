import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  as,
  auditRows,
  type Call,
  createResource,
  createTestApp,
  expectError,
  RESOURCES,
  registerAndLogin,
  type TestApp,
} from '../helpers.ts';

describe('concurrency: optimistic locking under simultaneous writers', () => {
  let t: TestApp;
  let call: Call;

  beforeAll(async () => {
    t = await createTestApp();
    call = as(t.app, await registerAndLogin(t.app));
  });
  afterAll(() => t.close());

  it('20 simultaneous PUTs with the same If-Match: exactly one wins, the rest get 412', async () => {
    const { id } = await createResource(call, { name: 'contended' });
    const url = `${RESOURCES}/${id}`;
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call({ method: 'PUT', url, headers: { 'if-match': '"1"' }, payload: { name: `writer ${i}` } }),
      ),
    );
    const winners = responses.filter((r) => r.statusCode === 200);
    const losers = responses.filter((r) => r.statusCode !== 200);
    expect(winners).toHaveLength(1);
    expect(losers).toHaveLength(19);
    for (const loser of losers) {
      expect(expectError(loser, 412, 'PRECONDITION_FAILED').details).toEqual({ currentVersion: 2 });
    }
    const winner = winners[0]!.json();
    expect(winner.version).toBe(2);
    const current = (await call({ method: 'GET', url })).json();
    expect(current).toMatchObject({ version: 2, name: winner.name });
    const entries = await auditRows(t, id);
    expect(entries.map((e) => [e.action, e.version])).toEqual([
      ['create', 1],
      ['update', 2],
    ]);
    expect(entries[1]!.snapshot.name).toBe(winner.name);
  });

  it('simultaneous PATCHes with the same If-Match: one wins', async () => {
    const { id } = await createResource(call, { name: 'patched', metadata: {} });
    const url = `${RESOURCES}/${id}`;
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        call({
          method: 'PATCH',
          url,
          headers: { 'content-type': 'application/merge-patch+json', 'if-match': '"1"' },
          payload: JSON.stringify({ metadata: { [`k${i}`]: i } }),
        }),
      ),
    );
    expect(responses.filter((r) => r.statusCode === 200)).toHaveLength(1);
    expect(responses.filter((r) => r.statusCode === 412)).toHaveLength(9);
    expect(Object.keys((await call({ method: 'GET', url })).json().metadata)).toHaveLength(1);
    expect(await auditRows(t, id)).toHaveLength(2);
  });

  it('concurrent writers without If-Match all land, each as its own version with no gaps', async () => {
    const { id } = await createResource(call, { name: 'counter', metadata: {} });
    const url = `${RESOURCES}/${id}`;
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        call({
          method: 'PATCH',
          url,
          headers: { 'content-type': 'application/merge-patch+json' },
          payload: JSON.stringify({ metadata: { [`k${i}`]: i } }),
        }),
      ),
    );
    // Without a precondition every writer lands (the last attempt takes a row lock): none is lost.
    const ok = responses.filter((r) => r.statusCode === 200);
    expect(ok).toHaveLength(12);
    const versions = ok.map((r) => r.json().version).sort((a, b) => a - b);
    expect(versions).toEqual(Array.from({ length: ok.length }, (_, i) => i + 2));
    const current = (await call({ method: 'GET', url })).json();
    expect(current.version).toBe(ok.length + 1);
    expect(Object.keys(current.metadata)).toHaveLength(ok.length);
    const entries = await auditRows(t, id);
    expect(entries.map((e) => e.version)).toEqual(Array.from({ length: ok.length + 1 }, (_, i) => i + 1));
    for (let i = 1; i < entries.length; i++) expect(entries[i]!.prev_hash).toBe(entries[i - 1]!.hash);
  });

  it('a delete racing updates leaves a consistent chain', async () => {
    const { id } = await createResource(call, { name: 'racing' });
    const url = `${RESOURCES}/${id}`;
    const responses = await Promise.all([
      call({ method: 'DELETE', url, headers: { 'if-match': '"1"' } }),
      ...Array.from({ length: 5 }, (_, i) =>
        call({ method: 'PUT', url, headers: { 'if-match': '"1"' }, payload: { name: `r${i}` } }),
      ),
    ]);
    expect(responses.filter((r) => r.statusCode < 300)).toHaveLength(1);
    const entries = await auditRows(t, id);
    expect(entries.map((e) => e.version)).toEqual([1, 2]);
    const row = await t.container.database.db
      .selectFrom('resources')
      .select(['version', 'head_hash'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ version: 2, head_hash: entries[1]!.hash });
  });
});
