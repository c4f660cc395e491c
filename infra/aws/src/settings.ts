/**
 * Everything the stack can be told, read from CDK context (`cdk.json` or `-c key=value`) with
 * defaults for a production deployment. Values from `-c` arrive as strings, values from `cdk.json`
 * as JSON, so every reader accepts both. A bad value stops synthesis with one line naming the key.
 */

/** `production`: everything multi-AZ. `staging`: the same topology reduced to single instances. */
export type Profile = 'production' | 'staging';

export type LedgerbaseSettings = Readonly<{
  profile: Profile;
  /** Prefix of names (log groups, alarms, the WAF ACL); also the ECS cluster name. */
  appName: string;

  // Network
  vpcCidr: string;
  maxAzs: number;
  natGateways: number;

  // Edge: ALB, TLS, WAF
  /** ACM certificate for the HTTPS listener; or `domainName` + hosted zone to have one issued. */
  certificateArn: string | undefined;
  domainName: string | undefined;
  hostedZoneId: string | undefined;
  hostedZoneName: string | undefined;
  /** An `ELBSecurityPolicy-TLS13-*` policy name; the default accepts TLS 1.3 only (seed section 7). */
  sslPolicy: string;
  /** Requests per client IP per 5 minutes before the WAF blocks it. */
  wafRateLimit: number;
  /** Rules of the AWS common rule set that only count instead of blocking. */
  wafCountOnlyRules: readonly string[];

  // Image and services
  ecrRepositoryName: string;
  /** Default of the `ImageTag` stack parameter (`cdk deploy --parameters ImageTag=...`). */
  imageTag: string;
  cpuArchitecture: 'X86_64' | 'ARM64';
  containerPort: number;
  apiCpu: number;
  apiMemoryMiB: number;
  apiDesiredCount: number;
  apiMaxCount: number;
  apiCpuTargetPercent: number;
  /** ALB requests per target per minute that autoscaling aims for. */
  apiRequestsPerTarget: number;
  workerCpu: number;
  workerMemoryMiB: number;
  workerDesiredCount: number;
  enableExecuteCommand: boolean;
  /** Extra plain environment for both services (LOG_LEVEL, CORS_ORIGINS, REGISTRATION, ...). */
  appEnvironment: Readonly<Record<string, string>>;
  /** Bootstrap admin; its password is generated into Secrets Manager. Unset: no bootstrap admin. */
  adminEmail: string | undefined;
  /** Existing secrets to reuse (migrating a deployment keeps its keys) instead of new ones. */
  jwtSecretArn: string | undefined;
  encryptionKeySecretArn: string | undefined;

  // Data
  postgresVersion: string;
  dbInstanceType: string;
  dbMultiAz: boolean;
  dbAllocatedStorageGiB: number;
  dbMaxAllocatedStorageGiB: number;
  dbBackupRetentionDays: number;
  databaseName: string;
  /** Query string of DATABASE_URL: TLS settings for node-postgres (see README, "TLS to RDS"). */
  databaseUrlOptions: string;
  redisNodeType: string;
  redisEngineVersion: string;
  /** Cache nodes: 1 primary + replicas. Two or more give Multi-AZ with automatic failover. */
  redisNodes: number;
  mqInstanceType: string;
  mqEngineVersion: string;
  mqDeploymentMode: 'CLUSTER_MULTI_AZ' | 'SINGLE_INSTANCE';
  deletionProtection: boolean;

  // Observability
  logRetentionDays: number;
  alarmEmail: string | undefined;
  /** Alarm when target p99 latency is above this many seconds (seed: p99 < 500 ms). */
  latencyP99Seconds: number;
  /** Alarm when 5xx responses exceed this percentage of requests. */
  error5xxPercent: number;
}>;

export class SettingsError extends Error {
  constructor(key: string, detail: string) {
    super(`Invalid context: ${key} ${detail}`);
  }
}

/** Whatever `node.tryGetContext` returns. */
export type ContextReader = (key: string) => unknown;

/** The secret variables of packages/platform/src/config.ts: never allowed as plain environment. */
export const SECRET_VARIABLES = [
  'DATABASE_URL',
  'REDIS_URL',
  'AMQP_URL',
  'JWT_PRIVATE_KEY',
  'ENCRYPTION_KEY',
  'ENCRYPTION_KEYS_PREVIOUS',
  'ADMIN_PASSWORD',
  'AUDIT_SIGNING_KEY',
] as const;

