import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { type Data, POSTGRES_PORT } from './data.ts';
import type { Edge } from './edge.ts';
import type { Messaging } from './messaging.ts';
import type { Network } from './network.ts';
import type { AppSecrets } from './secrets.ts';
import type { LedgerbaseSettings } from './settings.ts';

export type ServicesProps = {
  settings: LedgerbaseSettings;
  network: Network;
  data: Data;
  messaging: Messaging;
  secrets: AppSecrets;
  edge: Edge;
  /** The image tag to run (the stack's `ImageTag` parameter). */
  imageTag: string;
};

/** The worker's command (infra/compose/docker-compose.yml); the api uses the image's CMD. */
export const WORKER_COMMAND = ['node', '--import', 'tsx', 'apps/worker/src/main.ts'];

/**
 * The two ECS Fargate services, both from the one image (Dockerfile) in the private subnets:
 * - `api`: behind the ALB, at least two tasks spread over the AZs, autoscaled on CPU and requests
 *   per target, rolling deploys that never go below the running count and roll back on failure;
 * - `worker`: the external worker (`WORKER=external`), no load balancer.
 * Configuration is the environment that packages/platform/src/config.ts reads; every secret is an
 * ECS secret resolved from Secrets Manager when a task starts.
 */
export class Services extends Construct {
  readonly cluster: ecs.Cluster;
  readonly api: ecs.FargateService;
  readonly worker: ecs.FargateService;
  readonly apiTargetGroup: elbv2.ApplicationTargetGroup;

