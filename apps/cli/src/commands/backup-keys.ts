import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  AUDIT_LOG_ORIGIN,
  type AuditKeys,
  createUserStore,
  createWebhookSecretKeys,
  loadAuditKeys,
  loadKeyRing,
  loadSigningKeys,
  parseVerifierKey,
} from '@ledgerbase/core';
import type { Db } from '@ledgerbase/db';
import type { Config } from '@ledgerbase/platform';
import { type BackupManifest, checksumError, type MemberSource, sha256 } from './backup-archive.ts';

/**
 * Keys and backups (docs/operations.md "Backups and restore"): the database holds PII encrypted
 * under ENCRYPTION_KEY and checkpoints signed with a key derived from the JWT key (or
 * AUDIT_SIGNING_KEY). None of them is in the database, so none is in a backup unless the operator
 * asks for DATA_DIR/keys with `--include-keys`, knowing the file then unlocks the data it holds.
 */
const keysDirOf = (dataDir: string) => path.join(dataDir, 'keys');
const JWT_KEY_FILE = 'jwt-signing-key.pem';
const ENCRYPTION_KEY_FILE = 'encryption.key';

export type KeyMember = MemberSource & { bytes: Buffer };

/** DATA_DIR/keys as backup members (`keys/<file>`, mode 0600). */
export function keyMembers(dataDir: string): KeyMember[] {
  const directory = keysDirOf(dataDir);
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter(
      (name) => /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) && statSync(path.join(directory, name)).isFile(),
    )
    .sort()
    .map((name) => ({ name: `keys/${name}`, mode: 0o600, bytes: readFileSync(path.join(directory, name)) }));
}

/** The warning every backup prints: what is not in it, or that it holds secrets. */
export function keyWarning(config: Config, included: readonly string[]): string {
  const fromEnvironment = [
    config.encryptionKey && 'ENCRYPTION_KEY',
    config.encryptionKeysPrevious.length > 0 && 'ENCRYPTION_KEYS_PREVIOUS',
    config.jwtPrivateKey && 'JWT_PRIVATE_KEY',
    config.auditSigningKey && 'AUDIT_SIGNING_KEY',
  ].filter(Boolean);
  const environmentLine =
    fromEnvironment.length > 0
      ? `\n  ${fromEnvironment.join(', ')} come(s) from the environment and are NOT in this backup either.`
      : '';
  if (included.length > 0) {
    return (
      `WARNING: this backup CONTAINS secret keys (${included.join(', ')}): whoever holds the file can ` +
      "decrypt the users' emails and names and sign tokens and audit checkpoints. Keep it encrypted " +
      `and access-controlled like the keys themselves.${environmentLine}`
    );
  }
  return (
    'WARNING: this backup does NOT contain the keys. Back them up separately, kept apart from it:\n' +
    `  - the encryption key (ENCRYPTION_KEY, or ${path.join(keysDirOf(config.dataDir), ENCRYPTION_KEY_FILE)}): ` +
    'without it user emails, names and webhook secrets in the backup are unreadable, for good;\n' +
    `  - the JWT signing key (JWT_PRIVATE_KEY, or ${path.join(keysDirOf(config.dataDir), JWT_KEY_FILE)}): ` +
    'without it every session ends, and the audit checkpoints (signed with a key derived from it unless ' +
    'AUDIT_SIGNING_KEY is set) can only be checked with their public key (`restore --public-key`).' +
    environmentLine
  );
}

export type KeyToWrite = { file: string; bytes: Buffer };

/**
 * The key members of a backup, checked against the manifest and against DATA_DIR/keys: a key already
 * there must be byte-identical (the data can be readable under one key only), else we refuse before
 * anything is written.
 */
export function planKeyRestore(
  dataDir: string,
  manifest: BackupManifest,
  read: (name: string) => Buffer,
): KeyToWrite[] {
  const plan: KeyToWrite[] = [];
  for (const digest of manifest.keys) {
    const bytes = read(digest.name);
    const actual = sha256(bytes);
    if (actual !== digest.sha256) throw checksumError(digest, actual);
    const file = path.join(keysDirOf(dataDir), path.basename(digest.name));
    if (existsSync(file)) {
      if (!readFileSync(file).equals(bytes)) {
        throw new Error(
          `${file} differs from the key in the backup: move it aside or restore into another DATA_DIR`,
        );
      }
      continue;
    }
    plan.push({ file, bytes });
  }
  return plan;
}

