import type { JsonObject } from './json.ts';

// Client-side mirrors of the contract's limits, so users learn about a problem as they type;
// the server stays the authority and its answer is shown if it disagrees.
export const METADATA_MAX_BYTES = 64 * 1024;
export const METADATA_MAX_DEPTH = 32;
export const NAME_MAX_LENGTH = 200;

export type Validation<T> = { ok: true; value: T } | { ok: false; message: string };

function depthOf(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  let deepest = 0;
  for (const child of children) deepest = Math.max(deepest, depthOf(child));
  return deepest + 1;
}

/** Rewrites engine-specific JSON.parse messages as "line L, column C: what went wrong". */
function parseErrorMessage(error: unknown, text: string): string {
  const raw = error instanceof Error ? error.message : 'Not valid JSON';
  const cleaned = raw
    .replace(/^JSON\.parse: /, '')
    .replace(/ in JSON at position \d+.*$/, '')
    .replace(/ at line \d+ column \d+ of the JSON data$/, '');
  const position = /position (\d+)/.exec(raw)?.[1];
  if (position === undefined) return `Not valid JSON: ${cleaned}`;
  const before = text.slice(0, Number(position));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `Not valid JSON (line ${line}, column ${column}): ${cleaned}`;
}

export function parseJsonObject(text: string, what = 'Metadata'): Validation<JsonObject> {
  if (text.trim() === '') return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, message: parseErrorMessage(error, text) };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    return { ok: false, message: `${what} must be a JSON object like {"key": "value"}, not ${kind}.` };
  }
  const bytes = new TextEncoder().encode(JSON.stringify(value)).length;
  if (bytes > METADATA_MAX_BYTES) {
    return { ok: false, message: `${what} is ${Math.ceil(bytes / 1024)} KiB; the limit is 64 KiB.` };
  }
  if (depthOf(value) > METADATA_MAX_DEPTH) {
    return { ok: false, message: `${what} is nested more than ${METADATA_MAX_DEPTH} levels deep.` };
  }
  return { ok: true, value: value as JsonObject };
}

export function validateName(name: string): Validation<string> {
  const trimmed = name.trim();
  if (trimmed.length === 0) return { ok: false, message: 'Name is required.' };
  if (trimmed.length > NAME_MAX_LENGTH) {
    return { ok: false, message: `Name is ${trimmed.length} characters; the limit is ${NAME_MAX_LENGTH}.` };
  }
  if (/\p{Cc}/u.test(trimmed)) return { ok: false, message: 'Name cannot contain control characters.' };
  return { ok: true, value: trimmed };
}

export const prettyJson = (value: unknown): string => JSON.stringify(value, null, 2);
