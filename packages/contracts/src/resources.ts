import { Type } from '@sinclair/typebox';
import { Cursor, Limit, Timestamp, Uuid } from './common.ts';

const Metadata = Type.Object(
  {},
  { additionalProperties: true, description: 'JSON object, at most 64 KiB serialized and 32 levels deep' },
);

export const Resource = Type.Object(
  {
    id: Uuid,
    name: Type.String(),
    metadata: Metadata,
    ownerId: Uuid,
    version: Type.Integer({ minimum: 1 }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  },
  { title: 'Resource' },
);

// `name` length is checked after trimming in the service (1–200 characters); the schema bounds the raw size.
const Name = Type.String({
  maxLength: 10_000,
  description: '1–200 characters after trim, no control characters',
});

export const ResourceBody = Type.Object(
  { name: Name, metadata: Type.Optional(Metadata) },
  { additionalProperties: false },
);

export const ResourcePatchBody = Type.Object(
  { name: Type.Optional(Name), metadata: Type.Optional(Type.Union([Metadata, Type.Null()])) },
  { additionalProperties: false, description: 'JSON Merge Patch (RFC 7396)' },
);

export const RestoreBody = Type.Object(
  { version: Type.Optional(Type.Integer({ minimum: 1 })) },
  { additionalProperties: false },
);

export const ResourceSort = Type.Union(
  ['createdAt', '-createdAt', 'updatedAt', '-updatedAt', 'name', '-name'].map((s) => Type.Literal(s)),
  { default: '-createdAt' },
);

export const ListResourcesQuery = Type.Object(
  {
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
    sort: Type.Optional(ResourceSort),
    q: Type.Optional(Type.String({ maxLength: 200 })),
    metadata: Type.Optional(
      Type.String({ maxLength: 8192, description: 'URL-encoded JSON object (containment)' }),
    ),
    ownerId: Type.Optional(Uuid),
  },
  { additionalProperties: false },
);

export const PageQuery = Type.Object(
  { limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) },
  { additionalProperties: false },
);

export const VersionParams = Type.Object(
  { id: Uuid, version: Type.Integer({ minimum: 1, maximum: 2_147_483_647 }) },
  { additionalProperties: false },
);

export const AuditEntry = Type.Object(
  {
    id: Uuid,
    resourceId: Uuid,
    actorId: Type.Union([Uuid, Type.Null()]),
    actorType: Type.Union([Type.Literal('user'), Type.Literal('api_key'), Type.Literal('system')]),
    action: Type.Union([
      Type.Literal('create'),
      Type.Literal('update'),
      Type.Literal('delete'),
      Type.Literal('restore'),
    ]),
    changes: Type.Array(Type.Object({}, { additionalProperties: true }), {
      description: 'RFC 6902 JSON Patch',
    }),
    version: Type.Integer(),
    requestId: Type.Union([Type.String(), Type.Null()]),
    traceId: Type.Optional(
      Type.Union([Type.String(), Type.Null()], {
        description: 'W3C trace id of the request (from `traceparent`), or null',
      }),
    ),
    createdAt: Timestamp,
    hash: Type.String(),
    prevHash: Type.Union([Type.String(), Type.Null()]),
  },
  { title: 'AuditEntry' },
);
