import { Type } from '@sinclair/typebox';
import { Cursor, Limit, Timestamp, Uuid } from './common.ts';

export const AuditAction = Type.Union([
  Type.Literal('create'),
  Type.Literal('update'),
  Type.Literal('delete'),
  Type.Literal('restore'),
]);

export const AuditQuery = Type.Object(
  {
    limit: Type.Optional(Limit),
    cursor: Type.Optional(Cursor),
    resourceId: Type.Optional(Uuid),
    actorId: Type.Optional(Uuid),
    action: Type.Optional(AuditAction),
    since: Type.Optional(Type.String({ format: 'date-time', description: 'ISO 8601; entries at or after' })),
    until: Type.Optional(Type.String({ format: 'date-time', description: 'ISO 8601; entries at or before' })),
  },
  { additionalProperties: false },
);

export const AuditInvalidEntry = Type.Object(
  {
    id: Type.Union([Uuid, Type.Null()]),
    seq: Type.Union([Type.Integer(), Type.Null()]),
    resourceId: Type.Union([Uuid, Type.Null()]),
    version: Type.Union([Type.Integer(), Type.Null()]),
    reason: Type.String(),
  },
  { title: 'AuditInvalidEntry' },
);

export const AuditVerifyReport = Type.Object(
  {
    valid: Type.Boolean(),
    checked: Type.Integer({ description: 'entries whose hash, chain link and tree position were checked' }),
    checkpoints: Type.Integer({ description: 'signed checkpoints whose signature and root were checked' }),
    treeSize: Type.Integer({ description: 'leaves of the Merkle tree, purged prefix included' }),
    firstInvalid: Type.Optional(AuditInvalidEntry),
  },
  { title: 'AuditVerifyReport' },
);

export const AuditCheckpoint = Type.Object(
  {
    treeSize: Type.Integer(),
    lastSeq: Type.Integer(),
    rootHash: Type.String({ description: 'base64 SHA-256 Merkle root (RFC 9162), as in the note' }),
    note: Type.String({ description: 'C2SP signed note: origin, tree size, root hash, signature line' }),
    keyId: Type.String(),
    createdAt: Timestamp,
  },
  { title: 'AuditCheckpoint' },
);

export const AuditCheckpointLatest = Type.Object(
  {
    checkpoint: Type.Union([AuditCheckpoint, Type.Null()]),
    publicKey: Type.Object({
      keyId: Type.String(),
      vkey: Type.String({ description: 'C2SP verifier key: <name>+<key hash>+<base64 Ed25519 key>' }),
      pem: Type.String({ description: 'SPKI PEM of the Ed25519 public key' }),
    }),
  },
  { title: 'AuditCheckpointLatest' },
);