  constructor(scope: Construct, id: string, props: ServicesProps) {
    super(scope, id);
    const { settings, network, data, messaging, secrets, edge } = props;

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: network.vpc,
      containerInsightsV2: ecs.ContainerInsights.ENABLED,
    });
    const repository = ecr.Repository.fromRepositoryName(this, 'Repository', settings.ecrRepositoryName);
    const image = ecs.ContainerImage.fromEcrRepository(repository, props.imageTag);
    const runtimePlatform: ecs.RuntimePlatform = {
      cpuArchitecture: ecs.CpuArchitecture.of(settings.cpuArchitecture),
      operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
    };

    // Plain, non-secret configuration shared by both roles.
    const environment: Record<string, string> = {
      NODE_ENV: 'production',
      // The API and the worker run apart; each needs DATABASE_URL and AMQP_URL (config.ts).
      WORKER: 'external',
      LOG_LEVEL: 'info',
      ...settings.appEnvironment,
    };
    const secret = (value: secretsmanager.ISecret) => ecs.Secret.fromSecretsManager(value);
    const sharedSecrets: Record<string, ecs.Secret> = {
      DATABASE_URL: secret(data.databaseUrl),
      AMQP_URL: secret(messaging.amqpUrl),
      JWT_PRIVATE_KEY: secret(secrets.jwtPrivateKey),
      ENCRYPTION_KEY: secret(secrets.encryptionKey),
    };

    // api -----------------------------------------------------------------------------------------
    const apiLogs = this.logGroup('ApiLogs', settings);
    const apiTask = new ecs.FargateTaskDefinition(this, 'ApiTask', {
      cpu: settings.apiCpu,
      memoryLimitMiB: settings.apiMemoryMiB,
      runtimePlatform,
    });
    const port = settings.containerPort;
    const apiSecrets: Record<string, ecs.Secret> = { ...sharedSecrets, REDIS_URL: secret(data.redisUrl) };
    const apiEnvironment: Record<string, string> = {
      ...environment,
      HOST: '0.0.0.0',
      PORT: String(port),
      // Client IPs (per-IP rate limits) come from X-Forwarded-For only when the ALB sent it.
      TRUSTED_PROXIES: network.vpc.publicSubnets.map((subnet) => subnet.ipv4CidrBlock).join(','),
    };
    if (settings.adminEmail && secrets.adminPassword) {
      apiEnvironment.ADMIN_EMAIL = settings.adminEmail;
      apiSecrets.ADMIN_PASSWORD = secret(secrets.adminPassword);
    }
    apiTask.addContainer('api', {
      image,
      essential: true,
      environment: apiEnvironment,
      secrets: apiSecrets,
      portMappings: [{ containerPort: port, name: 'http' }],
      // The server drains for up to 20 s on SIGTERM (operations.md, "Graceful shutdown").
      stopTimeout: Duration.seconds(30),
      healthCheck: {
        command: [
          'CMD',
          'node',
          '-e',
          `fetch('http://127.0.0.1:${port}/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))`,
        ],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(60),
      },
      logging: this.logDriver(apiLogs, 'api'),
    });

    this.api = new ecs.FargateService(this, 'Api', {
      cluster: this.cluster,
      taskDefinition: apiTask,
      desiredCount: settings.apiDesiredCount,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      availabilityZoneRebalancing: ecs.AvailabilityZoneRebalancing.ENABLED,
      vpcSubnets: network.appSubnets,
      securityGroups: [this.taskSecurityGroup('ApiSecurityGroup', settings, 'api tasks: from the ALB only')],
      assignPublicIp: false,
      // Start-up migrates the database first (operations.md); give it time before health counts.
      healthCheckGracePeriod: Duration.seconds(120),
      enableExecuteCommand: settings.enableExecuteCommand,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });

    this.apiTargetGroup = edge.httpsListener.addTargets('Api', {
      port,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [this.api.loadBalancerTarget({ containerName: 'api', containerPort: port })],
      healthCheck: {
        path: '/readyz',
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
      // Shorter than the task's stop timeout: the ALB stops sending, then ECS sends SIGTERM.
      deregistrationDelay: Duration.seconds(30),
    });

    const scaling = this.api.autoScaleTaskCount({
      minCapacity: settings.apiDesiredCount,
      maxCapacity: settings.apiMaxCount,
    });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: settings.apiCpuTargetPercent,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.seconds(300),
    });
    scaling.scaleOnRequestCount('Requests', {
      requestsPerTarget: settings.apiRequestsPerTarget,
      targetGroup: this.apiTargetGroup,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.seconds(300),
    });

    // worker --------------------------------------------------------------------------------------
    const workerLogs = this.logGroup('WorkerLogs', settings);
    const workerTask = new ecs.FargateTaskDefinition(this, 'WorkerTask', {
      cpu: settings.workerCpu,
      memoryLimitMiB: settings.workerMemoryMiB,
      runtimePlatform,
    });
    workerTask.addContainer('worker', {
      image,
      essential: true,
      command: WORKER_COMMAND,
      environment,
      secrets: sharedSecrets,
      // The worker drains for up to 30 s (apps/worker/src/main.ts).
      stopTimeout: Duration.seconds(45),
      logging: this.logDriver(workerLogs, 'worker'),
    });
    this.worker = new ecs.FargateService(this, 'Worker', {
      cluster: this.cluster,
      taskDefinition: workerTask,
      desiredCount: settings.workerDesiredCount,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      vpcSubnets: network.appSubnets,
      securityGroups: [this.taskSecurityGroup('WorkerSecurityGroup', settings, 'worker tasks: no ingress')],
      assignPublicIp: false,
      enableExecuteCommand: settings.enableExecuteCommand,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
    });

    // Least privilege between tiers: only these paths exist.
    const postgres = ec2.Port.tcp(POSTGRES_PORT);
    data.database.connections.allowFrom(this.api, postgres, 'PostgreSQL from the api tasks');
    data.database.connections.allowFrom(this.worker, postgres, 'PostgreSQL from the worker tasks');
    data.redisConnections.allowDefaultPortFrom(this.api, 'Redis from the api tasks');
    messaging.connections.allowDefaultPortFrom(this.api, 'AMQPS from the api tasks');
    messaging.connections.allowDefaultPortFrom(this.worker, 'AMQPS from the worker tasks');

    // The first tasks need the generated signing key in its secret.
    if (secrets.signingKeyReady) {
      this.api.node.addDependency(secrets.signingKeyReady);
      this.worker.node.addDependency(secrets.signingKeyReady);
    }
  }

  /** Egress stays open: tasks pull images, read secrets and deliver webhooks to any URL. */
  private taskSecurityGroup(id: string, settings: LedgerbaseSettings, description: string) {
    return new ec2.SecurityGroup(this, id, {
      vpc: this.cluster.vpc,
      description: `${settings.appName} ${description}`,
      allowAllOutbound: true,
    });
  }

  private logGroup(id: string, settings: LedgerbaseSettings): logs.LogGroup {
    return new logs.LogGroup(this, id, {
      retention: settings.logRetentionDays as logs.RetentionDays,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  private logDriver(logGroup: logs.ILogGroup, streamPrefix: string): ecs.LogDriver {
    // Non-blocking: a slow CloudWatch Logs must never stall the event loop writing to stdout.
    return ecs.LogDrivers.awsLogs({
      logGroup,
      streamPrefix,
      mode: ecs.AwsLogDriverMode.NON_BLOCKING,
      maxBufferSize: Size.mebibytes(25),
    });
  }
}
