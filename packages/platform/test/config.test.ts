import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.ts';

describe('config', () => {
  it('has the contract defaults', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.databaseUrl).toBeUndefined();
    expect(config.dataDir).toBe(path.resolve('./data'));
    expect(config.rateLimit).toEqual({ enabled: true, perMinute: 600, authPerMinute: 20 });
    expect(config.registration).toBe('open');
    expect(config.accessTokenTtlSeconds).toBe(900);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it.each([
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['REGISTRATION', 'maybe'],
    ['RATE_LIMIT_ENABLED', 'perhaps'],
    ['DATABASE_URL', 'mysql://x'],
    ['ACCESS_TOKEN_TTL_SECONDS', '7200'],
    ['LOG_LEVEL', 'loud'],
    ['ENCRYPTION_KEY', 'c2hvcnQ='],
    ['ENCRYPTION_KEY', 'z'.repeat(64)],
    ['ENCRYPTION_KEYS_PREVIOUS', `${'ab'.repeat(32)},not-a-key`],
  ])('rejects %s=%s with one line naming the variable', (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrowError(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrowError(new RegExp(`^Invalid configuration: ${name} `));
  });

  it('reads secrets from <NAME>_FILE', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lb-config-'));
    const file = path.join(dir, 'password');
    writeFileSync(file, 'a very long admin password\n');
    const config = loadConfig({ ADMIN_EMAIL: 'Admin@Example.com', ADMIN_PASSWORD_FILE: file });
    expect(config.adminPassword).toBe('a very long admin password');
    expect(config.adminEmail).toBe('admin@example.com');
  });

  it('reads the encryption key ring as base64 or hex, from the variable or <NAME>_FILE', () => {
    const key = randomBytes(32);
    const old = [randomBytes(32), randomBytes(32)];
    expect(loadConfig({}).encryptionKey).toBeUndefined();
    expect(loadConfig({}).encryptionKeysPrevious).toEqual([]);
    for (const text of [key.toString('base64'), key.toString('base64url'), key.toString('hex')]) {
      expect(loadConfig({ ENCRYPTION_KEY: text }).encryptionKey).toEqual(key);
    }
    const previous = loadConfig({
      ENCRYPTION_KEY: key.toString('hex'),
      ENCRYPTION_KEYS_PREVIOUS: `${old[0]!.toString('base64')}, ${old[1]!.toString('hex')}`,
    });
    expect(previous.encryptionKeysPrevious).toEqual(old);
    const dir = mkdtempSync(path.join(tmpdir(), 'lb-config-'));
    writeFileSync(path.join(dir, 'key'), `${key.toString('base64')}\n`);
    writeFileSync(path.join(dir, 'old'), `${old[0]!.toString('hex')}\n${old[1]!.toString('base64')}\n`);
    const fromFiles = loadConfig({
      ENCRYPTION_KEY_FILE: path.join(dir, 'key'),
      ENCRYPTION_KEYS_PREVIOUS_FILE: path.join(dir, 'old'),
    });
    expect(fromFiles.encryptionKey).toEqual(key);
    expect(fromFiles.encryptionKeysPrevious).toEqual(old);
  });

  it('names the variable of a bad key without echoing the secret', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lb-config-'));
    writeFileSync(path.join(dir, 'key'), 'secret-but-too-short');
    const attempt = () => loadConfig({ ENCRYPTION_KEY_FILE: path.join(dir, 'key') });
    expect(attempt).toThrowError(/^Invalid configuration: ENCRYPTION_KEY_FILE must be a 32-byte key/);
    expect(attempt).not.toThrowError(/secret-but-too-short/);
    expect(() => loadConfig({ ENCRYPTION_KEY: 'secret-but-too-short' })).not.toThrowError(/secret-but/);
    expect(() => loadConfig({ ENCRYPTION_KEY_FILE: path.join(dir, 'missing') })).toThrowError(
      /^Invalid configuration: ENCRYPTION_KEY_FILE cannot read file/,
    );
  });

  it('needs ADMIN_EMAIL and ADMIN_PASSWORD together', () => {
    expect(() => loadConfig({ ADMIN_EMAIL: 'a@b.co' })).toThrowError(/ADMIN_PASSWORD/);
  });
});
