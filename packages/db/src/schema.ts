import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** Timestamps are `timestamptz(3)`: millisecond precision, exactly what a JS Date holds (keyset cursors). */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;

export type UserRole = 'admin' | 'member' | 'viewer';

export interface UserTable {
  id: string;
  /** Legacy plaintext, cleared by the start-up backfill and never written since 20261126000007_users_pii. */
  email: string | null;
  name: string | null;
  /** Keyed HMAC of the normalized email (unique): lookups without decrypting. */
  email_index: string | null;
  /** AES-256-GCM, `v1.<keyId>.<iv>.<ciphertext+tag>`. */
  email_encrypted: string | null;
  name_encrypted: string | null;
  password_hash: string;
  role: UserRole;
  disabled_at: Timestamp | null;
  /** Bumped by a disable; access tokens carrying an older epoch are refused. */
  session_epoch: Generated<number>;
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
  /** W3C trace id (32 hex digits) of the request that wrote the entry; null when it carried none. */
  trace_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** Database clock when the row was formed (default); NULL for rows older than 20261126000008. */
  recorded_at: ColumnType<Date | null, never, never>;
}

/** A signed Merkle tree head over `audit_log` entry hashes in `seq` order (ADR 0009). */
export interface AuditCheckpointTable {
  id: Generated<string>;
  tree_size: string;
  last_seq: string;
  /** Hex SHA-256 root (RFC 9162 §2.1.1). */
  root_hash: string;
  /** Compact range: hex roots of the perfect subtrees covering the tree, largest first. */
  frontier: Json<string[]>;
  /** The C2SP signed note: origin, size, base64 root, blank line, signature line. */
  note: string;
  key_id: string;
  created_at: Timestamp;
}

/** Per resource, the newest entry that retention removed: the remaining chain links to it. */
export interface AuditAnchorTable {
  resource_id: string;
  version: number;
  hash: string;
  seq: string;
  purged_at: Timestamp;
}

/** Where the purged prefix of the Merkle tree ends (one row at most). */
export interface AuditPurgedPrefixTable {
  id: Generated<boolean>;
  tree_size: string;
  last_seq: string;
  frontier: Json<string[]>;
  updated_at: Timestamp;
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

export type EventType = 'resource.created' | 'resource.updated' | 'resource.deleted' | 'resource.restored';

/** The transactional outbox (20261126000009_events): one row per resource change. */
export interface EventTable {
  /** Insertion order only; see `position` for the order readers may rely on. */
  seq: Generated<string>;
  /** The audit entry's id: one change, one entry, one event. */
  id: string;
  type: EventType;
  resource_id: string;
  owner_id: string;
  version: number;
  actor_id: string | null;
  occurred_at: Timestamp;
  /** The contract's event: `{type, resourceId, version, actorId, occurredAt, resource}`. */
  payload: Json<Record<string, unknown>>;
  /** Publish order, set by the relay (SSE `id:`); null while pending. */
  position: string | null;
  /** When the relay numbered it and handed it to the bus; confirmed up to `outbox_relay`. */
  published_at: Timestamp | null;
}

/** One row: the highest position the bus has confirmed. */
export interface OutboxRelayTable {
  id: Generated<boolean>;
  confirmed_position: string;
}

export interface WebhookTable {
  id: string;
  owner_id: string;
  url: string;
  events: ColumnType<EventType[], EventType[], EventType[]>;
  description: string | null;
  /** Key-ring ciphertext of the `whsec_` signing secret. */
  secret: string;
  created_at: Timestamp;
  disabled_at: Timestamp | null;
  disabled_reason: string | null;
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed' | 'skipped';

export interface WebhookDeliveryTable {
  id: string;
  webhook_id: string;
  event_seq: string;
  event_type: EventType;
  /** The `webhook-id` header: the same on every attempt. */
  message_id: string;
  status: DeliveryStatus;
  attempts: number;
  response_status: number | null;
  duration_ms: number | null;
  last_error: string | null;
  next_attempt_at: Timestamp | null;
  last_attempt_at: Timestamp | null;
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
  audit_checkpoints: AuditCheckpointTable;
  audit_anchors: AuditAnchorTable;
  audit_purged_prefix: AuditPurgedPrefixTable;
  events: EventTable;
  outbox_relay: OutboxRelayTable;
  webhooks: WebhookTable;
  webhook_deliveries: WebhookDeliveryTable;
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
export type AuditCheckpointRow = Selectable<AuditCheckpointTable>;
export type AuditAnchorRow = Selectable<AuditAnchorTable>;
export type EventRow = Selectable<EventTable>;
export type WebhookRow = Selectable<WebhookTable>;
export type WebhookDeliveryRow = Selectable<WebhookDeliveryTable>;
