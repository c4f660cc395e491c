// Just enough RFC 6902 (JSON Patch) and RFC 6901 (JSON Pointer) to read the audit log's
// `changes`, rebuild earlier states, and describe what changed between two versions.
import type { Json, PatchOp } from './json.ts';

type Container = Json[] | { [key: string]: Json };

const isObject = (value: Json | undefined): value is { [key: string]: Json } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const escapeToken = (token: string): string => token.replace(/~/g, '~0').replace(/\//g, '~1');
const unescapeToken = (token: string): string => token.replace(/~1/g, '/').replace(/~0/g, '~');

export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer.slice(1).split('/').map(unescapeToken);
}

/** "/metadata/tags/0" → "metadata.tags[0]", the way people write paths. */
export function pointerLabel(pointer: string): string {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return '(whole document)';
  return tokens
    .map((token, index) => {
      if (/^\d+$/.test(token) && index > 0) return `[${token}]`;
      if (token === '-' && index > 0) return '[end]'; // RFC 6902: "-" appends to an array
      const plain = /^[A-Za-z_$][\w$]*$/.test(token);
      return `${index > 0 ? '.' : ''}${plain ? token : JSON.stringify(token)}`;
    })
    .join('')
    .replace(/\.\[/g, '[');
}

export function getAt(document: Json | undefined, pointer: string): Json | undefined {
  let node: Json | undefined = document;
  for (const token of parsePointer(pointer)) {
    if (Array.isArray(node)) node = node[Number(token)];
    else if (isObject(node) && Object.hasOwn(node, token)) node = node[token];
    else return undefined;
  }
  return node;
}

export function deepEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]))
    );
  }
  return false;
}

const clone = (value: Json): Json => structuredClone(value);

/** Operations that turn `before` into `after`; arrays of changed length are replaced whole. */
export function diffJson(before: Json | undefined, after: Json | undefined, path = ''): PatchOp[] {
  if (deepEqual(before, after)) return [];
  if (after === undefined) return [{ op: 'remove', path }];
  if (before === undefined) return [{ op: 'add', path, value: after }];
  if (isObject(before) && isObject(after)) {
    const ops: PatchOp[] = [];
    for (const key of Object.keys(before)) {
      if (!Object.hasOwn(after, key)) ops.push({ op: 'remove', path: `${path}/${escapeToken(key)}` });
    }
    for (const key of Object.keys(after)) {
      const child = `${path}/${escapeToken(key)}`;
      ops.push(...diffJson(Object.hasOwn(before, key) ? before[key] : undefined, after[key], child));
    }
    return ops;
  }
  if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
    return before.flatMap((item, index) => diffJson(item, after[index], `${path}/${index}`));
  }
  return [{ op: 'replace', path, value: after }];
}

function parentOf(root: Json, tokens: string[]): { parent: Container; key: string } {
  let node: Json | undefined = root;
  for (const token of tokens.slice(0, -1)) {
    node = Array.isArray(node) ? node[Number(token)] : isObject(node) ? node[token] : undefined;
  }
  if (typeof node !== 'object' || node === null) throw new Error('Patch path has no parent');
  return { parent: node, key: tokens.at(-1) ?? '' };
}

function setAt(root: Json, pointer: string, value: Json, insert: boolean): Json {
  const tokens = parsePointer(pointer);
  if (tokens.length === 0) return value;
  const { parent, key } = parentOf(root, tokens);
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    parent.splice(index, insert ? 0 : 1, value);
  } else {
    // defineProperty keeps "__proto__" a plain data key, as the contract requires.
    Object.defineProperty(parent, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return root;
}

function removeAt(root: Json, pointer: string): Json {
  const { parent, key } = parentOf(root, parsePointer(pointer));
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else delete parent[key];
  return root;
}

/** Applies a patch to a copy of `document`; throws if a path does not fit. */
export function applyPatch(document: Json, ops: PatchOp[]): Json {
  let result = clone(document);
  for (const op of ops) {
    if (op.op === 'add') result = setAt(result, op.path, clone(op.value ?? null), true);
    else if (op.op === 'replace') result = setAt(result, op.path, clone(op.value ?? null), false);
    else if (op.op === 'remove') result = removeAt(result, op.path);
    else if (op.op === 'copy' || op.op === 'move') {
      const value = getAt(result, op.from ?? '');
      if (value === undefined) throw new Error(`Patch source ${op.from} is missing`);
      if (op.op === 'move') result = removeAt(result, op.from ?? '');
      result = setAt(result, op.path, clone(value), true);
    }
  }
  return result;
}

/**
 * "Reapply my changes": the edits that took `base` to `mine`, replayed on `theirs`. Where both
 * sides touched the same path, mine wins; if the edits no longer fit, mine is taken whole.
 */
export function rebase(base: Json, mine: Json, theirs: Json): Json {
  try {
    return applyPatch(theirs, diffJson(base, mine));
  } catch {
    return clone(mine);
  }
}
