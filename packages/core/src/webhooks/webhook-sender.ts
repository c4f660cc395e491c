import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Webhook } from 'standardwebhooks';
import { Agent, request } from 'undici';
import { guardedLookup, hostOf, type Lookup, refusedAddress } from './webhook-url.ts';

export type WebhookRequest = Readonly<{
  url: string;
  /** `whsec_` + base64. */
  secret: string;
  /** `webhook-id`: the same on every attempt of one delivery. */
  messageId: string;
  /** `webhook-timestamp`: the time of this attempt. */
  timestamp: Date;
  payload: string;
}>;

export type WebhookResponse = Readonly<{
  status?: number;
  durationMs: number;
  error?: string;
  /** From `Retry-After` on 429/503. */
  retryAfterMs?: number;
}>;

export type WebhookSender = {
  send(request: WebhookRequest): Promise<WebhookResponse>;
  close(): Promise<void>;
};

/** What we read of a receiver's answer before dropping the rest: its body is never stored. */
const MAX_RESPONSE_BYTES = 64 * 1024;

function describe(error: unknown): string {
  const err = error as { name?: string; code?: string; message?: string; cause?: { code?: string } };
  if (err?.name === 'TimeoutError' || err?.code === 'UND_ERR_HEADERS_TIMEOUT') return 'timed out';
  const code = err?.cause?.code ?? err?.code;
  return `${code ? `${code}: ` : ''}${err?.message ?? String(error)}`.slice(0, 500);
}

function retryAfterMs(value: string | string[] | undefined): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value;
  if (!raw) return undefined;
  if (/^\d+$/.test(raw.trim())) return Number(raw) * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * POSTs Standard Webhooks deliveries (`webhook-id`, `webhook-timestamp`, `webhook-signature`) with
 * undici: bounded connect, header and body timeouts, redirects never followed (a 3xx is a failed
 * attempt), and sockets that connect only to addresses the SSRF guard checked.
 */
export function createWebhookSender(options: {
  allowPrivate: boolean;
  timeoutMs?: number;
  lookup?: Lookup;
}): WebhookSender {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const agent = new Agent({
    connect: { lookup: guardedLookup(options.allowPrivate, options.lookup), timeout: 5000 },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    connections: 4,
  });
  return {
    async send(input) {
      const url = new URL(input.url);
      const host = hostOf(url);
      // IP literals connect without a lookup, so the guard checks them here.
      const refused = isIP(host) ? refusedAddress(host, options.allowPrivate) : undefined;
      if (refused) return { durationMs: 0, error: `refused: ${refused}` };
      const signature = new Webhook(input.secret).sign(input.messageId, input.timestamp, input.payload);
      const started = performance.now();
      const elapsed = () => Math.round(performance.now() - started);
      try {
        const response = await request(url, {
          method: 'POST',
          dispatcher: agent,
          signal: AbortSignal.timeout(timeoutMs),
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Ledgerbase-Webhooks/1',
            'webhook-id': input.messageId,
            'webhook-timestamp': String(Math.floor(input.timestamp.getTime() / 1000)),
            'webhook-signature': signature,
          },
          body: input.payload,
        });
        await response.body.dump({ limit: MAX_RESPONSE_BYTES }).catch(() => {});
        const after = retryAfterMs(response.headers['retry-after']);
        return {
          status: response.statusCode,
          durationMs: elapsed(),
          ...(after !== undefined && { retryAfterMs: after }),
        };
      } catch (error) {
        return { durationMs: elapsed(), error: describe(error) };
      }
    },
    close: () => agent.close(),
  };
}
