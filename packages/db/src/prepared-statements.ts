import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type pg from 'pg';

const MARKER = '/* prepared */ ';

/**
 * Put first in a hot statement's SQL to have PostgreSQL parse and plan it once per pooled connection
 * instead of on every call. Worth it for the audited write CTEs, whose planning cost as much as their
 * execution (PostgreSQL CPU per POST 0.65 → 0.47 ms: `bench/cpu-split.ts`, bench/README.md). Only for statements whose text
 * is fixed: each distinct text becomes one prepared statement on every connection that runs it.
 * A comment, so PGlite and any other driver simply run the statement.
 */
export const prepared = sql.raw(MARKER);

/** Connections keep at most this many: a misused marker must not grow server memory without bound. */
const MAX_PER_CONNECTION = 64;

type QueryFn = (text: unknown, values?: unknown, callback?: unknown) => unknown;

/**
 * node-postgres prepares a statement when a query carries a `name`; Kysely never passes one, so the
 * pool's clients name marked statements after a hash of their text (same text, same name).
 */
export function prepareMarkedStatements(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    const names = new Map<string, string>();
    const query = client.query.bind(client) as QueryFn;
    (client as unknown as { query: QueryFn }).query = (text, values, callback) => {
      if (typeof text !== 'string' || !text.startsWith(MARKER) || callback !== undefined) {
        return query(text, values, callback);
      }
      let name = names.get(text);
      if (name === undefined) {
        if (names.size >= MAX_PER_CONNECTION) return query(text, values);
        name = `lb_${createHash('sha1').update(text).digest('base64url')}`;
        names.set(text, name);
      }
      return query({ name, text, values });
    };
  });
}
