import { Type } from '@sinclair/typebox';
import { Timestamp, Uuid } from './common.ts';
import { Role, User } from './users.ts';

export const GrantPermission = Type.Union([Type.Literal('read'), Type.Literal('write')]);

export const Grant = Type.Object(
  { resourceId: Uuid, userId: Uuid, permission: GrantPermission, createdAt: Timestamp },
  { title: 'Grant' },
);

export const GrantBody = Type.Object({ permission: GrantPermission }, { additionalProperties: false });
export const GrantParams = Type.Object({ id: Uuid, userId: Uuid }, { additionalProperties: false });

export const ApiKeyScope = Type.Union([
  Type.Literal('resources:read'),
  Type.Literal('resources:write'),
  Type.Literal('audit:read'),
  Type.Literal('admin'),
]);

export const ApiKey = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    scopes: Type.Array(ApiKeyScope),
    prefix: Type.String({ description: 'first characters of the key, to recognise it' }),
    createdAt: Timestamp,
    expiresAt: Type.Union([Timestamp, Type.Null()]),
    lastUsedAt: Type.Union([Timestamp, Type.Null()]),
  },
  { title: 'ApiKey' },
);

export const ApiKeyCreated = Type.Intersect(
  [ApiKey, Type.Object({ key: Type.String({ description: 'shown only once; store it now' }) })],
  { title: 'ApiKeyCreated' },
);

export const ApiKeyBody = Type.Object(
  {
    name: Type.String({ maxLength: 1000 }),
    scopes: Type.Array(ApiKeyScope, { minItems: 1, maxItems: 4 }),
    expiresAt: Type.Optional(Type.Union([Type.String({ format: 'date-time' }), Type.Null()])),
  },
  { additionalProperties: false },
);

export const AdminUser = Type.Intersect([User, Type.Object({ disabled: Type.Boolean() })], {
  title: 'AdminUser',
});

export const UserPatchBody = Type.Object(
  { role: Type.Optional(Role), disabled: Type.Optional(Type.Boolean()) },
  { additionalProperties: false, minProperties: 1 },
);
