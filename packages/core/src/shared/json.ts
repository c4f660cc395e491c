/**
 * JSON helpers that treat `__proto__`, `constructor` and `prototype` as plain data (CONTRACT
 * "Conventions"): keys are always defined as own properties, never assigned through the prototype.
 */
export type JsonObject = Record<string, unknown>;

export const isPlainObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function defineOwn(target: JsonObject, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** RFC 7396 JSON Merge Patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isPlainObject(patch)) return patch;
  const result: JsonObject = {};
  if (isPlainObject(target)) {
    for (const key of Object.keys(target)) defineOwn(result, key, target[key]);
  }
  for (const key of Object.keys(patch)) {
    const value = patch[key];
    if (value === null) {
      delete result[key];
    } else {
      defineOwn(result, key, mergePatch(Object.hasOwn(result, key) ? result[key] : undefined, value));
    }
  }
  return result;
}

/** Depth of nested containers: `{}` is 1, `{"a": []}` is 2, a scalar is 0. Iterative: no stack overflow. */
export function jsonDepth(value: unknown): number {
  let max = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > max) max = depth;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) {
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
    }
  }
  return max;
}

// PostgreSQL text and jsonb cannot hold U+0000, and an unpaired surrogate is not Unicode at all: either
// would fail in the database (a 500), so validation refuses them up front (a 400).
const UNPAIRED_SURROGATE = /\p{Cs}/u;

export const isStorableText = (text: string): boolean =>
  !text.includes('\0') && !UNPAIRED_SURROGATE.test(text);

/**
 * Whether every string in a JSON value, keys included, can be stored, and every number is finite
 * (`JSON.parse` turns `1e400` into Infinity, which JSON cannot carry back out). Iterative: no stack
 * overflow.
 */
export function isStorableJson(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === 'string') {
      if (!isStorableText(current)) return false;
    } else if (typeof current === 'number') {
      if (!Number.isFinite(current)) return false;
    } else if (Array.isArray(current)) {
      for (const item of current) stack.push(item);
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, item] of Object.entries(current)) {
        if (!isStorableText(key)) return false;
        stack.push(item);
      }
    }
  }
  return true;
}
