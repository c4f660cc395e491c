/**
 * RFC 6902 JSON Patch applied in place, for the verifier's snapshot check: the audit's patches must
 * rebuild each stored snapshot. Members are own data properties (`__proto__` and friends are plain
 * keys, as in stored metadata), so replaying a patch can never reach a prototype.
 */
export class PatchError extends Error {}

type Container = Record<string, unknown> | unknown[];

const unescapeSegment = (segment: string) => segment.replace(/~1/g, '/').replace(/~0/g, '~');

function pointer(path: unknown): string[] {
  if (typeof path !== 'string' || (path !== '' && !path.startsWith('/'))) {
    throw new PatchError(`invalid JSON pointer ${JSON.stringify(path)}`);
  }
  if (path === '') return [];
  const segments = path.slice(1).split('/');
  return path.includes('~') ? segments.map(unescapeSegment) : segments;
}

const isContainer = (value: unknown): value is Container => typeof value === 'object' && value !== null;

function arrayIndex(array: unknown[], key: string, forAdd: boolean): number {
  if (forAdd && key === '-') return array.length;
  if (!/^(0|[1-9][0-9]*)$/.test(key)) throw new PatchError(`invalid array index ${key}`);
  const index = Number(key);
  if (index > array.length || (!forAdd && index === array.length)) throw new PatchError('index out of range');
  return index;
}

function parentOf(root: unknown, segments: string[]): Container {
  let node = root;
  for (const segment of segments.slice(0, -1)) {
    if (!isContainer(node)) throw new PatchError('path does not exist');
    node = Array.isArray(node)
      ? node[arrayIndex(node, segment, false)]
      : Object.hasOwn(node, segment)
        ? node[segment]
        : undefined;
  }
  if (!isContainer(node)) throw new PatchError('path does not exist');
  return node;
}

function get(root: unknown, segments: string[]): unknown {
  if (segments.length === 0) return root;
  const parent = parentOf(root, segments);
  const key = segments.at(-1)!;
  if (Array.isArray(parent)) return parent[arrayIndex(parent, key, false)];
  if (!Object.hasOwn(parent, key)) throw new PatchError('path does not exist');
  return parent[key];
}

function remove(root: unknown, segments: string[]): void {
  const parent = parentOf(root, segments);
  const key = segments.at(-1)!;
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, false), 1);
  else if (Object.hasOwn(parent, key)) delete parent[key];
  else throw new PatchError('path does not exist');
}

/** The member must exist; an own data member is assigned in place (never a prototype setter). */
function replace(root: unknown, segments: string[], value: unknown): unknown {
  if (segments.length === 0) return value;
  const parent = parentOf(root, segments);
  const key = segments.at(-1)!;
  if (Array.isArray(parent)) parent[arrayIndex(parent, key, false)] = value;
  else if (Object.hasOwn(parent, key)) parent[key] = value;
  else throw new PatchError('path does not exist');
  return root;
}

/** Returns the new root (an `add` at "" replaces the whole document). */
function add(root: unknown, segments: string[], value: unknown): unknown {
  if (segments.length === 0) return value;
  const parent = parentOf(root, segments);
  const key = segments.at(-1)!;
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, key, true), 0, value);
  else if (key === '__proto__') {
    // Assigning would call the prototype setter; define the member as data instead.
    Object.defineProperty(parent, key, { value, enumerable: true, writable: true, configurable: true });
  } else parent[key] = value;
  return root;
}

/**
 * Applies `operations` to `document`, mutating both: values are moved into the document, not copied
 * (callers pass freshly parsed JSON they do not reuse).
 */
export function applyPatchInPlace(document: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw new PatchError('changes must be an array');
  let root = document;
  for (const operation of operations as Array<Record<string, unknown>>) {
    if (!isContainer(operation)) throw new PatchError('an operation must be an object');
    const path = pointer(operation.path);
    switch (operation.op) {
      case 'add':
        root = add(root, path, operation.value);
        break;
      case 'remove':
        if (path.length === 0) throw new PatchError('cannot remove the whole document');
        remove(root, path);
        break;
      case 'replace':
        root = replace(root, path, operation.value);
        break;
      case 'move':
      case 'copy': {
        const from = pointer(operation.from);
        const value = get(root, from);
        if (operation.op === 'move') remove(root, from);
        root = add(root, path, operation.op === 'copy' ? structuredClone(value) : value);
        break;
      }
      case 'test':
        if (!jsonEqual(get(root, path), operation.value)) throw new PatchError('test failed');
        break;
      default:
        throw new PatchError(`unknown operation ${JSON.stringify(operation.op)}`);
    }
  }
  return root;
}

/** Deep equality of JSON values; object member order does not matter. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (!isContainer(a) || !isContainer(b)) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  for (const key of keys) {
    if (
      !Object.hasOwn(b, key) ||
      !jsonEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])
    ) {
      return false;
    }
  }
  return true;
}
