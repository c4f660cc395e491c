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

  it('needs ADMIN_EMAIL and ADMIN_PASSWORD together', () => {
    expect(() => loadConfig({ ADMIN_EMAIL: 'a@b.co' })).toThrowError(/ADMIN_PASSWORD/);
  });
});
