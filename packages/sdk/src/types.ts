// Named types of the API, all derived from the generated `paths` (schema.ts), so a change to a
// route's schema shows up here, and in every caller, as a type error instead of a runtime surprise.
// The API inlines its schemas (components.schemas is empty), hence the extraction by operation.
import type { paths } from './schema.ts';

export type { paths } from './schema.ts';

export type HttpMethod = 'get' | 'put' | 'post' | 'delete' | 'patch';
export type ApiPath = keyof paths;

type Operation<P extends ApiPath, M extends HttpMethod> = NonNullable<paths[P][M]>;

/** The JSON body of response `S` of `M P`. */
export type ResponseBody<P extends ApiPath, M extends HttpMethod, S extends number> =
  Operation<P, M> extends { responses: infer R }
    ? S extends keyof R
      ? R[S] extends { content: { 'application/json': infer B } }
        ? B
        : never
      : never
    : never;

/** The request body of `M P`: JSON, or a JSON Merge Patch document for PATCH. */
export type RequestBody<P extends ApiPath, M extends HttpMethod> =
  Operation<P, M> extends { requestBody?: { content: { 'application/json': infer B } } }
    ? B
    : Operation<P, M> extends { requestBody?: { content: { 'application/merge-patch+json': infer B } } }
      ? B
      : never;

/** The query parameters of `M P`. */
export type QueryParams<P extends ApiPath, M extends HttpMethod> =
  Operation<P, M> extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

/** The contract's error body: `{error: {code, message, details?}}` (CONTRACT.md "Errors"). */
export type ApiErrorBody = ResponseBody<'/api/v1/resources/{id}', 'get', 404>;

export type Page<T> = { data: T[]; nextCursor: string | null };

export type User = ResponseBody<'/api/v1/users/me', 'get', 200>;
export type Role = User['role'];
export type UserPage = ResponseBody<'/api/v1/users', 'get', 200>;
/** A user as admins see them: with `disabled`. */
export type AdminUser = UserPage['data'][number];
export type UserUpdate = RequestBody<'/api/v1/users/{id}', 'patch'>;
export type TokenPair = ResponseBody<'/api/v1/auth/login', 'post', 200>;

export type Resource = ResponseBody<'/api/v1/resources/{id}', 'get', 200>;
export type ResourceInput = RequestBody<'/api/v1/resources', 'post'>;
export type ResourcePage = ResponseBody<'/api/v1/resources', 'get', 200>;
export type ResourceQuery = QueryParams<'/api/v1/resources', 'get'>;
export type ResourceSort = NonNullable<ResourceQuery['sort']>;

export type Grant = ResponseBody<'/api/v1/resources/{id}/grants/{userId}', 'put', 200>;
export type Permission = Grant['permission'];

export type AuditPage = ResponseBody<'/api/v1/audit', 'get', 200>;
export type AuditEntry = AuditPage['data'][number];
export type AuditAction = AuditEntry['action'];
export type AuditQuery = QueryParams<'/api/v1/audit', 'get'>;
export type AuditVerifyResult = ResponseBody<'/api/v1/audit/verify', 'get', 200>;

export type ApiKey = ResponseBody<'/api/v1/api-keys', 'get', 200>['data'][number];
export type ApiKeyScope = ApiKey['scopes'][number];
export type ApiKeyInput = RequestBody<'/api/v1/api-keys', 'post'>;
export type CreatedApiKey = ResponseBody<'/api/v1/api-keys', 'post', 201>;

export type Webhook = ResponseBody<'/api/v1/webhooks', 'get', 200>['data'][number];
export type WebhookInput = RequestBody<'/api/v1/webhooks', 'post'>;
export type CreatedWebhook = ResponseBody<'/api/v1/webhooks', 'post', 201>;
export type EventType = Webhook['events'][number];
export type WebhookDelivery = ResponseBody<'/api/v1/webhooks/{id}/deliveries', 'get', 200>['data'][number];

/** A list that names every member of the union `T` (a missing one is a type error), in display order. */
const every =
  <T>() =>
  <const L extends readonly T[]>(list: L & ([Exclude<T, L[number]>] extends [never] ? unknown : never)): L =>
    list;

// The schema's enums as values, for pickers and filters; `every` keeps them in step with schema.ts.
export const RESOURCE_SORTS = every<ResourceSort>()([
  '-createdAt',
  'createdAt',
  '-updatedAt',
  'updatedAt',
  'name',
  '-name',
]);
export const AUDIT_ACTIONS = every<AuditAction>()(['create', 'update', 'delete', 'restore']);
export const API_KEY_SCOPES = every<ApiKeyScope>()([
  'resources:read',
  'resources:write',
  'audit:read',
  'admin',
]);
export const EVENT_TYPES = every<EventType>()([
  'resource.created',
  'resource.updated',
  'resource.deleted',
  'resource.restored',
]);
export const ROLES = every<Role>()(['admin', 'member', 'viewer']);
