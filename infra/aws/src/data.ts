import { Duration, Fn, RemovalPolicy, SecretValue } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { Network } from './network.ts';
import type { LedgerbaseSettings } from './settings.ts';

/**
 * Generated passwords go into URLs (DATABASE_URL, REDIS_URL, AMQP_URL) without escaping, so they
 * keep to letters, digits and the URL-unreserved `-`, `.`, `_`, `~`.
 */
export const URL_UNSAFE_CHARACTERS = ' !"#$%&\'()*+,/:;<=>?@[\\]^`{|}';

export const DATABASE_USER = 'ledgerbase';
export const POSTGRES_PORT = 5432;
export const REDIS_PORT = 6379;

export type DataProps = { settings: LedgerbaseSettings; network: Network };

/**
 * The stores: RDS PostgreSQL (the system of record) and ElastiCache Redis (read cache, shared rate
 * limits). Both in the isolated subnets, encrypted at rest with one customer-managed KMS key and in
 * transit with TLS. Their connection URLs are Secrets Manager secrets built by CloudFormation from
 * dynamic references, so no password appears in the template, and the tasks get them as the
 * DATABASE_URL / REDIS_URL variables that packages/platform/src/config.ts reads.
 */
export class Data extends Construct {
  readonly key: kms.Key;
  readonly database: rds.DatabaseInstance;
  readonly redis: elasticache.CfnReplicationGroup;
  /** Ingress to Redis; `allowDefaultPortFrom(service)` opens it to one service. */
  readonly redisConnections: ec2.Connections;
  readonly databaseUrl: secretsmanager.Secret;
  readonly redisUrl: secretsmanager.Secret;

