import type { Db } from '@ledgerbase/db';
import { ConfigError } from '@ledgerbase/platform';
import type { KeyRing } from '../crypto/key-ring.ts';
import { rewriteInBatches } from '../shared/batches.ts';
import { secretContext } from './webhook.types.ts';
import {
  countWebhookSecretsNotUnder,
  lockWebhookSecretsNotUnder,
  setWebhookSecret,
  webhookSecretKeyIds,
} from './webhook-secret.repository.ts';

export type SecretRotationResult = { rewritten: number; remaining: number };

/**
 * Webhook signing secrets are encrypted with the same key ring as users' PII, so retiring a key
 * means re-encrypting them too (`ledgerbase keys rotate`); a secret left under a retired key could
 * no longer sign deliveries.
 */
export function createWebhookSecretKeys(ring: KeyRing) {
  return {
    /** Fails when a stored secret names a key the ring lacks. */
    async assertReadable(db: Db): Promise<void> {
      const missing = (await webhookSecretKeyIds(db)).filter((id) => !ring.keyIds.includes(id));
      if (missing.length > 0) {
        throw new ConfigError(
          'ENCRYPTION_KEYS_PREVIOUS',
          `lacks the key(s) ${missing.map((id) => `"${id}"`).join(', ')} that webhook secrets still use; add them back and run \`ledgerbase keys rotate\``,
        );
      }
    },

    /** Re-encrypts every secret under the active key, `batchSize` rows per transaction. */
    async rotate(db: Db, options: { batchSize?: number } = {}): Promise<SecretRotationResult> {
      const limit = options.batchSize ?? 500;
      const keyId = ring.activeKeyId;
      const { rows: rewritten } = await rewriteInBatches(db, {
        lock: (tx, after) => lockWebhookSecretsNotUnder(tx, { keyId, after, limit }),
        rewrite: (tx, row) => {
          const context = secretContext(row.id);
          return setWebhookSecret(tx, row.id, ring.encrypt(ring.decrypt(row.secret, context), context));
        },
      });
      return { rewritten, remaining: await countWebhookSecretsNotUnder(db, keyId) };
    },
  };
}
