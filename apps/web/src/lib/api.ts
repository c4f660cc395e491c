// The console's only door to the server: every /api/v1 call goes through this module, so the
// generated SDK (packages/sdk) can replace it without touching the pages.

import { ApiError, toApiError } from './api-error.ts';
import type {
  ApiKey,
  ApiKeyScope,
  AuditEntry,
  AuditQuery,
  AuditVerifyResult,
  CreatedApiKey,
  CreatedWebhook,
  EventType,
  Grant,
  Page,
  Permission,
  Resource,
  ResourceInput,
  ResourceQuery,
  Role,
  TokenPair,
  User,
  Webhook,
  WebhookDelivery,
} from './api-types.ts';
import { tokenStore, withRefreshLock } from './token-store.ts';

export * from './api-types.ts';
export { ApiError };

const BASE = '/api/v1';

type Query = Record<string, string | number | null | undefined>;
interface RequestOptions {
  method?: string;
  body?: unknown;
  contentType?: string;
  headers?: Record<string, string>;
  query?: Query;
  signal?: AbortSignal;
  auth?: boolean;
  accept?: string;
}

// Memory only: see token-store.ts for why the access token is never persisted.
let accessToken: string | null = null;
let currentUser: User | null = null;
let refreshing: Promise<boolean> | null = null;
const sessionListeners = new Set<(user: User | null, reason: 'signed-in' | 'ended') => void>();

function notify(reason: 'signed-in' | 'ended'): void {
  for (const listener of sessionListeners) listener(currentUser, reason);
}

function url(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const search = params.toString();
  return `${BASE}${path}${search ? `?${search}` : ''}`;
}

function send(path: string, options: RequestOptions, token: string | null): Promise<Response> {
  const headers: Record<string, string> = {
    Accept: options.accept ?? 'application/json',
    ...options.headers,
  };
  if (options.body !== undefined) headers['Content-Type'] = options.contentType ?? 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  return fetch(url(path, options.query), {
    method: options.method ?? 'GET',
    headers,
    body: options.body === undefined ? null : JSON.stringify(options.body),
    signal: options.signal ?? null,
    credentials: 'same-origin',
    cache: 'no-store',
  });
}

async function doRefresh(): Promise<boolean> {
  return withRefreshLock(async () => {
    // Read inside the lock: another tab may just have rotated the token we share.
    const token = tokenStore.getRefreshToken();
    if (!token) return false;
    const response = await send(
      '/auth/refresh',
      { method: 'POST', body: { refreshToken: token }, auth: false },
      null,
    );
    if (response.status === 400 || response.status === 401) return false;
    if (!response.ok) throw await toApiError(response); // server trouble: keep the session, report it
    const pair = (await response.json()) as TokenPair;
    accessToken = pair.accessToken;
    tokenStore.rotate(token, pair.refreshToken);
    if (pair.user) currentUser = pair.user;
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

/** Sends with the access token; on 401 refreshes silently once, and signs out if that fails. */
async function authorized(path: string, options: RequestOptions): Promise<Response> {
  if (options.auth === false) return send(path, options, null);
  let response = await send(path, options, accessToken);
  if (response.status !== 401) return response;
  if (await refreshSession()) response = await send(path, options, accessToken);
  if (response.status === 401) endSession();
  return response;
}

async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await authorized(path, options);
  if (!response.ok) throw await toApiError(response);
  const text = response.status === 204 ? '' : await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

const ifMatch = (version: number | undefined): Record<string, string> =>
  version === undefined ? {} : { 'If-Match': `"${version}"` };

async function startSession(pair: TokenPair): Promise<User> {
  accessToken = pair.accessToken;
  tokenStore.setRefreshToken(pair.refreshToken);
  currentUser = pair.user ?? (await request<User>('/users/me'));
  notify('signed-in');
  return currentUser;
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
      currentUser ??= await request<User>('/users/me');
      return currentUser;
    })();
    return resumed;
  },
  async login(email: string, password: string): Promise<User> {
    const pair = await request<TokenPair>('/auth/login', {
      method: 'POST',
      body: { email, password },
      auth: false,
    });
    return startSession(pair);
  },
  async register(email: string, password: string, name: string): Promise<User> {
    await request<{ user: User }>('/auth/register', {
      method: 'POST',
      body: { email, password, name },
      auth: false,
    });
    return session.login(email, password);
  },
  async logout(): Promise<void> {
    const refreshToken = tokenStore.getRefreshToken();
    try {
      if (refreshToken)
        await request('/auth/logout', { method: 'POST', body: { refreshToken }, auth: false });
    } finally {
      endSession();
    }
  },
};

