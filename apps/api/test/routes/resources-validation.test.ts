import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  as,
  auditRows,
  type Call,
  createResource,
  createTestApp,
  expectValidation,
  RESOURCES,
  registerAndLogin,
  type Session,
  type TestApp,
} from '../helpers.ts';

const MERGE_PATCH = { 'content-type': 'application/merge-patch+json' };

/** `{a: {a: ... {}}}` with `levels` nested objects, the outermost counting as one. */
function nested(levels: number): Record<string, unknown> {
  let value: Record<string, unknown> = {};
  for (let i = 1; i < levels; i++) value = { a: value };
  return value;
}

/** JSON with keys sorted at every level, so key order (jsonb reorders keys) does not matter. */
const sortedJson = (value: unknown): string =>
  JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );

describe('resources: validation limits', () => {
  let t: TestApp;
  let alice: Session;
  let call: Call;

  beforeAll(async () => {
    t = await createTestApp();
    alice = await registerAndLogin(t.app);
    call = as(t.app, alice);
  });
  afterAll(() => t.close());

  const post = (payload: unknown) => call({ method: 'POST', url: RESOURCES, payload: payload as object });
  const postRaw = (json: string) =>
    call({ method: 'POST', url: RESOURCES, headers: { 'content-type': 'application/json' }, payload: json });

  it('trims names and accepts 1 to 200 characters after the trim', async () => {
    expect((await createResource(call, { name: '  padded\t' })).name).toBe('padded');
    expect((await createResource(call, { name: 'x' })).name).toBe('x');
    expect((await createResource(call, { name: ` ${'n'.repeat(200)} ` })).name).toHaveLength(200);
    expect((await createResource(call, { name: '€'.repeat(200) })).name).toBe('€'.repeat(200));
    expect((await createResource(call, { name: 'Ünïcödé 名前' })).name).toBe('Ünïcödé 名前');
  });

  it('rejects empty, blank, over-long and control-character names', async () => {
    for (const name of [
      '',
      '    ',
      '\t\n',
      'n'.repeat(201),
      'bell\u0007',
      'tab\tinside',
      'line\nbreak',
      'del\u007f',
    ]) {
      const issues = expectValidation(await post({ name }));
      expect(issues[0]!.path).toMatch(/name$/);
    }
    for (const name of [null, 5, ['a'], { a: 1 }]) expectValidation(await post({ name }));
    expectValidation(await postRaw('{"name":"a\\u0000b"}'));
    expectValidation(await postRaw('{"name":"lone \\ud800 surrogate"}'));
  });

  it('requires metadata to be a JSON object', async () => {
    for (const metadata of [null, [], [1, 2], 'text', 42, true]) {
      const issues = expectValidation(await post({ name: 'm', metadata }));
      expect(issues[0]!.path).toMatch(/metadata$/);
    }
    expect((await createResource(call, { name: 'no metadata' })).metadata).toEqual({});
  });

  it('limits metadata to 64 KiB of UTF-8', async () => {
    // {"a":"…"} is 8 bytes of syntax around the string.
    const exact = await post({ name: 'big', metadata: { a: 'x'.repeat(64 * 1024 - 8) } });
    expect(exact.statusCode).toBe(201);
    expectValidation(await post({ name: 'big', metadata: { a: 'x'.repeat(64 * 1024 - 7) } }));
    // Bytes, not characters: 40,000 two-byte characters are 80,000 bytes.
    expectValidation(await post({ name: 'big', metadata: { a: 'é'.repeat(40_000) } }));
  });

  it('limits metadata nesting to 32 levels, without crashing on absurd depth', async () => {
    expect((await post({ name: 'deep', metadata: nested(32) })).statusCode).toBe(201);
    expectValidation(await post({ name: 'deep', metadata: nested(33) }));
    expectValidation(await postRaw(`{"name":"deep","metadata":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}}`));
    expectValidation(await postRaw(`{"name":"deep","metadata":{"a":${'['.repeat(40)}${']'.repeat(40)}}}`));
  });

  it('rejects text PostgreSQL cannot store inside metadata (400, not 500)', async () => {
    expectValidation(await postRaw('{"name":"n","metadata":{"a":"nul\\u0000"}}'));
    expectValidation(await postRaw('{"name":"n","metadata":{"k\\u0000":1}}'));
    expectValidation(await postRaw('{"name":"n","metadata":{"a":["\\udc00"]}}'));
    // Out of double range: JSON.parse makes them ±Infinity, which no JSON can carry back out.
    expectValidation(await postRaw('{"name":"n","metadata":{"n":1e400}}'));
    expectValidation(await postRaw('{"name":"n","metadata":{"deep":[{"n":-1e999}]}}'));
    const emoji = await postRaw('{"name":"n","metadata":{"a":"\\ud83d\\ude00"}}');
    expect(emoji.json().metadata).toEqual({ a: '😀' });
  });

  it('keeps __proto__, constructor and prototype as plain data and pollutes nothing', async () => {
    const json =
      '{"name":"proto","metadata":{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},' +
      '"prototype":1,"nested":{"__proto__":{"isAdmin":true}}}}';
    const created = await postRaw(json);
    expect(created.statusCode).toBe(201);
    const expected = JSON.parse(json).metadata;
    const check = (metadata: Record<string, unknown>) => {
      expect(Object.keys(metadata).sort()).toEqual(['__proto__', 'constructor', 'nested', 'prototype']);
      expect(Object.getOwnPropertyDescriptor(metadata, '__proto__')?.value).toEqual({ polluted: 'yes' });
      expect(sortedJson(metadata)).toBe(sortedJson(expected));
    };
    const id = created.json().id;
    check(JSON.parse(created.body).metadata);
    const read = await call({ method: 'GET', url: `${RESOURCES}/${id}` });
    check(JSON.parse(read.body).metadata);
    expect(read.body).toContain('"__proto__":{"polluted":"yes"}');

    const patched = await call({
      method: 'PATCH',
      url: `${RESOURCES}/${id}`,
      headers: MERGE_PATCH,
      payload: '{"metadata":{"__proto__":{"second":true},"constructor":null}}',
    });
    expect(patched.statusCode).toBe(200);
    const after = JSON.parse(patched.body).metadata;
    expect(Object.keys(after).sort()).toEqual(['__proto__', 'nested', 'prototype']);
    expect(Object.getOwnPropertyDescriptor(after, '__proto__')?.value).toEqual({
      polluted: 'yes',
      second: true,
    });

    const list = await call({
      method: 'GET',
      url: `${RESOURCES}?metadata=${encodeURIComponent('{"__proto__":{"second":true}}')}`,
    });
    expect(list.json().data.map((r: { id: string }) => r.id)).toEqual([id]);

    const history = (await call({ method: 'GET', url: `${RESOURCES}/${id}/history` })).json();
    expect(history.data).toHaveLength(2);
    const plain: Record<string, unknown> = {};
    expect(plain.polluted).toBeUndefined();
    expect(plain.isAdmin).toBeUndefined();
    expect(plain.second).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('validates list parameters', async () => {
    for (const query of [
      'limit=0',
      'limit=101',
      'limit=-1',
      'limit=abc',
      'limit=1.5',
      'sort=size',
      'sort=-id',
    ]) {
      expectValidation(await call({ method: 'GET', url: `${RESOURCES}?${query}` }));
    }
    for (const limit of [1, 100]) {
      expect((await call({ method: 'GET', url: `${RESOURCES}?limit=${limit}` })).statusCode).toBe(200);
    }
    for (const metadata of ['not json', '[1]', 'null', '"s"', '{"n":1e400}']) {
      const response = await call({
        method: 'GET',
        url: `${RESOURCES}?metadata=${encodeURIComponent(metadata)}`,
      });
      expectValidation(response);
    }
    expectValidation(await call({ method: 'GET', url: `${RESOURCES}?q=%00` }));
    expectValidation(await call({ method: 'GET', url: `${RESOURCES}?ownerId=not-a-uuid` }));
  });

  it('validates PUT and PATCH bodies the same way and writes nothing on failure', async () => {
    const resource = await createResource(call, { name: 'target', metadata: { keep: true } });
    const url = `${RESOURCES}/${resource.id}`;
    expectValidation(await call({ method: 'PUT', url, payload: { name: ' ' } }));
    expectValidation(await call({ method: 'PUT', url, payload: { name: 'ok', metadata: [] } }));
    expectValidation(await call({ method: 'PUT', url, payload: { metadata: {} } }));
    const patch = (payload: string) => call({ method: 'PATCH', url, headers: MERGE_PATCH, payload });
    expectValidation(await patch('{"name":""}'));
    expectValidation(await patch('{"name":null}'));
    expectValidation(await patch(`{"name":"${'n'.repeat(201)}"}`));
    expectValidation(await patch('{"metadata":[1]}'));
    expectValidation(await patch(`{"metadata":${JSON.stringify(nested(33))}}`));
    expectValidation(await patch('[{"op":"replace","path":"/name","value":"x"}]'));
    expectValidation(await patch('{"name":'));
    expectValidation(await patch('{"metadata":{"n":-1e999}}'));
    const current = (await call({ method: 'GET', url })).json();
    expect(current).toMatchObject({ name: 'target', metadata: { keep: true }, version: 1 });
    expect(await auditRows(t, resource.id)).toHaveLength(1);
  });
});
