import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  as,
  type Call,
  createResource,
  createTestApp,
  expectValidation,
  RESOURCES,
  type ResourceJson,
  registerAndLogin,
  type TestApp,
} from '../helpers.ts';

const SORTS = ['createdAt', '-createdAt', 'updatedAt', '-updatedAt', 'name', '-name'] as const;

type Page = { data: ResourceJson[]; nextCursor: string | null };

async function page(call: Call, query: Record<string, string | number>): Promise<Page> {
  const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]));
  const response = await call({ method: 'GET', url: `${RESOURCES}?${search}` });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

/** Follows nextCursor to the end; `between` runs after each page (concurrent writers). */
async function pageAll(
  call: Call,
  query: Record<string, string | number>,
  between: () => Promise<void> = async () => {},
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const result: Page = await page(call, cursor ? { ...query, cursor } : query);
    expect(result.data.length).toBeLessThanOrEqual(Number(query.limit));
    ids.push(...result.data.map((r) => r.id));
    cursor = result.nextCursor;
    pages++;
    await between();
  } while (cursor !== null && pages < 100);
  return { ids, pages };
}

/** The order a sort promises: the field, then id, both in the sort's direction. */
function expectedOrder(rows: ResourceJson[], sort: (typeof SORTS)[number]): string[] {
  const field = sort.replace('-', '') as 'createdAt' | 'updatedAt' | 'name';
  const direction = sort.startsWith('-') ? -1 : 1;
  const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...rows]
    .sort((a, b) => direction * (compare(a[field], b[field]) || compare(a.id, b.id)))
    .map((r) => r.id);
}

describe('pagination: keyset cursors, sorts and filters', () => {
  let t: TestApp;
  let call: Call;
  let rows: ResourceJson[];

  beforeAll(async () => {
    t = await createTestApp();
    call = as(t.app, await registerAndLogin(t.app));
    rows = [];
    // Duplicate names and same-millisecond creations exercise the id tie-break.
    const names = ['delta', 'Alpha', 'charlie', 'bravo', 'alpha', 'echo', 'delta', 'Zulu', 'mike', 'kilo'];
    for (const name of names) rows.push(await createResource(call, { name }));
    rows.push(
      ...(await Promise.all(
        ['x-ray', 'yankee', 'x-ray', 'golf'].map((name) => createResource(call, { name })),
      )),
    );
    // Touch some rows so updatedAt differs from createdAt order.
    for (const index of [3, 0, 7]) {
      const target = rows[index]!;
      const updated = await call({
        method: 'PUT',
        url: `${RESOURCES}/${target.id}`,
        payload: { name: target.name },
      });
      rows[index] = updated.json();
    }
  });
  afterAll(() => t.close());

  it.each(SORTS)('sort %s pages through every row once, in order', async (sort) => {
    const { ids, pages } = await pageAll(call, { sort, limit: 3 });
    expect(pages).toBe(Math.ceil(rows.length / 3));
    expect(ids).toEqual(expectedOrder(rows, sort));
    expect((await page(call, { sort, limit: 100 })).data.map((r) => r.id)).toEqual(ids);
  });

  it('defaults to -createdAt and 20 per page', async () => {
    const result = await page(call, {});
    expect(result.data.map((r) => r.id)).toEqual(expectedOrder(rows, '-createdAt'));
    expect(result.nextCursor).toBeNull();
    expect(result.data).toHaveLength(14);
  });

  it('ends with nextCursor null, also when the last page is exactly full', async () => {
    const first = await page(call, { limit: 7 });
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await page(call, { limit: 7, cursor: first.nextCursor! });
    expect(second.data).toHaveLength(7);
    expect(second.nextCursor).toBeNull();
  });

  it('rejects forged, foreign and cross-query cursors with 400', async () => {
    const { nextCursor } = await page(call, { sort: 'name', limit: 2 });
    const cursor = nextCursor!;
    const [payload, signature] = cursor.split('.');
    const forgedPayload = Buffer.from(JSON.stringify(['a', '00000000-0000-7000-8000-000000000000'])).toString(
      'base64url',
    );
    const flipped = `${signature!.slice(0, -1)}${signature!.endsWith('A') ? 'B' : 'A'}`;
    for (const bad of [
      `${forgedPayload}.${signature}`,
      `${payload}.${flipped}`,
      'garbage',
      `${cursor}.x`,
      '.',
    ]) {
      expectValidation(await call({ method: 'GET', url: `${RESOURCES}?sort=name&limit=2&cursor=${bad}` }));
    }
    expectValidation(await call({ method: 'GET', url: `${RESOURCES}?sort=-name&limit=2&cursor=${cursor}` }));
    expectValidation(
      await call({ method: 'GET', url: `${RESOURCES}?sort=name&limit=2&q=a&cursor=${cursor}` }),
    );
    const bob = as(t.app, await registerAndLogin(t.app));
    expectValidation(await bob({ method: 'GET', url: `${RESOURCES}?sort=name&limit=2&cursor=${cursor}` }));
    // The genuine cursor still works, with any limit.
    expect(
      (await call({ method: 'GET', url: `${RESOURCES}?sort=name&limit=5&cursor=${cursor}` })).statusCode,
    ).toBe(200);
  });
});

