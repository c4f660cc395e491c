import { type Kysely, sql } from 'kysely';

/**
 * Access tokens carry the user's session epoch (`sep`); disabling a user bumps it, so tokens issued
 * before a disable stay dead after a re-enable (they would otherwise live until `exp`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE users ADD COLUMN session_epoch integer NOT NULL DEFAULT 0`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`ALTER TABLE users DROP COLUMN session_epoch`.execute(db);
}
