import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The one place that reads `process.env` (ARCHITECTURE.md "Config"). Parsed once at boot and frozen;
 * a bad value stops start-up with one line naming the variable.
 */
export type Config = Readonly<{
  port: number;
  host: string;
  databaseUrl: string | undefined;
  databasePoolMax: number;
  dataDir: string;
  redisUrl: string | undefined;
  /** Namespaces every Redis key, so several deployments (or test runs) can share one server. */
  redisKeyPrefix: string;
  amqpUrl: string | undefined;
  /** Prefixes every RabbitMQ exchange and queue name (several deployments or test runs, one broker). */
  amqpPrefix: string;
  /**
   * Where the background worker runs: `embedded` (default) inside each API process, `external` in
   * separate `npm run start:worker` processes (needs AMQP_URL and DATABASE_URL).
   */
  worker: 'embedded' | 'external';
  /** Read cache of single resources: `auto` (Redis, or in-process when embedded) or `off`. */
  resourceCache: 'auto' | 'off';
  adminEmail: string | undefined;
  adminPassword: string | undefined;
  registration: 'open' | 'closed';
  passwordMinLength: number;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  jwtIssuer: string;
  jwtAudience: string;
  jwtPrivateKey: string | undefined;
  rateLimit: Readonly<{ enabled: boolean; perMinute: number; authPerMinute: number }>;
  trustedProxies: readonly string[];
  webhookAllowPrivate: boolean;
  logLevel: string;
  corsOrigins: readonly string[];
  webDistDir: string | undefined;
  /** PEM files; when set the server speaks HTTPS with TLS 1.3 as the minimum (seed section 7). */
  tls: Readonly<{ cert: string; key: string }> | undefined;
  /** Tracing is on when an OTLP endpoint is set (the SDK reads the other OTEL_* variables itself). */
  otelEnabled: boolean;
  /** PII master key (32 bytes); undefined → generated once into DATA_DIR/keys (embedded mode). */
  encryptionKey: Buffer | undefined;
  /** Older master keys, still accepted for reading until `ledgerbase keys rotate` has run. */
  encryptionKeysPrevious: readonly Buffer[];
  /** Ed25519 PKCS#8 PEM signing audit checkpoints; undefined → derived from the JWT signing key. */
  auditSigningKey: string | undefined;
  /** Verifier keys (`name+hash+base64`) of earlier checkpoint signing keys, still trusted. */
  auditTrustedKeys: readonly string[];
  /** Audit entries older than this are purged (AUDIT_RETENTION_DAYS); undefined keeps them forever. */
  auditRetentionDays: number | undefined;
  /** When set, `GET /metrics` (API and worker) needs `Authorization: Bearer <METRICS_TOKEN>`. */
  metricsToken: string | undefined;
  /** Port of the separate worker's `/metrics` (WORKER_METRICS_PORT); undefined: not served. */
  workerMetricsPort: number | undefined;
}>;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`Invalid configuration: ${variable} ${detail}`);
  }
}

type Env = Record<string, string | undefined>;

/** `<NAME>_FILE` wins over `<NAME>` so secrets can come from mounted files (Docker/ECS secrets). */
function secret(env: Env, name: string): string | undefined {
  const file = env[`${name}_FILE`];
  if (file) {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch {
      throw new ConfigError(`${name}_FILE`, `cannot read file ${file}`);
    }
  }
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(name, `must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max)
    throw new ConfigError(name, `must be between ${min} and ${max}, got ${value}`);
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(name, `must be true or false, got "${env[name]}"`);
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function url(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const raw = secret(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a valid URL');
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use one of ${protocols.join(', ')}`);
  }
  return raw;
}

