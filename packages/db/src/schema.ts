import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Timestamps are `timestamptz(3)`: millisecond precision, exactly what a JS Date holds (keyset cursors). */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export type UserRole = 'admin' | 'member' | 'viewer';

export interface UserTable {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  role: UserRole;
  disabled_at: Timestamp | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RefreshTokenTable {
  id: string;
  family_id: string;
  user_id: string;
  token_hash: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  created_at: Timestamp;
}

export interface ResourceTable {
  id: string;
  owner_id: string;
  name: string;
  metadata: Json<Record<string, unknown>>;
  version: number;
  /** Hash of the newest audit entry of this resource: the next entry chains onto it. */
  head_hash: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: Timestamp | null;
}

export type AuditAction = 'create' | 'update' | 'delete' | 'restore';
export type ActorType = 'user' | 'api_key' | 'system';

export interface AuditLogTable {
  seq: Generated<string>;
  id: string;
  resource_id: string;
  actor_id: string | null;
  actor_type: ActorType;
  action: AuditAction;
  changes: Json<unknown[]>;
  /** The document `{name, metadata}` after this change, so any version is one lookup away. */
  snapshot: Json<{ name: string; metadata: Record<string, unknown> }>;
  version: number;
  request_id: string | null;
  created_at: Timestamp;
  hash: string;
  prev_hash: string | null;
}

export interface IdempotencyKeyTable {
  owner_id: string;
  key: string;
  request_hash: string;
  status_code: number;
  response_body: Json<unknown>;
  resource_id: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export type GrantPermission = 'read' | 'write';

export interface ResourceGrantTable {
  resource_id: string;
  user_id: string;
  permission: GrantPermission;
  granted_by: string;
  created_at: Timestamp;
}

export type ApiKeyScope = 'resources:read' | 'resources:write' | 'audit:read' | 'admin';

export interface ApiKeyTable {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  scopes: ColumnType<ApiKeyScope[], ApiKeyScope[], ApiKeyScope[]>;
  expires_at: Timestamp | null;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
  created_at: Timestamp;
}

export interface Database {
  users: UserTable;
  refresh_tokens: RefreshTokenTable;
  resources: ResourceTable;
  audit_log: AuditLogTable;
  idempotency_keys: IdempotencyKeyTable;
  resource_grants: ResourceGrantTable;
  api_keys: ApiKeyTable;
}

export type UserRow = Selectable<UserTable>;
export type NewUserRow = Insertable<UserTable>;
export type UserUpdate = Updateable<UserTable>;
export type RefreshTokenRow = Selectable<RefreshTokenTable>;
export type ResourceRow = Selectable<ResourceTable>;
export type AuditLogRow = Selectable<AuditLogTable>;
export type IdempotencyKeyRow = Selectable<IdempotencyKeyTable>;
export type ResourceGrantRow = Selectable<ResourceGrantTable>;
export type ApiKeyRow = Selectable<ApiKeyTable>;
