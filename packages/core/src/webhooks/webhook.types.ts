import type { EventType, WebhookRow } from '@ledgerbase/db';
import type { DeliveryRecord } from './webhook.repository.ts';

export type Webhook = {
  id: string;
  url: string;
  events: EventType[];
  description: string | null;
  createdAt: string;
  disabled: boolean;
  disabledReason: string | null;
};

export type WebhookDelivery = {
  id: string;
  webhookId: string;
  eventId: string;
  eventType: EventType;
  messageId: string;
  status: DeliveryRecord['status'];
  attempts: number;
  responseStatus: number | null;
  durationMs: number | null;
  lastError: string | null;
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  createdAt: string;
};

/** Encrypts secrets at rest; the key ring (`crypto/key-ring.ts`) is one. */
export type SecretBox = {
  encrypt(plaintext: string, context: string): string;
  decrypt(ciphertext: string, context: string): string;
};

export const secretContext = (webhookId: string) => `webhook-secret:${webhookId}`;

export const toWebhook = (row: WebhookRow): Webhook => ({
  id: row.id,
  url: row.url,
  events: row.events,
  description: row.description,
  createdAt: row.created_at.toISOString(),
  disabled: row.disabled_at !== null,
  disabledReason: row.disabled_reason,
});

export const toDelivery = (row: DeliveryRecord): WebhookDelivery => ({
  id: row.id,
  webhookId: row.webhook_id,
  eventId: row.event_id,
  eventType: row.event_type,
  messageId: row.message_id,
  status: row.status,
  attempts: row.attempts,
  responseStatus: row.response_status,
  durationMs: row.duration_ms,
  lastError: row.last_error,
  nextAttemptAt: row.status === 'pending' ? (row.next_attempt_at?.toISOString() ?? null) : null,
  lastAttemptAt: row.last_attempt_at?.toISOString() ?? null,
  createdAt: row.created_at.toISOString(),
});
