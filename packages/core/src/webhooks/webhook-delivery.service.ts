import type { ResourceEventMessageV1 } from '@ledgerbase/contracts';
import type { Db, UserRole } from '@ledgerbase/db';
import { type Clock, type Logger, type Metrics, PoisonMessageError } from '@ledgerbase/platform';
import { uuidv7 } from 'uuidv7';
import { userActor, visibleToViewers } from '../events/event-visibility.ts';
import {
  type AttemptOutcome,
  type ClaimedDelivery,
  claimDueDeliveries,
  disableWebhook,
  insertDeliveries,
  listSubscribedWebhooks,
  recordAttempt,
} from './webhook.repository.ts';
import { type SecretBox, secretContext } from './webhook.types.ts';
import { MAX_ATTEMPTS, MAX_RETRY_AFTER_MS, retryDelayMs } from './webhook-backoff.ts';
import type { WebhookResponse, WebhookSender } from './webhook-sender.ts';

export type WebhookDeliveryDeps = {
  db: Db;
  clock: Clock;
  logger: Logger;
  sender: WebhookSender;
  secrets: SecretBox;
  metrics?: Metrics | undefined;
  random?: () => number;
  /** How long a claimed delivery stays with its worker before another may take it (crash). */
  leaseMs?: number;
  maxAttempts?: number;
};

type Owner = { id: string; role: UserRole; disabled_at: Date | null };

const isForeignKeyViolation = (error: unknown) => (error as { code?: string } | null)?.code === '23503';

/**
 * Webhook delivery (CONTRACT "Events", Standard Webhooks): `fanOut` turns a consumed event into one
 * pending delivery per subscribed webhook whose owner may see the resource; `claim` and `attempt`
 * then deliver them at least once, with back-off, a dead-letter state and the owner's visibility
 * checked again before every attempt.
 */
