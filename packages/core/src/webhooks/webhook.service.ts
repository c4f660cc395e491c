import { randomBytes } from 'node:crypto';
import type { Db, EventType } from '@ledgerbase/db';
import type { Clock } from '@ledgerbase/platform';
import { uuidv7 } from 'uuidv7';
import { type Actor, assertScope } from '../access/index.ts';
import { AppError } from '../errors/index.ts';
import type { CursorCodec } from '../resources/cursor.ts';
import type { Page } from '../resources/resource.types.ts';
import {
  countOwnWebhooks,
  deleteOwnWebhook,
  findDelivery,
  findOwnWebhook,
  insertWebhook,
  listDeliveries,
  listOwnWebhooks,
  scheduleRedelivery,
} from './webhook.repository.ts';
import {
  type SecretBox,
  secretContext,
  toDelivery,
  toWebhook,
  type Webhook,
  type WebhookDelivery,
} from './webhook.types.ts';
import { type Lookup, resolveWebhookUrl } from './webhook-url.ts';

/** Per user (OWASP API6: the cost of a side effect must be bounded). */
export const MAX_WEBHOOKS_PER_USER = 25;

export type WebhookServiceDeps = {
  db: Db;
  clock: Clock;
  secrets: SecretBox;
  cursors: CursorCodec;
  allowPrivate: boolean;
  lookup?: Lookup;
  /** A delivery was scheduled by hand: wake the dispatcher if it runs in this process. */
  onScheduled?: () => void;
};

/**
 * Webhook subscriptions (CONTRACT "Events"). A webhook belongs to the user who made it and is
 * invisible to everyone else (404). Subscribing needs read access: an API key needs
 * `resources:read`. What a webhook receives is decided per event at delivery time.
 */
export function createWebhookService(deps: WebhookServiceDeps) {
  const { db, clock, secrets, cursors } = deps;

  async function ownWebhook(actor: Actor, id: string) {
    assertScope(actor, 'resources:read');
    const row = await findOwnWebhook(db, actor.userId, id);
    if (!row) throw AppError.notFound('Webhook');
    return row;
  }

  return {
    async create(
      actor: Actor,
      input: { url: string; events: EventType[]; description?: string | undefined },
    ): Promise<Webhook & { secret: string }> {
      assertScope(actor, 'resources:read');
      const url = await resolveWebhookUrl(input.url, {
        allowPrivate: deps.allowPrivate,
        ...(deps.lookup && { lookup: deps.lookup }),
      });
      if ((await countOwnWebhooks(db, actor.userId)) >= MAX_WEBHOOKS_PER_USER) {
        throw new AppError('CONFLICT', `At most ${MAX_WEBHOOKS_PER_USER} webhooks per user`);
      }
      // Standard Webhooks: `whsec_` + base64 of 24 to 64 random bytes, unique per endpoint.
      const secret = `whsec_${randomBytes(32).toString('base64')}`;
      const id = uuidv7();
      const row = await insertWebhook(db, {
        id,
        owner_id: actor.userId,
        url: url.href,
        events: [...new Set(input.events)],
        description: input.description?.trim() || null,
        secret: secrets.encrypt(secret, secretContext(id)),
        created_at: clock.now(),
        disabled_at: null,
        disabled_reason: null,
      });
      return { ...toWebhook(row), secret };
    },

    async list(actor: Actor): Promise<{ data: Webhook[] }> {
      assertScope(actor, 'resources:read');
      return { data: (await listOwnWebhooks(db, actor.userId)).map(toWebhook) };
    },

    async remove(actor: Actor, id: string): Promise<void> {
      assertScope(actor, 'resources:read');
      if (!(await deleteOwnWebhook(db, actor.userId, id))) throw AppError.notFound('Webhook');
    },

    async deliveries(
      actor: Actor,
      id: string,
      query: { limit: number; cursor?: string | undefined },
    ): Promise<Page<WebhookDelivery>> {
      await ownWebhook(actor, id);
      const scope = `deliveries:${actor.userId}:${id}`;
      const before = query.cursor === undefined ? undefined : cursors.decode(query.cursor, scope).id;
      const rows = await listDeliveries(db, id, { before, limit: query.limit });
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      const nextCursor =
        rows.length > query.limit && last ? cursors.encode({ key: 0, id: last.id }, scope) : null;
      return { data: page.map(toDelivery), nextCursor };
    },

    /** Manual redelivery: one more attempt now, same `webhook-id` (Standard Webhooks). */
    async redeliver(actor: Actor, webhookId: string, deliveryId: string): Promise<WebhookDelivery> {
      await ownWebhook(actor, webhookId);
      if (!(await scheduleRedelivery(db, webhookId, deliveryId, clock.now()))) {
        throw AppError.notFound('Delivery');
      }
      deps.onScheduled?.();
      return toDelivery((await findDelivery(db, webhookId, deliveryId))!);
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
