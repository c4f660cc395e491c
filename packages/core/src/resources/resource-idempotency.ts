import { type Db, type ResourceRow, sql } from '@ledgerbase/db';
import type { Clock } from '@ledgerbase/platform';
import type { RequestContext } from '../access/index.ts';
import type { NewAuditEntry } from '../audit/audit.types.ts';
import { AppError } from '../errors/index.ts';
import {
  claimIdempotencyKey,
  deleteIdempotencyKey,
  findIdempotencyKey,
} from '../idempotency/idempotency.repository.ts';
import { insertResourceWithAudit } from './resource.repository.ts';
import { type Resource, toResource } from './resource.types.ts';

/** Keys are kept at least 24 h (CONTRACT "Resources"). */
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

class KeyTaken extends Error {}

type Input = {
  key: string;
  requestHash: string;
  row: Omit<ResourceRow, 'deleted_at'>;
  entry: NewAuditEntry & { hash: string };
};

/**
 * The key, the resource and its audit entry commit in one transaction, so a replay always returns
 * what was written and a failed write leaves no key behind. A second request with the same key that
 * finds the first one's claim uncommitted gets 409 at once (CONTRACT: "first still in flight → 409");
 * once the first has committed, it replays it.
 */
export async function createIdempotentResource(
  { db, clock }: { db: Db; clock: Clock },
  ctx: RequestContext,
  input: Input,
): Promise<{ resource: Resource; replayed: boolean }> {
  const ownerId = ctx.actor.userId;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const resource = await db.transaction().execute(async (trx) => {
        const tx = trx as unknown as Db;
        // Only the claim may not wait: the in-flight twin holds the key's row until it commits.
        await sql`SET LOCAL lock_timeout = '1ms'`.execute(tx);
        const resource = toResource({ ...input.row, deleted_at: null });
        const claimed = await claimIdempotencyKey(tx, {
          ownerId,
          key: input.key,
          requestHash: input.requestHash,
          response: { statusCode: 201, body: resource },
          resourceId: resource.id,
          createdAt: input.row.created_at,
          expiresAt: new Date(input.row.created_at.getTime() + IDEMPOTENCY_TTL_MS),
        });
        if (!claimed) throw new KeyTaken();
        await sql`SET LOCAL lock_timeout = 0`.execute(tx);
        return toResource(await insertResourceWithAudit(tx, input.row, input.entry));
      });
      return { resource, replayed: false };
    } catch (error) {
      if (isLockTimeout(error)) {
        throw new AppError('CONFLICT', 'A request with this Idempotency-Key is still in progress');
      }
      if (!(error instanceof KeyTaken)) throw error;
    }
    const existing = await findIdempotencyKey(db, ownerId, input.key);
    if (!existing) continue;
    if (existing.expires_at.getTime() <= clock.now().getTime()) {
      await deleteIdempotencyKey(db, ownerId, input.key);
      continue;
    }
    if (existing.request_hash !== input.requestHash) {
      throw new AppError('IDEMPOTENCY_KEY_REUSED');
    }
    return { resource: existing.response_body as Resource, replayed: true };
  }
  throw new AppError('CONFLICT', 'A request with this Idempotency-Key is still in progress');
}

const isLockTimeout = (error: unknown): boolean => (error as { code?: string } | null)?.code === '55P03';
