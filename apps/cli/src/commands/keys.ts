import {
  createUserStore,
  createWebhookSecretKeys,
  type KeyRing,
  loadKeyRing,
  type ReencryptResult,
  type UserStore,
} from '@ledgerbase/core';
import { type Db, migrateToLatest } from '@ledgerbase/db';
import type { Config } from '@ledgerbase/platform';
import { withDatabase } from '../database.ts';

const print = (line: string) => process.stdout.write(`${line}\n`);

export const DEFAULT_ROTATE_BATCH = 500;

/** The configured key ring (ENCRYPTION_KEY, ENCRYPTION_KEYS_PREVIOUS, or DATA_DIR). */
const configuredKeyRing = (config: Config): KeyRing =>
  loadKeyRing({
    key: config.encryptionKey,
    previous: config.encryptionKeysPrevious,
    dataDir: config.dataDir,
  });

export const configuredUserStore = (config: Config): UserStore => createUserStore(configuredKeyRing(config));

export type RotationResult = ReencryptResult & { webhookSecrets: { rewritten: number; remaining: number } };

/**
 * The core of `ledgerbase keys rotate`: every user row re-encrypted and re-indexed under the active
 * key, one transaction per batch. Servers keep serving meanwhile: they read with every key of the
 * ring, and only the batch being rewritten is locked (for writes) while its transaction runs.
 */
export async function rotateEncryptionKeys(
  db: Db,
  users: UserStore,
  options: { batchSize?: number; log?: (line: string) => void } = {},
): Promise<RotationResult> {
  const log = options.log ?? print;
  const webhooks = createWebhookSecretKeys(users.ring);
  // Fails before any write when a ciphertext names a key the ring lacks.
  await users.assertReadable(db);
  await webhooks.assertReadable(db);
  const older = users.ring.keyIds.filter((id) => id !== users.ring.activeKeyId);
  log(`active key ${users.ring.activeKeyId}${older.length ? `; older keys ${older.join(', ')}` : ''}`);
  const result = await users.rotate(db, {
    batchSize: options.batchSize ?? DEFAULT_ROTATE_BATCH,
    onProgress: (p) => log(`batch ${p.batch}: ${p.rows} users re-encrypted (${p.done}/${p.total})`),
  });
  log(
    `rotated ${result.rewritten} of ${result.total} users in ${result.batches} batches; ` +
      (result.remaining === 0
        ? 'every user is now under the active key: older keys can leave ENCRYPTION_KEYS_PREVIOUS'
        : `${result.remaining} still need rotation: run the command again`),
  );
  const webhookSecrets = await webhooks.rotate(db, { batchSize: options.batchSize ?? DEFAULT_ROTATE_BATCH });
  log(
    `re-encrypted ${webhookSecrets.rewritten} webhook signing secrets` +
      (webhookSecrets.remaining === 0
        ? ''
        : `; ${webhookSecrets.remaining} still need rotation: run the command again`),
  );
  return { ...result, webhookSecrets };
}

export function runKeys(
  config: Config,
  action: string | undefined,
  options: { 'batch-size'?: string | undefined },
): Promise<number> {
  const batchSize =
    options['batch-size'] === undefined ? DEFAULT_ROTATE_BATCH : Number(options['batch-size']);
  if (action !== 'rotate' || !Number.isInteger(batchSize) || batchSize < 1 || batchSize > 100_000) {
    process.stderr.write('usage: ledgerbase keys rotate [--batch-size <1..100000>]\n');
    return Promise.resolve(1);
  }
  return withDatabase(config, async ({ db }) => {
    await migrateToLatest(db);
    const result = await rotateEncryptionKeys(db, configuredUserStore(config), { batchSize });
    return result.remaining === 0 && result.webhookSecrets.remaining === 0 ? 0 : 1;
  });
}