/** CloudWatch Logs accepts only these retention periods. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

function reader(context: ContextReader) {
  const raw = (key: string): unknown => {
    const value = context(key);
    return value === '' || value === null ? undefined : value;
  };
  const string = (key: string): string | undefined => {
    const value = raw(key);
    if (value === undefined) return undefined;
    if (typeof value !== 'string')
      throw new SettingsError(key, `must be a string, got ${JSON.stringify(value)}`);
    return value.trim() || undefined;
  };
  const integer = (key: string, fallback: number, min: number, max: number): number => {
    const value = raw(key);
    if (value === undefined) return fallback;
    const parsed =
      typeof value === 'number' ? value : /^\s*\d+\s*$/.test(String(value)) ? Number(value) : NaN;
    if (!Number.isInteger(parsed))
      throw new SettingsError(key, `must be an integer, got ${JSON.stringify(value)}`);
    if (parsed < min || parsed > max)
      throw new SettingsError(key, `must be between ${min} and ${max}, got ${parsed}`);
    return parsed;
  };
  const decimal = (key: string, fallback: number, min: number, max: number): number => {
    const value = raw(key);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!Number.isFinite(parsed))
      throw new SettingsError(key, `must be a number, got ${JSON.stringify(value)}`);
    if (parsed < min || parsed > max)
      throw new SettingsError(key, `must be between ${min} and ${max}, got ${parsed}`);
    return parsed;
  };
  const boolean = (key: string, fallback: boolean): boolean => {
    const value = raw(key);
    if (value === undefined) return fallback;
    if (value === true || value === 'true') return true;
    if (value === false || value === 'false') return false;
    throw new SettingsError(key, `must be true or false, got ${JSON.stringify(value)}`);
  };
  const oneOf = <T extends string>(key: string, allowed: readonly T[], fallback: T): T => {
    const value = string(key) ?? fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      throw new SettingsError(key, `must be one of ${allowed.join(', ')}, got "${value}"`);
    }
    return value as T;
  };
  const list = (key: string): string[] => {
    const value = raw(key);
    if (value === undefined) return [];
    const items = Array.isArray(value) ? value.map(String) : String(value).split(',');
    return items.map((item) => item.trim()).filter(Boolean);
  };
  const record = (key: string): Record<string, string> => {
    const value = raw(key);
    if (value === undefined) return {};
    let parsed: unknown = value;
    if (typeof value === 'string') {
      try {
        parsed = JSON.parse(value);
      } catch {
        throw new SettingsError(key, 'must be a JSON object of strings');
      }
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new SettingsError(key, 'must be a JSON object of strings');
    }
    const entries = Object.entries(parsed);
    for (const [name, item] of entries) {
      if (typeof item !== 'string') throw new SettingsError(key, `value of ${name} must be a string`);
    }
    return Object.fromEntries(entries) as Record<string, string>;
  };
  return { string, integer, decimal, boolean, oneOf, list, record };
}

export function readSettings(context: ContextReader): LedgerbaseSettings {
  const read = reader(context);
  const profile = read.oneOf<Profile>('profile', ['production', 'staging'], 'production');
  const production = profile === 'production';

  const maxAzs = read.integer('maxAzs', 2, production ? 2 : 1, 6);
  const apiDesiredCount = read.integer('apiDesiredCount', production ? 2 : 1, production ? 2 : 1, 100);
  const postgresVersion = read.string('postgresVersion') ?? '16';
  if (!/^\d+(\.\d+)?$/.test(postgresVersion)) {
    throw new SettingsError(
      'postgresVersion',
      `must be a major or major.minor version, got "${postgresVersion}"`,
    );
  }
  const sslPolicy = read.string('sslPolicy') ?? 'ELBSecurityPolicy-TLS13-1-3-2021-06';
  if (!sslPolicy.startsWith('ELBSecurityPolicy-TLS13-')) {
    throw new SettingsError(
      'sslPolicy',
      `must be a TLS 1.3 policy (ELBSecurityPolicy-TLS13-*), got "${sslPolicy}"`,
    );
  }
  const logRetentionDays = read.integer('logRetentionDays', 90, 1, 3653);
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    throw new SettingsError('logRetentionDays', `must be one of ${LOG_RETENTION_DAYS.join(', ')}`);
  }
  const appEnvironment = read.record('appEnvironment');
  for (const name of Object.keys(appEnvironment)) {
    const base = name.replace(/_FILE$/, '');
    if ((SECRET_VARIABLES as readonly string[]).includes(base)) {
      throw new SettingsError('appEnvironment', `must not set ${name}: secrets come from Secrets Manager`);
    }
  }
  const redisNodes = read.integer('redisNodes', production ? 2 : 1, production ? 2 : 1, 6);

  const settings: LedgerbaseSettings = {
    profile,
    appName: read.string('appName') ?? 'ledgerbase',
    vpcCidr: read.string('vpcCidr') ?? '10.40.0.0/16',
    maxAzs,
    // One NAT gateway per AZ in production, so losing an AZ does not cut the other's egress.
    natGateways: read.integer('natGateways', production ? maxAzs : 1, 1, maxAzs),
    certificateArn: read.string('certificateArn'),
    domainName: read.string('domainName'),
    hostedZoneId: read.string('hostedZoneId'),
    hostedZoneName: read.string('hostedZoneName'),
    sslPolicy,
    wafRateLimit: read.integer('wafRateLimit', 3000, 10, 2_000_000_000),
    // The API accepts bodies up to 1 MiB; the rule set's 8 KB body limit would block normal writes.
    // `none` makes every rule block.
    wafCountOnlyRules:
      context('wafCountOnlyRules') === undefined
        ? ['SizeRestrictions_BODY']
        : read.list('wafCountOnlyRules').filter((rule) => rule !== 'none'),
    ecrRepositoryName: read.string('ecrRepositoryName') ?? 'ledgerbase',
    imageTag: read.string('imageTag') ?? 'latest',
    cpuArchitecture: read.oneOf('cpuArchitecture', ['X86_64', 'ARM64'], 'X86_64'),
    containerPort: read.integer('containerPort', 3000, 1, 65535),
    apiCpu: read.integer('apiCpu', 1024, 256, 16384),
    apiMemoryMiB: read.integer('apiMemoryMiB', 2048, 512, 122880),
    apiDesiredCount,
    apiMaxCount: read.integer('apiMaxCount', Math.max(10, apiDesiredCount), apiDesiredCount, 1000),
    apiCpuTargetPercent: read.integer('apiCpuTargetPercent', 60, 10, 90),
    apiRequestsPerTarget: read.integer('apiRequestsPerTarget', 12_000, 10, 10_000_000),
    workerCpu: read.integer('workerCpu', 512, 256, 16384),
    workerMemoryMiB: read.integer('workerMemoryMiB', 1024, 512, 122880),
    workerDesiredCount: read.integer('workerDesiredCount', production ? 2 : 1, 1, 100),
    enableExecuteCommand: read.boolean('enableExecuteCommand', false),
    appEnvironment,
    adminEmail: read.string('adminEmail'),
    jwtSecretArn: read.string('jwtSecretArn'),
    encryptionKeySecretArn: read.string('encryptionKeySecretArn'),
    postgresVersion,
    dbInstanceType: read.string('dbInstanceType') ?? (production ? 'm7g.large' : 't4g.medium'),
    dbMultiAz: read.boolean('dbMultiAz', production),
    dbAllocatedStorageGiB: read.integer('dbAllocatedStorageGiB', 100, 20, 65536),
    dbMaxAllocatedStorageGiB: read.integer('dbMaxAllocatedStorageGiB', 1000, 20, 65536),
    // PITR restores to any second inside this window; 5-minute RPO comes from the WAL archive.
    dbBackupRetentionDays: read.integer('dbBackupRetentionDays', production ? 14 : 7, production ? 7 : 1, 35),
    databaseName: read.string('databaseName') ?? 'ledgerbase',
    databaseUrlOptions: read.string('databaseUrlOptions') ?? 'sslmode=no-verify',
    redisNodeType: read.string('redisNodeType') ?? (production ? 'cache.m7g.large' : 'cache.t4g.small'),
    redisEngineVersion: read.string('redisEngineVersion') ?? '7.1',
    redisNodes,
    mqInstanceType: read.string('mqInstanceType') ?? (production ? 'mq.m5.large' : 'mq.t3.micro'),
    mqEngineVersion: read.string('mqEngineVersion') ?? '3.13',
    mqDeploymentMode: read.oneOf(
      'mqDeploymentMode',
      ['CLUSTER_MULTI_AZ', 'SINGLE_INSTANCE'],
      production ? 'CLUSTER_MULTI_AZ' : 'SINGLE_INSTANCE',
    ),
    deletionProtection: read.boolean('deletionProtection', production),
    logRetentionDays,
    alarmEmail: read.string('alarmEmail'),
    latencyP99Seconds: read.decimal('latencyP99Seconds', 0.5, 0.01, 60),
    error5xxPercent: read.decimal('error5xxPercent', 1, 0.01, 100),
  };

  if (settings.dbMaxAllocatedStorageGiB < settings.dbAllocatedStorageGiB) {
    throw new SettingsError('dbMaxAllocatedStorageGiB', 'must be at least dbAllocatedStorageGiB');
  }
  if (production && !(settings.dbMultiAz && settings.deletionProtection)) {
    throw new SettingsError('profile', 'production requires dbMultiAz and deletionProtection to stay true');
  }
  if (production && settings.mqDeploymentMode !== 'CLUSTER_MULTI_AZ') {
    throw new SettingsError('mqDeploymentMode', 'must be CLUSTER_MULTI_AZ in production');
  }
  if (settings.mqDeploymentMode === 'CLUSTER_MULTI_AZ' && settings.mqInstanceType.startsWith('mq.t3')) {
    throw new SettingsError('mqInstanceType', 'a RabbitMQ cluster needs mq.m5.large or larger');
  }
  return Object.freeze(settings);
}