describe('pagination: concurrent inserts between pages', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it.each(['createdAt', '-createdAt', 'name', '-name'] as const)(
    'sort %s never repeats or skips a row that existed before the first page',
    async (sort) => {
      const call = as(t.app, await registerAndLogin(t.app));
      const before: ResourceJson[] = [];
      for (let i = 0; i < 12; i++)
        before.push(await createResource(call, { name: `row ${String(i).padStart(2, '0')}` }));
      let inserted = 0;
      const { ids } = await pageAll(call, { sort, limit: 4 }, async () => {
        // Another writer interleaves: new rows land before, among and after the pages already read.
        await Promise.all(
          ['row 00a', 'row 05a', 'row 99'].map((name) =>
            createResource(call, { name: `${name} ${inserted++}` }),
          ),
        );
      });
      expect(new Set(ids).size).toBe(ids.length);
      for (const row of before) expect(ids.filter((id) => id === row.id)).toHaveLength(1);
      const seenBefore = ids.filter((id) => before.some((r) => r.id === id));
      expect(seenBefore).toEqual(expectedOrder(before, sort));
    },
  );
});

describe('pagination: q and metadata filters', () => {
  let t: TestApp;
  let call: Call;
  const ids = new Map<string, string>();

  beforeAll(async () => {
    t = await createTestApp();
    call = as(t.app, await registerAndLogin(t.app));
    const fixtures: Array<[string, Record<string, unknown>]> = [
      ['50% off', { n: 1, tags: ['a', 'b'] }],
      ['a_b', { n: '1' }],
      ['axb', { n: 1.5, nested: { deep: true, other: 1 } }],
      ['back\\slash', { flag: true }],
      ['AXB upper', { flag: false }],
      ['plain off', { tags: ['b'], n: null }],
      ['Éclair ΣΊΣΥΦΟΣ', {}],
    ];
    for (const [name, metadata] of fixtures)
      ids.set(name, (await createResource(call, { name, metadata })).id);
  });
  afterAll(() => t.close());

  const names = async (query: Record<string, string>) =>
    (await page(call, { sort: 'name', limit: 100, ...query })).data.map((r) => r.name);
  const byMetadata = (filter: unknown) => names({ metadata: JSON.stringify(filter) });

  it('q is a case-insensitive substring where %, _ and \\ match themselves', async () => {
    expect(await names({ q: '%' })).toEqual(['50% off']);
    expect(await names({ q: '_' })).toEqual(['a_b']);
    expect(await names({ q: 'a_' })).toEqual(['a_b']);
    expect(await names({ q: '\\' })).toEqual(['back\\slash']);
    expect(await names({ q: 'xB' })).toEqual(['AXB upper', 'axb']);
    expect(await names({ q: 'PLAIN' })).toEqual(['plain off']);
    expect(await names({ q: 'nothing like it' })).toEqual([]);
    // Not only ASCII: case folds in every script.
    expect(await names({ q: 'éclair' })).toEqual(['Éclair ΣΊΣΥΦΟΣ']);
    expect(await names({ q: 'σίσυφος' })).toEqual(['Éclair ΣΊΣΥΦΟΣ']);
  });

  it('metadata filters by typed JSON containment', async () => {
    expect(await byMetadata({ n: 1 })).toEqual(['50% off']);
    expect(await byMetadata({ n: '1' })).toEqual(['a_b']);
    expect(await byMetadata({ n: 1.5 })).toEqual(['axb']);
    expect(await byMetadata({ n: null })).toEqual(['plain off']);
    expect(await byMetadata({ flag: true })).toEqual(['back\\slash']);
    expect(await byMetadata({ flag: false })).toEqual(['AXB upper']);
    expect(await byMetadata({ tags: ['b'] })).toEqual(['50% off', 'plain off']);
    expect(await byMetadata({ tags: ['a', 'b'] })).toEqual(['50% off']);
    expect(await byMetadata({ nested: { deep: true } })).toEqual(['axb']);
    expect(await byMetadata({ nested: { deep: 'true' } })).toEqual([]);
    expect((await byMetadata({})).length).toBe(7);
  });

  it('combines q, metadata and paging', async () => {
    const call2 = (cursor?: string) =>
      page(call, {
        sort: '-name',
        limit: 1,
        q: 'OFF',
        metadata: JSON.stringify({ tags: ['b'] }),
        ...(cursor ? { cursor } : {}),
      });
    const first = await call2();
    expect(first.data.map((r) => r.name)).toEqual(['plain off']);
    const second = await call2(first.nextCursor!);
    expect(second.data.map((r) => r.name)).toEqual(['50% off']);
    expect(second.nextCursor).toBeNull();
  });
});
