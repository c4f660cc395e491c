import { applyPatchInPlace, jsonEqual } from './json-patch.ts';

/**
 * Snapshots are derived data outside the hash (ADR 0005): each must be exactly what the hashed patch
 * makes of the previous version's snapshot, itself checked one step earlier, so `/versions/:v` and
 * restores can trust them. The verifier keeps each resource's last snapshot while it streams, within
 * a byte budget; past it, the kept documents are dropped and the previous snapshots of the next
 * batch's entries are fetched in one query instead. Memory stays bounded either way.
 */
export type SnapshotSource = {
  /** Approximate bytes of documents to keep in memory (default 256 MiB). */
  budgetBytes?: number;
  /** The stored snapshots of these versions (missing ones are absent from the map). */
  load(keys: ReadonlyArray<{ resourceId: string; version: number }>): Promise<Map<string, unknown>>;
};

export type SnapshotEntry = {
  resourceId: string;
  version: number;
  changes: unknown;
  snapshot?: unknown;
  /** Stored size of the snapshot (pg_column_size), for the budget. */
  snapshotBytes?: number;
};

type Kept = { doc: unknown; bytes: number };

const DEFAULT_BUDGET = 256 * 1024 * 1024;

export const snapshotKey = (resourceId: string, version: number) => `${resourceId}:${version}`;

export class SnapshotChecker {
  readonly #kept = new Map<string, Kept>();
  #bytes = 0;
  #loaded = new Map<string, unknown>();

  constructor(private readonly source: SnapshotSource) {}

  /** Before a batch: fetch the previous snapshots that are neither kept nor produced by the batch. */
  async prepare(batch: readonly SnapshotEntry[]): Promise<void> {
    // Over budget: forget every kept document, between batches only (entries of this batch rely on
    // documents kept earlier in it).
    if (this.#bytes > (this.source.budgetBytes ?? DEFAULT_BUDGET)) {
      this.#kept.clear();
      this.#bytes = 0;
    }
    const seen = new Set<string>();
    const wanted: Array<{ resourceId: string; version: number }> = [];
    for (const entry of batch) {
      if (this.#kept.has(entry.resourceId)) continue;
      if (entry.version > 1 && !seen.has(entry.resourceId)) {
        wanted.push({ resourceId: entry.resourceId, version: entry.version - 1 });
      }
      seen.add(entry.resourceId);
    }
    this.#loaded = wanted.length > 0 ? await this.source.load(wanted) : new Map();
  }

  /** Returns a reason when the entry's snapshot is not what its changes produce. */
  check(entry: SnapshotEntry): string | undefined {
    const kept = this.#kept.get(entry.resourceId);
    const previous =
      entry.version === 1
        ? {}
        : (kept?.doc ?? this.#loaded.get(snapshotKey(entry.resourceId, entry.version - 1)));
    let reason: string | undefined;
    // No previous snapshot left (retention purged it): nothing to rebuild from.
    if (previous !== undefined && previous !== null) {
      try {
        if (!jsonEqual(applyPatchInPlace(previous, entry.changes), entry.snapshot)) {
          reason = 'snapshot does not match the document its changes produce';
        }
      } catch (error) {
        reason = `changes do not apply to the previous version: ${(error as Error).message}`;
      }
    }
    this.#keep(entry.resourceId, entry.snapshot, entry.snapshotBytes ?? 0, kept);
    return reason;
  }

  #keep(resourceId: string, doc: unknown, bytes: number, kept: Kept | undefined): void {
    if (kept) {
      this.#bytes += bytes - kept.bytes;
      kept.doc = doc;
      kept.bytes = bytes;
    } else {
      this.#bytes += bytes;
      this.#kept.set(resourceId, { doc, bytes });
    }
  }
}
