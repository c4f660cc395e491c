import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError } from '@ledgerbase/platform';
import { afterAll, describe, expect, it } from 'vitest';
import { createKeyRing, KeyRingError, loadKeyRing } from '../src/crypto/key-ring.ts';

const FORMAT = /^v1\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]+)$/;
const keyA = randomBytes(32);
const keyB = randomBytes(32);
const ctx = 'users.email:0192f0e4-0000-7000-8000-000000000001';

/** Replaces one character of one dot-separated part with a different base64url character. */
function tamper(ciphertext: string, part: number, at = 3): string {
  const parts = ciphertext.split('.');
  const text = parts[part]!;
  const swapped = text[at] === 'A' ? 'B' : 'A';
  parts[part] = `${text.slice(0, at)}${swapped}${text.slice(at + 1)}`;
  return parts.join('.');
}

describe('key ring', () => {
  it('round-trips values in the self-describing v1 format', () => {
    const ring = createKeyRing(keyA);
    for (const value of ['alice@example.com', 'Zoë Ångström 🦊', '', 'x'.repeat(5000)]) {
      const sealed = ring.encrypt(value, ctx);
      const match = FORMAT.exec(sealed);
      expect(match?.[1]).toBe(ring.activeKeyId);
      expect(Buffer.from(match![3]!, 'base64url').length).toBe(Buffer.byteLength(value) + 16);
      expect(sealed).not.toContain(value || '\u0000');
      expect(ring.decrypt(sealed, ctx)).toBe(value);
      expect(ring.keyIdOf(sealed)).toBe(ring.activeKeyId);
    }
  });

  it('rejects a tampered IV, ciphertext, tag or context', () => {
    const ring = createKeyRing(keyA);
    const sealed = ring.encrypt('alice@example.com', ctx);
    const body = sealed.split('.')[3]!;
    for (const forged of [tamper(sealed, 2), tamper(sealed, 3, 0), tamper(sealed, 3, body.length - 2)]) {
      expect(() => ring.decrypt(forged, ctx)).toThrowError(KeyRingError);
    }
    // Bound to its record: the same ciphertext moved to another user's row does not decrypt.
    expect(() => ring.decrypt(sealed, 'users.email:someone-else')).toThrowError(/failed authentication/);
    for (const malformed of ['', 'v1', 'v2.a.b.c', `${sealed}.x`, sealed.replace(/\.[^.]+$/, '.')]) {
      expect(() => ring.decrypt(malformed, ctx)).toThrowError(KeyRingError);
    }
  });

  it('refuses a ciphertext whose key id is not in the ring, without echoing the value', () => {
    const sealed = createKeyRing(keyA).encrypt('alice@example.com', ctx);
    const other = createKeyRing(keyB);
    expect(() => other.decrypt(sealed, ctx)).toThrowError(/unknown encryption key id/);
    expect(() => other.decrypt(sealed, ctx)).not.toThrowError(/alice/);
    // Relabelling the ciphertext with the ring's own key id does not help either.
    const relabelled = sealed.replace(/^v1\.[^.]+\./, `v1.${other.activeKeyId}.`);
    expect(() => other.decrypt(relabelled, ctx)).toThrowError(/failed authentication/);
  });

  it('keeps reading values written under an older key while writing under the active one', () => {
    const old = createKeyRing(keyA);
    const sealed = old.encrypt('alice@example.com', ctx);
    const ring = createKeyRing(keyB, [keyA, keyB]);
    expect(ring.keyIds).toEqual([ring.activeKeyId, old.activeKeyId]);
    expect(ring.decrypt(sealed, ctx)).toBe('alice@example.com');
    expect(ring.keyIdOf(ring.encrypt('x', ctx))).toBe(createKeyRing(keyB).activeKeyId);
  });

  it('uses a fresh random IV for every value', () => {
    const ring = createKeyRing(keyA);
    const sealed = Array.from({ length: 5000 }, () => ring.encrypt('same@example.com', ctx));
    expect(new Set(sealed.map((s) => s.split('.')[2])).size).toBe(sealed.length);
    expect(new Set(sealed).size).toBe(sealed.length);
  });

  it('derives stable, distinct key ids and never uses the master key directly', () => {
    expect(createKeyRing(keyA).activeKeyId).toBe(createKeyRing(Buffer.from(keyA)).activeKeyId);
    expect(createKeyRing(keyA).activeKeyId).not.toBe(createKeyRing(keyB).activeKeyId);
    const ring = createKeyRing(keyA);
    // Sealed with the raw master key, a value does not open: the ring encrypts with an HKDF subkey.
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', keyA, iv);
    cipher.setAAD(Buffer.from(`v1.${ring.activeKeyId}.${ctx}`));
    const body = Buffer.concat([cipher.update('alice@example.com'), cipher.final(), cipher.getAuthTag()]);
    const raw = `v1.${ring.activeKeyId}.${iv.toString('base64url')}.${body.toString('base64url')}`;
    expect(() => ring.decrypt(raw, ctx)).toThrowError(KeyRingError);
    const rawHmac = createHmac('sha256', keyA)
      .update('users.email\u0000alice@example.com')
      .digest('base64url');
    expect(ring.blindIndex('alice@example.com', 'users.email')).not.toBe(rawHmac);
  });

  it('computes blind indexes that are deterministic per key and context, for every key of the ring', () => {
    const a = createKeyRing(keyA);
    const b = createKeyRing(keyB);
    const ring = createKeyRing(keyB, [keyA]);
    const index = a.blindIndex('alice@example.com', 'users.email');
    expect(index).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.blindIndex('alice@example.com', 'users.email')).toBe(index);
    expect(a.blindIndex('bob@example.com', 'users.email')).not.toBe(index);
    expect(a.blindIndex('alice@example.com', 'other.field')).not.toBe(index);
    expect(b.blindIndex('alice@example.com', 'users.email')).not.toBe(index);
    expect(ring.blindIndexes('alice@example.com', 'users.email')).toEqual([
      b.blindIndex('alice@example.com', 'users.email'),
      index,
    ]);
  });
});