export function writeKeys(plan: readonly KeyToWrite[]): void {
  for (const { file, bytes } of plan) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, bytes, { mode: 0o600, flag: 'wx' });
  }
}

const jwtKeyFile = (config: Config) => path.join(keysDirOf(config.dataDir), JWT_KEY_FILE);

/** Where the checkpoint key for verification will come from, without generating one. */
export function auditKeySource(config: Config, publicKeys: readonly string[], backupHasJwtKey: boolean) {
  if (publicKeys.length > 0) return '--public-key';
  if (config.auditSigningKey) return 'AUDIT_SIGNING_KEY';
  if (config.jwtPrivateKey) return 'JWT_PRIVATE_KEY';
  if (backupHasJwtKey) return 'the keys in the backup';
  if (existsSync(jwtKeyFile(config))) return jwtKeyFile(config);
  return undefined;
}

/** The verifier's trusted keys, like `audit verify`, but never generating a key as a side effect. */
export async function restoreVerifierKeys(
  config: Config,
  publicKeys: readonly string[],
): Promise<Pick<AuditKeys, 'trusted' | 'origin'>> {
  if (publicKeys.length > 0) {
    const trusted = publicKeys.map((vkey) => parseVerifierKey(vkey));
    return { trusted, origin: trusted[0]!.name };
  }
  const trustedOnly = () => ({
    trusted: config.auditTrustedKeys.map((vkey) => parseVerifierKey(vkey)),
    origin: AUDIT_LOG_ORIGIN,
  });
  if (config.auditSigningKey) {
    const noDerivation = {
      deriveSecret: (): Buffer => {
        throw new Error('unused: AUDIT_SIGNING_KEY is set');
      },
    };
    return loadAuditKeys({
      pem: config.auditSigningKey,
      signingKeys: noDerivation,
      trusted: config.auditTrustedKeys,
    });
  }
  if (!config.jwtPrivateKey && !existsSync(jwtKeyFile(config))) return trustedOnly();
  const signingKeys = await loadSigningKeys({ pem: config.jwtPrivateKey, dataDir: config.dataDir });
  return loadAuditKeys({ pem: undefined, signingKeys, trusted: config.auditTrustedKeys });
}

/**
 * After a restore: can the configured encryption key read the restored PII and webhook secrets?
 * A wrong key is a failure (the server would refuse to start on it); no key at all is a warning,
 * since the key may still follow from its own backup.
 */
export async function checkEncryptionKey(
  config: Config,
  db: Db,
): Promise<{ ok: true; note: string } | { ok: false; problem: string; fatal: boolean }> {
  const file = path.join(keysDirOf(config.dataDir), ENCRYPTION_KEY_FILE);
  if (!config.encryptionKey && !existsSync(file)) {
    return {
      ok: false,
      fatal: false,
      problem:
        `WARNING: no encryption key (ENCRYPTION_KEY unset, ${file} absent): user emails, names and webhook ` +
        'secrets stay unreadable until you put the key back from its own backup. Do that before starting ' +
        'the server: it would otherwise generate a new key.',
    };
  }
  try {
    // The file exists or the key is set, so loadKeyRing reads and never generates.
    const ring = loadKeyRing({
      key: config.encryptionKey,
      previous: config.encryptionKeysPrevious,
      dataDir: config.dataDir,
    });
    await createUserStore(ring).assertReadable(db);
    await createWebhookSecretKeys(ring).assertReadable(db);
    return {
      ok: true,
      note: `the encryption key (${ring.activeKeyId}) reads every restored user and secret`,
    };
  } catch (error) {
    return {
      ok: false,
      fatal: true,
      problem: `the encryption key cannot read the restored data: ${(error as Error).message}`,
    };
  }
}