export const api = {
  listResources: (query: ResourceQuery) =>
    request<Page<Resource>>('/resources', { query: { limit: 20, ...query } as Query }),
  getResource: (id: string) => request<Resource>(`/resources/${encodeURIComponent(id)}`),
  createResource: (input: ResourceInput, idempotencyKey: string) =>
    request<Resource>('/resources', {
      method: 'POST',
      body: input,
      headers: { 'Idempotency-Key': idempotencyKey },
    }),
  replaceResource: (id: string, input: ResourceInput, version: number) =>
    request<Resource>(`/resources/${encodeURIComponent(id)}`, {
      method: 'PUT',
      body: input,
      headers: ifMatch(version),
    }),
  deleteResource: (id: string, version?: number) =>
    request<void>(`/resources/${encodeURIComponent(id)}`, { method: 'DELETE', headers: ifMatch(version) }),
  /** Without a version: undelete. With one: bring back the state of that version as a new version. */
  restoreResource: (id: string, version?: number) =>
    request<Resource>(`/resources/${encodeURIComponent(id)}/restore`, {
      method: 'POST',
      body: version === undefined ? {} : { version },
    }),
  history: (id: string, cursor: string | null) =>
    request<Page<AuditEntry>>(`/resources/${encodeURIComponent(id)}/history`, {
      query: { cursor, limit: 100 },
    }),
  resourceAtVersion: (id: string, version: number) =>
    request<Resource>(`/resources/${encodeURIComponent(id)}/versions/${version}`),

  listGrants: (id: string) => request<{ data: Grant[] }>(`/resources/${encodeURIComponent(id)}/grants`),
  putGrant: (id: string, userId: string, permission: Permission) =>
    request<Grant>(`/resources/${encodeURIComponent(id)}/grants/${encodeURIComponent(userId)}`, {
      method: 'PUT',
      body: { permission },
    }),
  deleteGrant: (id: string, userId: string) =>
    request<void>(`/resources/${encodeURIComponent(id)}/grants/${encodeURIComponent(userId)}`, {
      method: 'DELETE',
    }),

  listApiKeys: () => request<{ data: ApiKey[] }>('/api-keys'),
  createApiKey: (input: { name: string; scopes: ApiKeyScope[]; expiresAt?: string }) =>
    request<CreatedApiKey>('/api-keys', { method: 'POST', body: input }),
  deleteApiKey: (id: string) => request<void>(`/api-keys/${encodeURIComponent(id)}`, { method: 'DELETE' }),

  listWebhooks: () => request<{ data: Webhook[] }>('/webhooks'),
  createWebhook: (input: { url: string; events: EventType[]; description?: string }) =>
    request<CreatedWebhook>('/webhooks', { method: 'POST', body: input }),
  deleteWebhook: (id: string) => request<void>(`/webhooks/${encodeURIComponent(id)}`, { method: 'DELETE' }),
  listDeliveries: (id: string) =>
    request<Page<WebhookDelivery>>(`/webhooks/${encodeURIComponent(id)}/deliveries`),

  listUsers: (cursor: string | null) => request<Page<User>>('/users', { query: { cursor, limit: 50 } }),
  // RFC 7396 merge patch, as the contract asks of every PATCH.
  updateUser: (id: string, patch: { role?: Role; disabled?: boolean }) =>
    request<User>(`/users/${encodeURIComponent(id)}`, {
      method: 'PATCH',
      body: patch,
      contentType: 'application/merge-patch+json',
    }),

  listAudit: (query: AuditQuery) =>
    request<Page<AuditEntry>>('/audit', { query: { limit: 50, ...query } as Query }),
  verifyAudit: () => request<AuditVerifyResult>('/audit/verify'),

  /** Opens the SSE stream with the bearer token (EventSource cannot send one). */
  async openEvents(lastEventId: string | null, signal: AbortSignal): Promise<Response> {
    const headers: Record<string, string> = lastEventId ? { 'Last-Event-ID': lastEventId } : {};
    const response = await authorized('/events', { headers, signal, accept: 'text/event-stream' });
    if (!response.ok) throw await toApiError(response);
    return response;
  },
};
