import { describe, expect, it } from 'vitest';
import type { Json } from './json.ts';
import { applyPatch, diffJson, pointerLabel, rebase } from './json-patch.ts';

describe('json-patch', () => {
  it('diff then apply round-trips, including keys that need escaping', () => {
    const before: Json = { name: 'a', metadata: { 'a/b': 1, 'x~y': [1, 2], keep: true, gone: null } };
    const after: Json = {
      name: 'b',
      metadata: { 'a/b': 2, 'x~y': [1, 2, 3], keep: true, added: { deep: 'yes' } },
    };
    const ops = diffJson(before, after);
    expect(applyPatch(before, ops)).toEqual(after);
    expect(ops.map((op) => op.path)).toContain('/metadata/a~1b');
  });

  it('keeps __proto__ as plain data', () => {
    const result = applyPatch({}, [{ op: 'add', path: '/__proto__', value: { polluted: true } }]) as Record<
      string,
      unknown
    >;
    expect(Object.keys(result)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('applies move, copy and array inserts', () => {
    const doc: Json = { list: [1, 3], a: 'x' };
    const ops = [
      { op: 'add', path: '/list/1', value: 2 },
      { op: 'add', path: '/list/-', value: 4 },
      { op: 'copy', from: '/a', path: '/b' },
      { op: 'move', from: '/a', path: '/c' },
    ] as const;
    expect(applyPatch(doc, [...ops])).toEqual({ list: [1, 2, 3, 4], b: 'x', c: 'x' });
  });

  it('rebase replays my edits on their version', () => {
    const base: Json = { name: 'n', metadata: { a: 1, b: 1 } };
    const mine: Json = { name: 'n', metadata: { a: 2, b: 1 } };
    const theirs: Json = { name: 'renamed', metadata: { a: 1, b: 5 } };
    expect(rebase(base, mine, theirs)).toEqual({ name: 'renamed', metadata: { a: 2, b: 5 } });
  });

  it('labels pointers the way people write paths', () => {
    expect(pointerLabel('/metadata/tags/0')).toBe('metadata.tags[0]');
    expect(pointerLabel('/metadata/a b')).toBe('metadata."a b"');
    expect(pointerLabel('/metadata/list/-')).toBe('metadata.list[end]');
  });
});
