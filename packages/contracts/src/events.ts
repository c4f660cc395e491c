import { type Static, Type } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { FormatRegistry } from '@sinclair/typebox/type';
import { Cursor, Limit, Timestamp, Uuid } from './common.ts';
import { Resource } from './resources.ts';

// TypeBox's own checker (queue messages, below) knows no formats until told; AJV (HTTP) has its own.
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
if (!FormatRegistry.Has('date-time')) {
  FormatRegistry.Set('date-time', (value) => ISO_UTC.test(value) && !Number.isNaN(Date.parse(value)));
}

export const EVENT_TYPES = [
  'resource.created',
  'resource.updated',
  'resource.deleted',
  'resource.restored',
] as const;
export const EventType = Type.Union(
  EVENT_TYPES.map((type) => Type.Literal(type)),
  { title: 'EventType' },
);

/** `data:` of an SSE event and of a webhook payload (CONTRACT "Events"). */
export const EventData = Type.Object(
  {
    type: EventType,
    resourceId: Uuid,
    version: Type.Integer({ minimum: 1 }),
    actorId: Type.Union([Uuid, Type.Null()], { description: 'the audit entry actorId (user or API key)' }),
    occurredAt: Timestamp,
    resource: Resource,
  },
  { title: 'Event' },
);
export type EventData = Static<typeof EventData>;

/**
 * A queue message: the event plus what routing needs (ARCHITECTURE.md "Naming": dotted and versioned,
 * `resource.updated.v1`). A change of shape gets a new name (`.v2`) published beside the old one
 * until every consumer reads it; consumers reject what they cannot validate to the dead-letter queue.
 */
export const ResourceEventMessageV1 = Type.Object(
  {
    /** The event's (and its audit entry's) id: consumers deduplicate on it. */
    eventId: Uuid,
    /** Outbox row (`events.seq`), as a decimal string. */
    seq: Type.String({ pattern: '^[0-9]{1,19}$' }),
    /** Publish order (`events.position`, the SSE id), as a decimal string. */
    position: Type.String({ pattern: '^[0-9]{1,19}$' }),
    ownerId: Uuid,
    data: EventData,
  },
  { additionalProperties: false, title: 'ResourceEventMessageV1' },
);
export type ResourceEventMessageV1 = Static<typeof ResourceEventMessageV1>;

export const messageNameOf = (type: EventData['type']) => `${type}.v1` as const;
export type ResourceEventMessageName = ReturnType<typeof messageNameOf>;

const checkV1 = TypeCompiler.Compile(ResourceEventMessageV1);

/** Validates a consumed message against its named schema; `undefined` for anything else (poison). */
export function parseResourceEventMessage(name: string, body: unknown): ResourceEventMessageV1 | undefined {
  if (!/^resource\.(created|updated|deleted|restored)\.v1$/.test(name)) return undefined;
  if (!checkV1.Check(body)) return undefined;
  return messageNameOf(body.data.type) === name ? body : undefined;
}

// HTTP: webhooks (CONTRACT "Events").

export const WebhookBody = Type.Object(
  {
    url: Type.String({ minLength: 1, maxLength: 2048, description: 'http(s) URL of the receiver' }),
    events: Type.Array(EventType, { minItems: 1, maxItems: EVENT_TYPES.length, uniqueItems: true }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
);

export const Webhook = Type.Object(
  {
    id: Uuid,
    url: Type.String(),
    events: Type.Array(EventType),
    description: Type.Union([Type.String(), Type.Null()]),
    createdAt: Timestamp,
    disabled: Type.Boolean({ description: 'true after the receiver answered 410 Gone' }),
    disabledReason: Type.Union([Type.String(), Type.Null()]),
  },
  { title: 'Webhook' },
);

export const WebhookCreated = Type.Intersect(
  [
    Webhook,
    Type.Object({
      secret: Type.String({ description: 'whsec_ + base64 signing secret; shown only in this response' }),
    }),
  ],
  { title: 'WebhookCreated' },
);

export const DeliveryStatus = Type.Union(
  ['pending', 'delivered', 'failed', 'skipped'].map((status) => Type.Literal(status)),
  { description: 'failed = dead-lettered after the last attempt; skipped = no longer visible or disabled' },
);

export const WebhookDelivery = Type.Object(
  {
    id: Uuid,
    webhookId: Uuid,
    eventId: Type.String({ pattern: Uuid.pattern, description: 'the event (and its audit entry) id' }),
    eventType: EventType,
    messageId: Type.String({ description: 'the webhook-id header, the same on every attempt' }),
    status: DeliveryStatus,
    attempts: Type.Integer({ minimum: 0 }),
    responseStatus: Type.Union([Type.Integer(), Type.Null()]),
    durationMs: Type.Union([Type.Integer(), Type.Null()]),
    lastError: Type.Union([Type.String(), Type.Null()]),
    nextAttemptAt: Type.Union([Timestamp, Type.Null()]),
    lastAttemptAt: Type.Union([Timestamp, Type.Null()]),
    createdAt: Timestamp,
  },
  { title: 'WebhookDelivery' },
);

export const DeliveryParams = Type.Object({ id: Uuid, deliveryId: Uuid }, { additionalProperties: false });

export const DeliveriesQuery = Type.Object(
  { limit: Type.Optional(Limit), cursor: Type.Optional(Cursor) },
  { additionalProperties: false },
);
