// The console's only door to the server: every /api/v1 call goes through the typed client of
// packages/sdk (generated from /openapi.json), so paths, parameters, bodies and responses are
// checked against the API's own schemas. This module adds the session: the access token in
// memory, one silent refresh on 401, and the refresh token's rotation across tabs.

import {
  type AdminUser,
  ApiError,
  type ApiKeyInput,
  createLedgerbaseClient,
  type EventType,
  type Page,
  type Permission,
  type ResourceSort,
  type AuditEntry as SdkAuditEntry,
  type AuditQuery as SdkAuditQuery,
  type Resource as SdkResource,
  type TokenPair,
  type User,
  type UserUpdate,
  unwrap,
  type WebhookInput,
} from '@ledgerbase/sdk';
import type { JsonObject, PatchOp } from './json.ts';
import { tokenStore, withRefreshLock } from './token-store.ts';

export {
  type AdminUser,
  API_KEY_SCOPES,
  ApiError,
  type ApiKey,
  type ApiKeyScope,
  AUDIT_ACTIONS,
  type AuditAction,
  type AuditVerifyResult,
  type CreatedApiKey,
  type CreatedWebhook,
  EVENT_TYPES,
  type EventType,
  type Grant,
  type Page,
  type Permission,
  RESOURCE_SORTS,
  type ResourceSort,
  ROLES,
  type Role,
  type User,
  type Webhook,
  type WebhookDelivery,
} from '@ledgerbase/sdk';
export type { Json, JsonObject, PatchOp } from './json.ts';

// The API's schema leaves metadata and patch operations open, so the SDK types them loosely. A
// response body is parsed JSON, and `changes` are RFC 6902 operations (CONTRACT.md "Audit log"):
// the console reads them as such, narrowed here once, where responses come in.
export type Resource = Omit<SdkResource, 'metadata'> & { metadata: JsonObject };
export type AuditEntry = Omit<SdkAuditEntry, 'changes'> & { changes: PatchOp[] };
export type AuditQuery = Omit<SdkAuditQuery, 'cursor' | 'limit'>;
/** What the forms send: the SDK's input with metadata always present. */
export type ResourceInput = { name: string; metadata: JsonObject };

/** The `data:` of one Server-Sent Event from GET /events (not an OpenAPI operation body). */
export interface LiveEvent {
  type: EventType;
  resourceId: string;
  version: number;
  actorId: string | null;
  occurredAt: string;
  resource?: Resource;
}

// Memory only: see token-store.ts for why the access token is never persisted.
let accessToken: string | null = null;
let currentUser: User | null = null;
let refreshing: Promise<boolean> | null = null;
const sessionListeners = new Set<(user: User | null, reason: 'signed-in' | 'ended') => void>();

const client = createLedgerbaseClient({
  baseUrl: window.location.origin,
  getAccessToken: () => accessToken,
  headers: { Accept: 'application/json' },
  credentials: 'same-origin',
  cache: 'no-store',
});

function notify(reason: 'signed-in' | 'ended'): void {
  for (const listener of sessionListeners) listener(currentUser, reason);
}

/** Query values without the empty ones ('' or null), which the API would read as filters. */
function compact<T extends Record<string, unknown>>(query: T): { [K in keyof T]?: Exclude<T[K], null> } {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') kept[key] = value;
  }
  return kept as { [K in keyof T]?: Exclude<T[K], null> };
}

async function doRefresh(): Promise<boolean> {
  return withRefreshLock(async () => {
    // Read inside the lock: another tab may just have rotated the token we share.
    const token = tokenStore.getRefreshToken();
    if (!token) return false;
    const result = await client.POST('/api/v1/auth/refresh', { body: { refreshToken: token } });
    if (result.response.status === 400 || result.response.status === 401) return false;
    const pair = await unwrap(result); // server trouble throws: keep the session, report it
    accessToken = pair.accessToken;
    tokenStore.rotate(token, pair.refreshToken);
    currentUser = pair.user;
    return true;
  });
}

/** One refresh at a time: parallel 401s share it, since presenting a token twice revokes it. */
function refreshSession(): Promise<boolean> {
  refreshing ??= doRefresh().finally(() => {
    refreshing = null;
  });
  return refreshing;
}

function endSession(): void {
  const wasSignedIn = accessToken !== null || currentUser !== null;
  accessToken = null;
  currentUser = null;
  tokenStore.clear();
  if (wasSignedIn) notify('ended');
}

tokenStore.onEndedElsewhere(() => {
  accessToken = null;
  currentUser = null;
  notify('ended');
});

type Sent = { data?: unknown; error?: unknown; response: Response };

/** Sends with the access token; on 401 refreshes silently once and resends, and signs out if that fails. */
async function authorized<R extends Sent>(send: () => Promise<R>): Promise<R> {
  let result = await send();
  if (result.response.status !== 401) return result;
  if (await refreshSession()) result = await send();
  if (result.response.status === 401) endSession();
  return result;
}

/** An authorized call's data, or the ApiError of its response. */
const call = <R extends Sent>(send: () => Promise<R>) => unwrap(authorized(send));

const ifMatch = (version: number | undefined): Record<string, string> =>
  version === undefined ? {} : { 'If-Match': `"${version}"` };

const byId = (id: string) => ({ path: { id } });

function startSession(pair: TokenPair): User {
  accessToken = pair.accessToken;
  tokenStore.setRefreshToken(pair.refreshToken);
  currentUser = pair.user;
  notify('signed-in');
  return pair.user;
}

let resumed: Promise<User | null> | null = null;