  constructor(scope: Construct, id: string, { settings, network }: DataProps) {
    super(scope, id);
    const { vpc } = network;

    this.key = new kms.Key(this, 'Key', {
      description: `${settings.appName}: RDS storage, Performance Insights and ElastiCache at rest`,
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // PostgreSQL --------------------------------------------------------------------------------
    const major = Number.parseInt(settings.postgresVersion, 10);
    const engine = rds.DatabaseInstanceEngine.postgres({
      version: rds.PostgresEngineVersion.of(settings.postgresVersion, String(major)),
    });
    const parameterGroup = new rds.ParameterGroup(this, 'PostgresParameters', {
      engine,
      description: `${settings.appName}: TLS required`,
      parameters: {
        'rds.force_ssl': '1',
        // RDS for PostgreSQL speaks TLS 1.3 from version 16 (seed section 7: TLS 1.3 minimum).
        ssl_min_protocol_version: major >= 16 ? 'TLSv1.3' : 'TLSv1.2',
        log_min_duration_statement: '1000',
      },
    });
    const databaseSecurityGroup = new ec2.SecurityGroup(this, 'PostgresSecurityGroup', {
      vpc,
      description: `${settings.appName} PostgreSQL: from the api and worker tasks only`,
      allowAllOutbound: false,
    });
    this.database = new rds.DatabaseInstance(this, 'Postgres', {
      engine,
      instanceType: new ec2.InstanceType(settings.dbInstanceType),
      vpc,
      vpcSubnets: network.dataSubnets,
      securityGroups: [databaseSecurityGroup],
      publiclyAccessible: false,
      multiAz: settings.dbMultiAz,
      databaseName: settings.databaseName,
      credentials: rds.Credentials.fromGeneratedSecret(DATABASE_USER, {
        excludeCharacters: URL_UNSAFE_CHARACTERS,
      }),
      iamAuthentication: true,
      port: POSTGRES_PORT,
      parameterGroup,
      caCertificate: rds.CaCertificate.RDS_CA_RSA2048_G1,
      storageType: rds.StorageType.GP3,
      allocatedStorage: settings.dbAllocatedStorageGiB,
      maxAllocatedStorage: settings.dbMaxAllocatedStorageGiB,
      storageEncrypted: true,
      storageEncryptionKey: this.key,
      backupRetention: Duration.days(settings.dbBackupRetentionDays),
      preferredBackupWindow: '02:00-03:00',
      preferredMaintenanceWindow: 'sun:03:30-sun:04:30',
      deleteAutomatedBackups: false,
      copyTagsToSnapshot: true,
      deletionProtection: settings.deletionProtection,
      removalPolicy: RemovalPolicy.SNAPSHOT,
      autoMinorVersionUpgrade: true,
      enablePerformanceInsights: true,
      performanceInsightEncryptionKey: this.key,
      monitoringInterval: Duration.seconds(60),
      cloudwatchLogsExports: ['postgresql', 'upgrade'],
      cloudwatchLogsRetention: settings.logRetentionDays,
    });

    const dbSecret = this.database.secret;
    if (!dbSecret) throw new Error('the generated database credentials are missing');
    this.databaseUrl = urlSecret(this, 'DatabaseUrl', 'DATABASE_URL (PostgreSQL, from the RDS credentials)', [
      `postgres://${DATABASE_USER}:`,
      dbSecret.secretValueFromJson('password').unsafeUnwrap(),
      '@',
      this.database.dbInstanceEndpointAddress,
      ':',
      this.database.dbInstanceEndpointPort,
      `/${settings.databaseName}?${settings.databaseUrlOptions}`,
    ]);

    // Redis ---------------------------------------------------------------------------------------
    const redisSecurityGroup = new ec2.SecurityGroup(this, 'RedisSecurityGroup', {
      vpc,
      description: `${settings.appName} Redis: from the api tasks only`,
      allowAllOutbound: false,
    });
    this.redisConnections = new ec2.Connections({
      securityGroups: [redisSecurityGroup],
      defaultPort: ec2.Port.tcp(REDIS_PORT),
    });
    const subnetGroup = new elasticache.CfnSubnetGroup(this, 'RedisSubnets', {
      description: `${settings.appName} Redis (isolated subnets)`,
      subnetIds: vpc.selectSubnets(network.dataSubnets).subnetIds,
    });
    const authToken = new secretsmanager.Secret(this, 'RedisAuthToken', {
      description: `${settings.appName}: Redis AUTH token`,
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    });
    const replicated = settings.redisNodes > 1;
    this.redis = new elasticache.CfnReplicationGroup(this, 'Redis', {
      replicationGroupDescription: `${settings.appName}: read cache and shared rate limits`,
      engine: 'redis',
      engineVersion: settings.redisEngineVersion,
      cacheNodeType: settings.redisNodeType,
      numCacheClusters: settings.redisNodes,
      automaticFailoverEnabled: replicated,
      multiAzEnabled: replicated,
      atRestEncryptionEnabled: true,
      kmsKeyId: this.key.keyArn,
      transitEncryptionEnabled: true,
      transitEncryptionMode: 'required',
      authToken: authToken.secretValue.unsafeUnwrap(),
      port: REDIS_PORT,
      cacheSubnetGroupName: subnetGroup.ref,
      securityGroupIds: [redisSecurityGroup.securityGroupId],
      autoMinorVersionUpgrade: true,
      snapshotRetentionLimit: 1,
      snapshotWindow: '01:00-02:00',
      preferredMaintenanceWindow: 'sun:04:30-sun:05:30',
    });
    this.redisUrl = urlSecret(this, 'RedisUrl', 'REDIS_URL (ElastiCache, TLS and AUTH token)', [
      'rediss://:',
      authToken.secretValue.unsafeUnwrap(),
      '@',
      this.redis.attrPrimaryEndPointAddress,
      ':',
      this.redis.attrPrimaryEndPointPort,
    ]);
  }
}

/**
 * A secret whose value CloudFormation assembles at deploy time. The parts are literals, resource
 * attributes and `{{resolve:secretsmanager:...}}` references, never a plain password, so the
 * template stays free of secrets. The value is fixed at deploy time: after rotating a source
 * password, deploy again (README, "Rotating credentials").
 */
export function urlSecret(scope: Construct, id: string, description: string, parts: string[]) {
  return new secretsmanager.Secret(scope, id, {
    description,
    secretStringValue: SecretValue.unsafePlainText(Fn.join('', parts)),
  });
}