export function createWebhookDeliveryService(deps: WebhookDeliveryDeps) {
  const { db, clock, logger, sender, secrets, leaseMs = 120_000, maxAttempts = MAX_ATTEMPTS } = deps;
  const random = deps.random ?? Math.random;
  const outcomes = deps.metrics?.counter(
    'ledgerbase_webhook_deliveries_total',
    'Webhook delivery attempts by outcome (delivered, retry, failed, skipped)',
    ['outcome'],
  );
  const failures = deps.metrics?.counter(
    'ledgerbase_webhook_failures_total',
    'Webhook attempts that did not succeed (non-2xx, timeout, refused)',
    [],
  );
  const deadLetters = deps.metrics?.counter(
    'ledgerbase_webhook_dead_letters_total',
    'Webhook deliveries given up on (attempts exhausted or 410 Gone): status "failed"',
    [],
  );

  const owners = (ids: readonly string[]): Promise<Owner[]> =>
    db.selectFrom('users').select(['id', 'role', 'disabled_at']).where('id', 'in', ids).execute();

  /** The owners among `ownerIds` who may see the event's resource now (enabled users only). */
  async function ownersWhoSee(subject: { resourceId: string; ownerId: string }, ownerIds: string[]) {
    const actors = (await owners([...new Set(ownerIds)]))
      .filter((owner) => owner.disabled_at === null)
      .map(userActor);
    const visible = await visibleToViewers(db, subject, actors);
    return new Set([...visible].map((actor) => actor.userId));
  }

  function judge(delivery: ClaimedDelivery, response: WebhookResponse, now: Date): AttemptOutcome {
    const base = {
      responseStatus: response.status ?? null,
      durationMs: response.durationMs,
      error: response.error ?? null,
    };
    const status = response.status;
    if (status !== undefined && status >= 200 && status < 300) {
      return { ...base, status: 'delivered', error: null, nextAttemptAt: null };
    }
    const error = base.error ?? (status !== undefined && status < 400 ? 'redirects are not followed' : null);
    if (status === 410 || delivery.attempts >= maxAttempts) {
      return { ...base, error, status: 'failed', nextAttemptAt: null };
    }
    let delay = retryDelayMs(delivery.attempts, random);
    if ((status === 429 || status === 503) && response.retryAfterMs !== undefined) {
      delay = Math.max(delay, Math.min(response.retryAfterMs, MAX_RETRY_AFTER_MS));
    }
    return { ...base, error, status: 'pending', nextAttemptAt: new Date(now.getTime() + delay) };
  }

  return {
    /**
     * Idempotent: a redelivered message finds its rows already there. Takes several messages at once
     * (the consumer gathers them): one query for the subscriptions of the whole batch, one insert.
     */
    async fanOut(messages: readonly ResourceEventMessageV1[]): Promise<number> {
      const types = [...new Set(messages.map((message) => message.data.type))];
      const webhooks = await listSubscribedWebhooks(db, types);
      if (webhooks.length === 0) return 0;
      const enabled = (await owners([...new Set(webhooks.map((webhook) => webhook.owner_id))]))
        .filter((owner) => owner.disabled_at === null)
        .map(userActor);
      const now = clock.now();
      const rows = [];
      for (const message of messages) {
        const subscribed = webhooks.filter((webhook) => webhook.events.includes(message.data.type));
        if (subscribed.length === 0) continue;
        const viewers = enabled.filter((actor) =>
          subscribed.some((webhook) => webhook.owner_id === actor.userId),
        );
        const subject = { resourceId: message.data.resourceId, ownerId: message.ownerId };
        const allowed = new Set(
          [...(await visibleToViewers(db, subject, viewers))].map((actor) => actor.userId),
        );
        for (const webhook of subscribed) {
          if (!allowed.has(webhook.owner_id)) continue;
          rows.push({
            id: uuidv7(),
            webhook_id: webhook.id,
            event_seq: message.seq,
            event_type: message.data.type,
            message_id: `msg_${message.eventId}`,
            status: 'pending' as const,
            attempts: 0,
            next_attempt_at: now,
            created_at: now,
          });
        }
      }
      try {
        return await insertDeliveries(db, rows);
      } catch (error) {
        // An event row that does not exist will never exist: retrying cannot help.
        if (isForeignKeyViolation(error)) throw new PoisonMessageError('unknown event', { cause: error });
        throw error;
      }
    },

    claim(limit: number): Promise<ClaimedDelivery[]> {
      const now = clock.now();
      return claimDueDeliveries(db, { now, leaseUntil: new Date(now.getTime() + leaseMs), limit });
    },

    async attempt(delivery: ClaimedDelivery): Promise<AttemptOutcome> {
      let outcome: AttemptOutcome;
      const skip = (error: string): AttemptOutcome => ({
        status: 'skipped',
        responseStatus: null,
        durationMs: null,
        error,
        nextAttemptAt: null,
      });
      const subject = { resourceId: delivery.resource_id, ownerId: delivery.resource_owner };
      if (delivery.webhook_disabled) outcome = skip('the webhook is disabled');
      else if (!(await ownersWhoSee(subject, [delivery.webhook_owner])).has(delivery.webhook_owner)) {
        outcome = skip('the webhook owner can no longer see this resource');
      } else {
        const now = clock.now();
        const payload = JSON.stringify({
          type: delivery.event_type,
          timestamp: delivery.payload.occurredAt,
          data: delivery.payload,
        });
        let secret: string | undefined;
        try {
          secret = secrets.decrypt(delivery.secret, secretContext(delivery.webhook_id));
        } catch (error) {
          logger.error({ err: error, webhook: delivery.webhook_id }, 'webhook secret cannot be decrypted');
        }
        // An unreadable secret (key removed from the ring) counts as a failed attempt, not a crash:
        // the delivery keeps its schedule and ends dead-lettered instead of being re-leased forever.
        const response: WebhookResponse = secret
          ? await sender.send({
              url: delivery.url,
              secret,
              messageId: delivery.message_id,
              timestamp: now,
              payload,
            })
          : { durationMs: 0, error: 'the signing secret cannot be decrypted with the configured keys' };
        outcome = judge(delivery, response, now);
        if (outcome.status !== 'delivered') failures?.inc();
        if (response.status === 410) {
          await disableWebhook(db, delivery.webhook_id, now, 'the receiver answered 410 Gone');
        }
      }
      await recordAttempt(db, delivery, outcome);
      outcomes?.inc({ outcome: outcome.status === 'pending' ? 'retry' : outcome.status });
      if (outcome.status === 'failed') {
        deadLetters?.inc();
        logger.warn(
          { delivery: delivery.id, webhook: delivery.webhook_id },
          'webhook delivery dead-lettered',
        );
      }
      return outcome;
    },
  };
}

export type WebhookDeliveryService = ReturnType<typeof createWebhookDeliveryService>;
