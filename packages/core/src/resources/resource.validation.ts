import { AppError, type ValidationIssue } from '../errors/index.ts';
import { isPlainObject, isStorableJson, isStorableText, jsonDepth } from '../shared/json.ts';

export const NAME_MAX_LENGTH = 200;
export const METADATA_MAX_BYTES = 64 * 1024;
export const METADATA_MAX_DEPTH = 32;

const CONTROL_CHARACTER = /\p{Cc}/u;

/** Trims, then checks 1–200 characters (code points) and no control characters (CONTRACT "Limits"). */
export function normalizeName(raw: unknown, path = 'name'): string {
  if (typeof raw !== 'string') throw AppError.validation([{ path, message: 'must be a string' }]);
  const name = raw.trim();
  const length = [...name].length;
  const issues: ValidationIssue[] = [];
  if (length < 1) issues.push({ path, message: 'must not be empty' });
  if (length > NAME_MAX_LENGTH)
    issues.push({ path, message: `must be at most ${NAME_MAX_LENGTH} characters` });
  if (CONTROL_CHARACTER.test(name)) issues.push({ path, message: 'must not contain control characters' });
  else if (!isStorableText(name)) issues.push({ path, message: 'must be valid Unicode' });
  if (issues.length > 0) throw AppError.validation(issues);
  return name;
}

/** A JSON object, at most 64 KiB serialized as UTF-8 and 32 levels deep (CONTRACT "Limits"). */
export function validateMetadata(metadata: unknown, path = 'metadata'): Record<string, unknown> {
  if (!isPlainObject(metadata)) throw AppError.validation([{ path, message: 'must be a JSON object' }]);
  // Before the size check: JSON.stringify writes Infinity as null, which would hide it.
  if (!isStorableJson(metadata)) {
    throw AppError.validation([
      { path, message: 'must not contain U+0000, unpaired surrogates or numbers out of range' },
    ]);
  }
  if (jsonDepth(metadata) > METADATA_MAX_DEPTH) {
    throw AppError.validation([{ path, message: `must be nested at most ${METADATA_MAX_DEPTH} levels` }]);
  }
  if (Buffer.byteLength(JSON.stringify(metadata), 'utf8') > METADATA_MAX_BYTES) {
    throw AppError.validation([{ path, message: `must serialize to at most ${METADATA_MAX_BYTES} bytes` }]);
  }
  return metadata;
}

/** The list's `q`: any text a name could contain. */
export function validateSearch(q: string | undefined): string | undefined {
  if (q !== undefined && !isStorableText(q)) {
    throw AppError.validation([{ path: 'q', message: 'must not contain U+0000 or unpaired surrogates' }]);
  }
  return q;
}

/** Parses the `metadata` list filter: URL-encoded JSON that must be an object. */
export function parseMetadataFilter(raw: string | undefined): Record<string, unknown> | undefined {
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw AppError.validation([{ path: 'metadata', message: 'must be a JSON object' }]);
  }
  return validateMetadata(parsed);
}
