/**
 * RFC 8785 (JCS) serialization tuned for audit entries: the same bytes as `canonicalJson` (the
 * `canonicalize` package) for every JSON value the service can store, at a fraction of the cost, since
 * the verifier canonicalizes millions of entries (issue #4: 1,000,000 in under 30 s).
 *
 * - Strings and numbers: ECMAScript `JSON.stringify`, which is what JCS specifies (RFC 8785 §3.2.2).
 * - Object members sorted by UTF-16 code units (§3.2.3), which is `Array.prototype.sort`'s default;
 *   members whose value is `undefined` are skipped, as JSON would.
 * Values that JSON cannot hold (NaN, Infinity) throw. Lone surrogates cannot come out of PostgreSQL
 * (jsonb and text are valid UTF-8); from an export file they only change the bytes, so such an entry
 * simply fails its hash check.
 */
export function jcs(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error('non-finite numbers are not JSON');
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          const item = value[i];
          out += item === undefined ? 'null' : jcs(item);
        }
        return `${out}]`;
      }
      if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
        return jcs((value as { toJSON(): unknown }).toJSON());
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = '{';
      let first = true;
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) continue;
        out += `${first ? '' : ','}${JSON.stringify(key)}:${jcs(member)}`;
        first = false;
      }
      return `${out}}`;
    }
    default:
      throw new Error(`${typeof value} is not JSON`);
  }
}

/** The hashed fields of an audit entry (ADR 0005; `traceId` since ADR 0009). */
export type HashedAuditFields = {
  id: string;
  resourceId: string;
  actorId: string | null;
  actorType: string;
  action: string;
  changes: unknown;
  version: number;
  requestId: string | null;
  createdAt: string;
  prevHash: string | null;
  traceId?: string | null | undefined;
};

const str = (value: string | null) => (value === null ? 'null' : JSON.stringify(value));

/**
 * JCS of `{id, resourceId, actorId, actorType, action, changes, version, requestId, createdAt,
 * prevHash}` plus `traceId` when it is set, written out in JCS member order. A null trace id is left
 * out, so entries written before trace ids existed keep their hashes.
 */
export function canonicalAuditEntry(entry: HashedAuditFields): string {
  if (!Number.isInteger(entry.version)) throw new Error('version must be an integer');
  const trace =
    entry.traceId === null || entry.traceId === undefined ? '' : `,"traceId":${str(entry.traceId)}`;
  return (
    `{"action":${str(entry.action)},"actorId":${str(entry.actorId)},"actorType":${str(entry.actorType)}` +
    `,"changes":${jcs(entry.changes)},"createdAt":${str(entry.createdAt)},"id":${str(entry.id)}` +
    `,"prevHash":${str(entry.prevHash)},"requestId":${str(entry.requestId)}` +
    `,"resourceId":${str(entry.resourceId)}${trace},"version":${entry.version}}`
  );
}
