import type { Migration } from 'kysely';
import * as users from './20261125000001_users.ts';
import * as refreshTokens from './20261125000002_refresh_tokens.ts';
import * as resources from './20261125000003_resources.ts';
import * as auditLog from './20261125000004_audit_log.ts';
import * as idempotencyKeys from './20261125000005_idempotency_keys.ts';
import * as accessControl from './20261126000006_access_control.ts';
import * as usersPii from './20261126000007_users_pii.ts';
import * as auditCheckpoints from './20261126000008_audit_checkpoints.ts';
import * as events from './20261126000009_events.ts';
import * as usersSessionEpoch from './20261127000010_users_session_epoch.ts';

/** Listed statically so the same migrations ship in every mode without a filesystem scan. */
export const migrations: Record<string, Migration> = {
  '20261125000001_users': users,
  '20261125000002_refresh_tokens': refreshTokens,
  '20261125000003_resources': resources,
  '20261125000004_audit_log': auditLog,
  '20261125000005_idempotency_keys': idempotencyKeys,
  '20261126000006_access_control': accessControl,
  '20261126000007_users_pii': usersPii,
  '20261126000008_audit_checkpoints': auditCheckpoints,
  '20261126000009_events': events,
  '20261127000010_users_session_epoch': usersSessionEpoch,
};