export const session = {
  get user(): User | null {
    return currentUser;
  },
  subscribe(listener: (user: User | null, reason: 'signed-in' | 'ended') => void): () => void {
    sessionListeners.add(listener);
    return () => sessionListeners.delete(listener);
  },
  /** At start-up: trade a stored refresh token for an access token. Runs once per page load. */
  resume(): Promise<User | null> {
    resumed ??= (async () => {
      if (!tokenStore.getRefreshToken() && !(await tokenStore.adoptFromOtherTab())) return null;
      if (!(await refreshSession())) {
        tokenStore.clear();
        return null;
      }
      currentUser ??= await call(() => client.GET('/api/v1/users/me'));
      return currentUser;
    })();
    return resumed;
  },
  async login(email: string, password: string): Promise<User> {
    return startSession(await unwrap(client.POST('/api/v1/auth/login', { body: { email, password } })));
  },
  async register(email: string, password: string, name: string): Promise<User> {
    await unwrap(client.POST('/api/v1/auth/register', { body: { email, password, name } }));
    return session.login(email, password);
  },
  async logout(): Promise<void> {
    const refreshToken = tokenStore.getRefreshToken();
    try {
      if (refreshToken) await unwrap(client.POST('/api/v1/auth/logout', { body: { refreshToken } }));
    } finally {
      endSession();
    }
  },
};

export const api = {
  listResources: (query: { q?: string; sort?: ResourceSort; metadata?: string; cursor: string | null }) =>
    call(() =>
      client.GET('/api/v1/resources', { params: { query: compact({ limit: 20, ...query }) } }),
    ) as Promise<Page<Resource>>,
  getResource: (id: string) =>
    call(() => client.GET('/api/v1/resources/{id}', { params: byId(id) })) as Promise<Resource>,
  createResource: (input: ResourceInput, idempotencyKey: string) =>
    call(() =>
      client.POST('/api/v1/resources', { body: input, headers: { 'Idempotency-Key': idempotencyKey } }),
    ) as Promise<Resource>,
  replaceResource: (id: string, input: ResourceInput, version: number) =>
    call(() =>
      client.PUT('/api/v1/resources/{id}', { params: byId(id), body: input, headers: ifMatch(version) }),
    ) as Promise<Resource>,
  deleteResource: (id: string, version?: number) =>
    call(() => client.DELETE('/api/v1/resources/{id}', { params: byId(id), headers: ifMatch(version) })),
  /** Without a version: undelete. With one: bring back the state of that version as a new version. */
  restoreResource: (id: string, version?: number) =>
    call(() =>
      client.POST('/api/v1/resources/{id}/restore', {
        params: byId(id),
        body: version === undefined ? {} : { version },
      }),
    ) as Promise<Resource>,
  history: (id: string, cursor: string | null) =>
    call(() =>
      client.GET('/api/v1/resources/{id}/history', {
        params: { path: { id }, query: compact({ cursor, limit: 100 }) },
      }),
    ) as Promise<Page<AuditEntry>>,
  resourceAtVersion: (id: string, version: number) =>
    call(() =>
      client.GET('/api/v1/resources/{id}/versions/{version}', { params: { path: { id, version } } }),
    ) as Promise<Resource>,

  listGrants: (id: string) => call(() => client.GET('/api/v1/resources/{id}/grants', { params: byId(id) })),
  putGrant: (id: string, userId: string, permission: Permission) =>
    call(() =>
      client.PUT('/api/v1/resources/{id}/grants/{userId}', {
        params: { path: { id, userId } },
        body: { permission },
      }),
    ),
  deleteGrant: (id: string, userId: string) =>
    call(() => client.DELETE('/api/v1/resources/{id}/grants/{userId}', { params: { path: { id, userId } } })),

  listApiKeys: () => call(() => client.GET('/api/v1/api-keys')),
  createApiKey: (input: ApiKeyInput) => call(() => client.POST('/api/v1/api-keys', { body: input })),
  deleteApiKey: (id: string) => call(() => client.DELETE('/api/v1/api-keys/{id}', { params: byId(id) })),

  listWebhooks: () => call(() => client.GET('/api/v1/webhooks')),
  createWebhook: (input: WebhookInput) => call(() => client.POST('/api/v1/webhooks', { body: input })),
  deleteWebhook: (id: string) => call(() => client.DELETE('/api/v1/webhooks/{id}', { params: byId(id) })),
  listDeliveries: (id: string) =>
    call(() => client.GET('/api/v1/webhooks/{id}/deliveries', { params: byId(id) })),

  listUsers: (cursor: string | null): Promise<Page<AdminUser>> =>
    call(() => client.GET('/api/v1/users', { params: { query: compact({ cursor, limit: 50 }) } })),
  // RFC 7396 merge patch, as the contract asks of every PATCH.
  updateUser: (id: string, patch: UserUpdate) =>
    call(() =>
      client.PATCH('/api/v1/users/{id}', {
        params: byId(id),
        body: patch,
        headers: { 'Content-Type': 'application/merge-patch+json' },
      }),
    ),

  listAudit: (query: AuditQuery & { cursor: string | null }) =>
    call(() =>
      client.GET('/api/v1/audit', { params: { query: compact({ limit: 50, ...query }) } }),
    ) as Promise<Page<AuditEntry>>,
  verifyAudit: () => call(() => client.GET('/api/v1/audit/verify')),

  /** Opens the SSE stream with the bearer token (EventSource cannot send one); the body is unread. */
  async openEvents(lastEventId: string | null, signal: AbortSignal): Promise<Response> {
    const headers = { Accept: 'text/event-stream', ...(lastEventId ? { 'Last-Event-ID': lastEventId } : {}) };
    const result = await authorized(() =>
      client.GET('/api/v1/events', { headers, signal, parseAs: 'stream' }),
    );
    if (!result.response.ok) throw ApiError.fromResponse(result.response, result.error);
    return result.response;
  },
};
