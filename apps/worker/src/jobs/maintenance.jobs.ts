import { deleteExpiredIdempotencyKeys, deletePublishedEventsBefore } from '@ledgerbase/core';
import { type Db, sql } from '@ledgerbase/db';
import type { Clock } from '@ledgerbase/platform';
import type { Job } from './scheduler.ts';

/** Published events (and their webhook delivery log) are kept this long: the `Last-Event-ID` horizon. */
export const EVENT_RETENTION_MS = 7 * 24 * 3600 * 1000;

/** Runs `step` until it reports a short batch: big backlogs drain without one huge statement. */
async function inBatches(step: () => Promise<number>, batch: number): Promise<number> {
  let total = 0;
  for (;;) {
    const count = await step();
    total += count;
    if (count < batch) return total;
  }
}

/** Idempotency keys live 24 h (CONTRACT "Resources"); expired ones are also replaced when reused. */
export const purgeIdempotencyKeysJob = (deps: { db: Db; clock: Clock }): Job => ({
  name: 'purge-idempotency-keys',
  everyMs: 15 * 60_000,
  run: () => inBatches(() => deleteExpiredIdempotencyKeys(deps.db, deps.clock.now(), 1000), 1000),
});

export const purgeEventsJob = (deps: { db: Db; clock: Clock }): Job => ({
  name: 'purge-events',
  everyMs: 60 * 60_000,
  run: () =>
    inBatches(
      () =>
        deletePublishedEventsBefore(deps.db, new Date(deps.clock.now().getTime() - EVENT_RETENTION_MS), 1000),
      1000,
    ),
});

/**
 * Refresh tokens a day past their expiry: they are refused anyway. Used but unexpired ones stay, so
 * presenting one again is still caught as reuse (CONTRACT "Authentication").
 */
export const purgeRefreshTokensJob = (deps: { db: Db; clock: Clock }): Job => ({
  name: 'purge-refresh-tokens',
  everyMs: 60 * 60_000,
  run: () =>
    inBatches(async () => {
      const cutoff = new Date(deps.clock.now().getTime() - 24 * 3600 * 1000).toISOString();
      const result = await sql`
        DELETE FROM refresh_tokens WHERE id IN (
          SELECT id FROM refresh_tokens WHERE expires_at < ${cutoff}::timestamptz LIMIT 1000)`.execute(
        deps.db,
      );
      return Number(result.numAffectedRows ?? 0n);
    }, 1000),
});