describe('loadKeyRing', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lb-keyring-'));
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('generates the embedded key once into DATA_DIR/keys/encryption.key (0600) and reuses it', () => {
    const dataDir = tempDir();
    const first = loadKeyRing({ key: undefined, previous: [], dataDir });
    const file = path.join(dataDir, 'keys', 'encryption.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64')).toHaveLength(32);
    const again = loadKeyRing({ key: undefined, previous: [], dataDir });
    expect(again.activeKeyId).toBe(first.activeKeyId);
    expect(again.decrypt(first.encrypt('alice@example.com', ctx), ctx)).toBe('alice@example.com');
  });

  it('prefers ENCRYPTION_KEY and writes nothing then', () => {
    const dataDir = tempDir();
    const ring = loadKeyRing({ key: keyA, previous: [keyB], dataDir });
    expect(ring.activeKeyId).toBe(createKeyRing(keyA).activeKeyId);
    expect(ring.keyIds).toHaveLength(2);
    expect(() => statSync(path.join(dataDir, 'keys'))).toThrowError(/ENOENT/);
  });

  it('reports a corrupt key file as a configuration error', () => {
    const dataDir = tempDir();
    loadKeyRing({ key: undefined, previous: [], dataDir });
    writeFileSync(path.join(dataDir, 'keys', 'encryption.key'), 'not a key\n');
    expect(() => loadKeyRing({ key: undefined, previous: [], dataDir })).toThrowError(ConfigError);
    expect(() => loadKeyRing({ key: undefined, previous: [], dataDir })).toThrowError(
      /^Invalid configuration: ENCRYPTION_KEY is unset and .* does not hold a 32-byte key$/,
    );
  });
});
