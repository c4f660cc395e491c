import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, parseEncryptionKey } from '@ledgerbase/platform';

/**
 * Field encryption at rest (seed section 7, "AES-256 at rest"): AES-256-GCM with a random 96-bit IV
 * per value. A ciphertext names its key, `v1.<keyId>.<iv>.<ciphertext+tag>` (base64url), so a ring
 * of the active key plus older ones can read everything while `ledgerbase keys rotate` rewrites rows.
 * The master keys never touch data: HKDF derives one subkey to encrypt and one for blind indexes.
 */
export type KeyRing = Readonly<{
  activeKeyId: string;
  keyIds: readonly string[];
  /** `context` is bound as additional data (e.g. `users.email:<id>`): a value moved elsewhere fails. */
  encrypt(plaintext: string, context: string): string;
  decrypt(ciphertext: string, context: string): string;
  /** The key id a ciphertext was written with (without decrypting it). */
  keyIdOf(ciphertext: string): string;
  /** HMAC-SHA256 under the active key's index subkey: equal inputs give equal, unguessable tokens. */
  blindIndex(value: string, context: string): string;
  /** The blind index under every key in the ring, active first: lookups keep working mid-rotation. */
  blindIndexes(value: string, context: string): string[];
}>;

export class KeyRingError extends Error {}

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const SALT = Buffer.from('ledgerbase/key-ring');
const B64URL = /^[A-Za-z0-9_-]+$/;

type DerivedKey = { id: string; encryption: Buffer; index: Buffer };

const hkdf = (master: Buffer, info: string, length: number) =>
  Buffer.from(hkdfSync('sha256', master, SALT, info, length));

function derive(master: Buffer): DerivedKey {
  if (master.length !== 32) throw new KeyRingError('an encryption master key must be 32 bytes');
  return {
    // Public and stable: the same master key has the same id on every instance, and reveals nothing.
    id: hkdf(master, 'ledgerbase/key-id/v1', 6).toString('base64url'),
    encryption: hkdf(master, 'ledgerbase/pii/aes-256-gcm/v1', 32),
    index: hkdf(master, 'ledgerbase/pii/blind-index/v1', 32),
  };
}

const aad = (keyId: string, context: string) => Buffer.from(`${VERSION}.${keyId}.${context}`, 'utf8');

export function createKeyRing(active: Buffer, previous: readonly Buffer[] = []): KeyRing {
  const current = derive(active);
  const keys = new Map<string, DerivedKey>([[current.id, current]]);
  for (const master of previous) {
    const key = derive(master);
    if (!keys.has(key.id)) keys.set(key.id, key);
  }

  function parse(ciphertext: string): { key: DerivedKey; iv: Buffer; body: Buffer; tag: Buffer } {
    const parts = ciphertext.split('.');
    if (parts.length !== 4 || parts[0] !== VERSION || !parts.slice(1).every((p) => B64URL.test(p))) {
      throw new KeyRingError('malformed ciphertext');
    }
    const [, keyId, iv, sealed] = parts as [string, string, string, string];
    const key = keys.get(keyId);
    if (!key) throw new KeyRingError(`unknown encryption key id "${keyId}"`);
    const ivBytes = Buffer.from(iv, 'base64url');
    const sealedBytes = Buffer.from(sealed, 'base64url');
    if (ivBytes.length !== IV_BYTES || sealedBytes.length < TAG_BYTES)
      throw new KeyRingError('malformed ciphertext');
    return {
      key,
      iv: ivBytes,
      body: sealedBytes.subarray(0, sealedBytes.length - TAG_BYTES),
      tag: sealedBytes.subarray(sealedBytes.length - TAG_BYTES),
    };
  }

  const index = (key: DerivedKey, value: string, context: string) =>
    createHmac('sha256', key.index).update(`${context}\u0000${value}`, 'utf8').digest('base64url');

  return Object.freeze({
    activeKeyId: current.id,
    keyIds: [...keys.keys()],
    encrypt(plaintext: string, context: string): string {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', current.encryption, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad(current.id, context));
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return `${VERSION}.${current.id}.${iv.toString('base64url')}.${body.toString('base64url')}`;
    },
    decrypt(ciphertext: string, context: string): string {
      const { key, iv, body, tag } = parse(ciphertext);
      const decipher = createDecipheriv('aes-256-gcm', key.encryption, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad(key.id, context));
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
      } catch {
        throw new KeyRingError('ciphertext failed authentication (tampered, or stored under another record)');
      }
    },
    keyIdOf: (ciphertext: string) => parse(ciphertext).key.id,
    blindIndex: (value: string, context: string) => index(current, value, context),
    blindIndexes: (value: string, context: string) =>
      [...keys.values()].map((key) => index(key, value, context)),
  });
}

/**
 * The ring from config: `ENCRYPTION_KEY` (+ `ENCRYPTION_KEYS_PREVIOUS`) when given, so every instance
 * shares it; otherwise a key generated once into DATA_DIR/keys/encryption.key (0600), like the JWT
 * key in embedded mode. Creation is atomic (link), so instances starting together agree on one key.
 */
export function loadKeyRing(options: {
  key: Buffer | undefined;
  previous: readonly Buffer[];
  dataDir: string;
}): KeyRing {
  return createKeyRing(options.key ?? generatedKey(options.dataDir), options.previous);
}

function generatedKey(dataDir: string): Buffer {
  const file = path.join(dataDir, 'keys', 'encryption.key');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ConfigError('ENCRYPTION_KEY', `is unset and ${file} cannot be read`);
    }
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(temporary, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    try {
      linkSync(temporary, file);
    } catch (linkError) {
      if ((linkError as NodeJS.ErrnoException).code !== 'EEXIST') throw linkError;
    } finally {
      rmSync(temporary, { force: true });
    }
    text = readFileSync(file, 'utf8');
  }
  try {
    return parseEncryptionKey(text, 'ENCRYPTION_KEY');
  } catch {
    throw new ConfigError('ENCRYPTION_KEY', `is unset and ${file} does not hold a 32-byte key`);
  }
}
