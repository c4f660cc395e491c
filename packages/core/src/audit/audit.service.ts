import type { AuditAction, Db } from '@ledgerbase/db';
import { type Actor, hasScope, isAdmin } from '../access/index.ts';
import { AppError } from '../errors/index.ts';
import type { CursorCodec } from '../resources/cursor.ts';
import type { Page } from '../resources/resource.types.ts';
import { canonicalJson } from '../shared/crypto.ts';
import { listAuditEntries } from './audit.repository.ts';
import { type AuditEntry, toAuditEntry } from './audit.types.ts';
import type { AuditKeys } from './audit-keys.ts';
import { type LatestCheckpoint, latestCheckpoint } from './checkpoint.service.ts';
import type { VerifyReport } from './verifier.ts';
import { verifyDatabase } from './verify.service.ts';

export type AuditQuery = {
  limit: number;
  cursor?: string | undefined;
  resourceId?: string | undefined;
  actorId?: string | undefined;
  action?: AuditAction | undefined;
  since?: string | undefined;
  until?: string | undefined;
};

export type AuditServiceDeps = {
  db: Db;
  cursors: CursorCodec;
  keys: AuditKeys;
  /** Verify in one REPEATABLE READ snapshot (PostgreSQL) or batch by batch (PGlite). */
  snapshot: boolean;
  /** PostgreSQL: verification threads connect here (verify-parallel.ts); unset = one thread. */
  databaseUrl?: string | undefined;
};

/**
 * Who reads the audit log (CONTRACT "Audit log"): admins every entry; anyone else the entries of the
 * resources they own. An API key needs `audit:read` (or, for an admin's key, `admin`).
 */
function assertCanReadAudit(actor: Actor): void {
  if (hasScope(actor, 'audit:read') || (isAdmin(actor) && hasScope(actor, 'admin'))) return;
  throw new AppError('FORBIDDEN', 'This API key lacks the audit:read scope');
}

function assertAuditAdmin(actor: Actor): void {
  if (!isAdmin(actor)) throw new AppError('FORBIDDEN', 'Administrators only');
  assertCanReadAudit(actor);
}

function parseInstant(value: string | undefined, path: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw AppError.validation([{ path, message: 'must be an ISO 8601 date-time' }]);
  // Years 1 to 9999: what ISO 8601 writes with four digits, and PostgreSQL takes year 0 as an error.
  const year = date.getUTCFullYear();
  if (year < 1 || year > 9999)
    throw AppError.validation([{ path, message: 'must be between the years 0001 and 9999' }]);
  return date;
}

export function createAuditService({ db, cursors, keys, snapshot, databaseUrl }: AuditServiceDeps) {
  return {
    /** GET /audit: filters, keyset on `seq`, oldest first. */
    async list(actor: Actor, query: AuditQuery): Promise<Page<AuditEntry>> {
      assertCanReadAudit(actor);
      const all = isAdmin(actor);
      const since = parseInstant(query.since, 'querystring.since');
      const until = parseInstant(query.until, 'querystring.until');
      const scope = canonicalJson({
        k: 'audit',
        u: actor.userId,
        all,
        r: query.resourceId ?? null,
        a: query.actorId ?? null,
        x: query.action ?? null,
        s: since?.toISOString() ?? null,
        t: until?.toISOString() ?? null,
      });
      const after = query.cursor === undefined ? undefined : cursors.decode(query.cursor, scope);
      if (after && !/^[1-9][0-9]{0,18}$/.test(String(after.key))) {
        throw AppError.validation([{ path: 'cursor', message: 'is not a valid cursor for this query' }]);
      }
      const rows = await listAuditEntries(db, {
        ownerId: all ? undefined : actor.userId,
        resourceId: query.resourceId,
        actorId: query.actorId,
        action: query.action,
        since,
        until,
        afterSeq: after === undefined ? undefined : String(after.key),
        limit: query.limit,
      });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      const nextCursor =
        rows.length > query.limit && last ? cursors.encode({ key: last.seq, id: last.id }, scope) : null;
      return { data: page.map(toAuditEntry), nextCursor };
    },

    /** GET /audit/verify (admin). */
    async verify(actor: Actor): Promise<VerifyReport> {
      assertAuditAdmin(actor);
      return verifyDatabase(
        { db, keys },
        { snapshot, parallel: snapshot && databaseUrl ? { databaseUrl } : undefined },
      );
    },

    /** GET /audit/checkpoints/latest: the newest signed checkpoint and the key that verifies it. */
    async latestCheckpoint(actor: Actor): Promise<{
      checkpoint: LatestCheckpoint | null;
      publicKey: { keyId: string; vkey: string; pem: string };
    }> {
      assertCanReadAudit(actor);
      return {
        checkpoint: await latestCheckpoint(db),
        publicKey: {
          keyId: keys.signer.keyId,
          vkey: keys.signer.vkey,
          pem: keys.signer.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
        },
      };
    },
  };
}

export type AuditService = ReturnType<typeof createAuditService>;
