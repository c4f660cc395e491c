// Wire types of the public API (/work/shared/CONTRACT.md). Hand-written for now; the generated
// SDK in packages/sdk replaces this file and lib/api.ts together.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export type Role = 'admin' | 'member' | 'viewer';

export interface User {
  id: string;
  email: string;
  name: string;
  role: Role;
  createdAt: string;
  updatedAt: string;
  // Not in the contract's User yet; shown when the server adds it.
  disabled?: boolean;
  disabledAt?: string | null;
}

export interface Resource {
  id: string;
  name: string;
  metadata: JsonObject;
  ownerId: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface ResourceInput {
  name: string;
  metadata: JsonObject;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export const RESOURCE_SORTS = [
  '-createdAt',
  'createdAt',
  '-updatedAt',
  'updatedAt',
  'name',
  '-name',
] as const;
export type ResourceSort = (typeof RESOURCE_SORTS)[number];

export interface ResourceQuery {
  q?: string;
  sort?: ResourceSort;
  metadata?: string; // already-validated JSON object text
  cursor?: string | null;
  limit?: number;
}

/** One RFC 6902 JSON Patch operation. */
export interface PatchOp {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  value?: Json;
  from?: string;
}

export type AuditAction = 'create' | 'update' | 'delete' | 'restore';
export const AUDIT_ACTIONS: readonly AuditAction[] = ['create', 'update', 'delete', 'restore'];

export interface AuditEntry {
  id: string;
  resourceId: string;
  actorId: string | null;
  actorType: 'user' | 'api_key' | 'system';
  action: AuditAction;
  changes: PatchOp[];
  version: number;
  requestId: string | null;
  createdAt: string;
  hash: string;
  prevHash: string | null;
}

export interface AuditQuery {
  resourceId?: string;
  actorId?: string;
  action?: AuditAction;
  since?: string;
  until?: string;
  cursor?: string | null;
}

export interface AuditVerifyResult {
  valid: boolean;
  checked: number;
  firstInvalid?: unknown;
}

export type Permission = 'read' | 'write';

export interface Grant {
  resourceId: string;
  userId: string;
  permission: Permission;
  createdAt: string;
}

export const API_KEY_SCOPES = ['resources:read', 'resources:write', 'audit:read', 'admin'] as const;
export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];

export interface ApiKey {
  id: string;
  name: string;
  scopes: ApiKeyScope[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt?: string | null;
}

export interface CreatedApiKey extends ApiKey {
  key: string;
}

export const EVENT_TYPES = [
  'resource.created',
  'resource.updated',
  'resource.deleted',
  'resource.restored',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface Webhook {
  id: string;
  url: string;
  events: EventType[];
  description?: string | null;
  createdAt: string;
}

export interface CreatedWebhook extends Webhook {
  secret: string;
}

// Delivery records are not pinned down by the contract; the page shows whatever fields arrive.
export type WebhookDelivery = { id: string } & Record<string, unknown>;

export interface TokenPair {
  accessToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshToken: string;
  user?: User;
}

/** The `data:` of one Server-Sent Event from GET /events. */
export interface LiveEvent {
  type: EventType;
  resourceId: string;
  version: number;
  actorId: string | null;
  occurredAt: string;
  resource?: Resource;
}