function list(env: Env, name: string): string[] {
  return (env[name] ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

function tlsFiles(env: Env): { cert: string; key: string } | undefined {
  const certFile = env.TLS_CERT_FILE?.trim();
  const keyFile = env.TLS_KEY_FILE?.trim();
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) {
    throw new ConfigError(certFile ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE', 'must be set together with its pair');
  }
  const read = (name: string, file: string) => {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      throw new ConfigError(name, `cannot read file ${file}`);
    }
  };
  return { cert: read('TLS_CERT_FILE', certFile), key: read('TLS_KEY_FILE', keyFile) };
}

/** A 32-byte key as 64 hex digits or base64/base64url; the message never echoes the secret. */
export function parseEncryptionKey(raw: string, variable: string): Buffer {
  const text = raw.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(text)
    ? Buffer.from(text, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(text)
      ? Buffer.from(text, 'base64')
      : undefined;
  if (bytes?.length !== 32) {
    throw new ConfigError(
      variable,
      'must be a 32-byte key in base64 or hex (e.g. `openssl rand -base64 32`)',
    );
  }
  return bytes;
}

function encryptionKeys(env: Env): { active: Buffer | undefined; previous: Buffer[] } {
  const active = secret(env, 'ENCRYPTION_KEY');
  const name = env.ENCRYPTION_KEYS_PREVIOUS_FILE
    ? 'ENCRYPTION_KEYS_PREVIOUS_FILE'
    : 'ENCRYPTION_KEYS_PREVIOUS';
  const previous = (secret(env, 'ENCRYPTION_KEYS_PREVIOUS') ?? '').split(/[\s,]+/).filter(Boolean);
  return {
    active:
      active === undefined
        ? undefined
        : parseEncryptionKey(active, env.ENCRYPTION_KEY_FILE ? 'ENCRYPTION_KEY_FILE' : 'ENCRYPTION_KEY'),
    previous: previous.map((key) => parseEncryptionKey(key, name)),
  };
}

/** A separate worker reaches the API processes only through a shared database and broker. */
function workerMode(env: Env): 'embedded' | 'external' {
  const mode = oneOf(env, 'WORKER', ['embedded', 'external'], 'embedded');
  if (mode === 'external' && !(secret(env, 'AMQP_URL') && secret(env, 'DATABASE_URL'))) {
    throw new ConfigError('WORKER', 'external needs AMQP_URL and DATABASE_URL (the worker runs apart)');
  }
  return mode;
}

export function loadConfig(env: Env = process.env): Config {
  const adminEmail = env.ADMIN_EMAIL?.trim() || undefined;
  const adminPassword = secret(env, 'ADMIN_PASSWORD');
  if ((adminEmail === undefined) !== (adminPassword === undefined)) {
    throw new ConfigError(
      adminEmail ? 'ADMIN_PASSWORD' : 'ADMIN_EMAIL',
      'must be set together with its pair',
    );
  }
  const passwordMinLength = integer(env, 'PASSWORD_MIN_LENGTH', 12, 8, 256);
  if (adminPassword !== undefined && adminPassword.length < passwordMinLength) {
    throw new ConfigError('ADMIN_PASSWORD', `must be at least ${passwordMinLength} characters`);
  }
  const logLevel = oneOf(
    env,
    'LOG_LEVEL',
    ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
    'info',
  );
  const keys = encryptionKeys(env);
  const config: Config = {
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: env.HOST?.trim() || '127.0.0.1',
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    databasePoolMax: integer(env, 'DATABASE_POOL_MAX', 16, 1, 500),
    dataDir: path.resolve(env.DATA_DIR?.trim() || './data'),
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
    redisKeyPrefix: env.REDIS_KEY_PREFIX?.trim() || 'ledgerbase:',
    amqpUrl: url(env, 'AMQP_URL', ['amqp:', 'amqps:']),
    amqpPrefix: env.AMQP_PREFIX?.trim() || 'ledgerbase',
    worker: workerMode(env),
    resourceCache: oneOf(env, 'RESOURCE_CACHE', ['auto', 'off'], 'auto'),
    adminEmail: adminEmail?.toLowerCase(),
    adminPassword,
    registration: oneOf(env, 'REGISTRATION', ['open', 'closed'], 'open'),
    passwordMinLength,
    // The contract caps access tokens at one hour: a stolen token must die quickly.
    accessTokenTtlSeconds: integer(env, 'ACCESS_TOKEN_TTL_SECONDS', 900, 30, 3600),
    refreshTokenTtlSeconds: integer(env, 'REFRESH_TOKEN_TTL_SECONDS', 30 * 24 * 3600, 60, 365 * 24 * 3600),
    jwtIssuer: env.JWT_ISSUER?.trim() || 'ledgerbase',
    jwtAudience: env.JWT_AUDIENCE?.trim() || 'ledgerbase-api',
    jwtPrivateKey: secret(env, 'JWT_PRIVATE_KEY'),
    rateLimit: {
      enabled: boolean(env, 'RATE_LIMIT_ENABLED', true),
      perMinute: integer(env, 'RATE_LIMIT_PER_MINUTE', 600, 1, 1_000_000_000),
      authPerMinute: integer(env, 'RATE_LIMIT_AUTH_PER_MINUTE', 20, 1, 1_000_000_000),
    },
    trustedProxies: list(env, 'TRUSTED_PROXIES'),
    webhookAllowPrivate: boolean(env, 'WEBHOOK_ALLOW_PRIVATE', false),
    logLevel,
    corsOrigins: list(env, 'CORS_ORIGINS'),
    webDistDir: env.WEB_DIST_DIR?.trim() || undefined,
    tls: tlsFiles(env),
    otelEnabled:
      Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) &&
      env.OTEL_SDK_DISABLED?.toLowerCase() !== 'true',
    encryptionKey: keys.active,
    encryptionKeysPrevious: keys.previous,
    auditSigningKey: secret(env, 'AUDIT_SIGNING_KEY'),
    auditTrustedKeys: list(env, 'AUDIT_TRUSTED_KEYS'),
    auditRetentionDays: env.AUDIT_RETENTION_DAYS?.trim()
      ? integer(env, 'AUDIT_RETENTION_DAYS', 0, 1, 36_500)
      : undefined,
    metricsToken: secret(env, 'METRICS_TOKEN'),
    workerMetricsPort: env.WORKER_METRICS_PORT?.trim()
      ? integer(env, 'WORKER_METRICS_PORT', 0, 0, 65535)
      : undefined,
  };
  return Object.freeze(config);
}

/**
 * For the servers' entry points: a configuration error is one line naming the variable on stderr
 * and exit code 1, never a stack trace.
 */
export function loadConfigOrExit(env: Env = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
