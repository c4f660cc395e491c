import { describe, expect, it } from 'vitest';
import { parseJsonObject, validateName } from './json-validate.ts';

describe('parseJsonObject', () => {
  it('accepts objects and treats empty text as {}', () => {
    expect(parseJsonObject('{"a": 1}')).toEqual({ ok: true, value: { a: 1 } });
    expect(parseJsonObject('  ')).toEqual({ ok: true, value: {} });
  });

  it('rejects arrays, null and scalars with a reason', () => {
    for (const text of ['[]', 'null', '1', '"s"']) {
      const result = parseJsonObject(text);
      expect(result.ok).toBe(false);
    }
  });

  it('points at the line and column of a syntax error', () => {
    const result = parseJsonObject('{\n  "a": 1,\n}');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.message).toMatch(/line 3, column 1/);
  });

  it('enforces the contract limits: 64 KiB and 32 levels', () => {
    expect(parseJsonObject(JSON.stringify({ big: 'x'.repeat(70_000) })).ok).toBe(false);
    const deep = `${'{"a":'.repeat(33)}1${'}'.repeat(33)}`;
    expect(parseJsonObject(deep).ok).toBe(false);
    const ok = `${'{"a":'.repeat(32)}1${'}'.repeat(32)}`;
    expect(parseJsonObject(ok).ok).toBe(true);
  });
});

describe('validateName', () => {
  it('trims, bounds the length and refuses control characters', () => {
    expect(validateName('  x  ')).toEqual({ ok: true, value: 'x' });
    expect(validateName('   ').ok).toBe(false);
    expect(validateName('x'.repeat(201)).ok).toBe(false);
    expect(validateName('a\u0007b').ok).toBe(false);
  });
});
