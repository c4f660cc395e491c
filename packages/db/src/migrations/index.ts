import type { Migration } from 'kysely';
import * as users from './20261125000001_users.ts';
import * as refreshTokens from './20261125000002_refresh_tokens.ts';
import * as resources from './20261125000003_resources.ts';
import * as auditLog from './20261125000004_audit_log.ts';
import * as idempotencyKeys from './20261125000005_idempotency_keys.ts';
import * as accessControl from './20261126000006_access_control.ts';

/** Listed statically so the same migrations ship in every mode without a filesystem scan. */
export const migrations: Record<string, Migration> = {
  '20261125000001_users': users,
  '20261125000002_refresh_tokens': refreshTokens,
  '20261125000003_resources': resources,
  '20261125000004_audit_log': auditLog,
  '20261125000005_idempotency_keys': idempotencyKeys,
  '20261126000006_access_control': accessControl,
};
