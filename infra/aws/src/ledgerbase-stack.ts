import { type App, CfnOutput, CfnParameter, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Data } from './data.ts';
import { Edge } from './edge.ts';
import { Messaging } from './messaging.ts';
import { Network } from './network.ts';
import { Observability } from './observability.ts';
import { AppSecrets } from './secrets.ts';
import { Services } from './service.ts';
import { type LedgerbaseSettings, readSettings } from './settings.ts';

export type LedgerbaseStackProps = StackProps & { settings: LedgerbaseSettings };

/**
 * The production deployment of seed section 9 as one stack: network → data and messaging →
 * secrets → edge → services → alarms. One stack keeps the references plain (no exports between
 * stacks to untangle on change) and the whole deployment one `cdk deploy`.
 */
export class LedgerbaseStack extends Stack {
  readonly network: Network;
  readonly data: Data;
  readonly messaging: Messaging;
  readonly secrets: AppSecrets;
  readonly edge: Edge;
  readonly services: Services;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: LedgerbaseStackProps) {
    super(scope, id, props);
    const { settings } = props;

    // Rolling out an image is `cdk deploy --parameters ImageTag=<tag>`; unchanged, the CLI keeps it.
    const imageTag = new CfnParameter(this, 'ImageTag', {
      type: 'String',
      default: settings.imageTag,
      description: `Tag of the image in the ECR repository "${settings.ecrRepositoryName}" that both services run`,
      allowedPattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$',
    });

    this.network = new Network(this, 'Network', settings);
    this.data = new Data(this, 'Data', { settings, network: this.network });
    this.messaging = new Messaging(this, 'Messaging', { settings, network: this.network });
    this.secrets = new AppSecrets(this, 'Secrets', settings);
    this.edge = new Edge(this, 'Edge', { settings, network: this.network });
    this.services = new Services(this, 'Services', {
      settings,
      network: this.network,
      data: this.data,
      messaging: this.messaging,
      secrets: this.secrets,
      edge: this.edge,
      imageTag: imageTag.valueAsString,
    });
    this.observability = new Observability(this, 'Observability', {
      settings,
      edge: this.edge,
      services: this.services,
      data: this.data,
    });

    Tags.of(this).add('application', settings.appName);
    Tags.of(this).add('profile', settings.profile);

    new CfnOutput(this, 'Url', { value: this.edge.url, description: 'Where the service answers' });
    new CfnOutput(this, 'LoadBalancerDnsName', {
      value: this.edge.loadBalancer.loadBalancerDnsName,
      description: 'Point the DNS name of the certificate here (CNAME or alias)',
    });
    new CfnOutput(this, 'ClusterName', { value: this.services.cluster.clusterName });
    new CfnOutput(this, 'ApiServiceName', { value: this.services.api.serviceName });
    new CfnOutput(this, 'WorkerServiceName', { value: this.services.worker.serviceName });
    // What `aws ecs run-task` needs for one-off CLI commands (README, "Running the CLI").
    new CfnOutput(this, 'WorkerTaskDefinitionArn', {
      value: this.services.worker.taskDefinition.taskDefinitionArn,
    });
    new CfnOutput(this, 'AppSubnetIds', {
      value: this.network.vpc.selectSubnets(this.network.appSubnets).subnetIds.join(','),
    });
    new CfnOutput(this, 'WorkerSecurityGroupId', {
      value: this.services.worker.connections.securityGroups.map((group) => group.securityGroupId).join(','),
    });
    new CfnOutput(this, 'DatabaseEndpoint', { value: this.data.database.dbInstanceEndpointAddress });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.observability.topic.topicArn });
    new CfnOutput(this, 'JwtPrivateKeySecretArn', { value: this.secrets.jwtPrivateKey.secretArn });
    new CfnOutput(this, 'EncryptionKeySecretArn', { value: this.secrets.encryptionKey.secretArn });
    if (this.secrets.adminPassword) {
      new CfnOutput(this, 'AdminPasswordSecretArn', {
        value: this.secrets.adminPassword.secretArn,
        description: `aws secretsmanager get-secret-value --secret-id <this> for ${settings.adminEmail}`,
      });
    }
  }
}

/**
 * Defines the app's stack from context (what `src/app.ts` runs and what the tests synthesize).
 * `stackName` defaults to `ledgerbase-<profile>`, so staging and production can share an account.
 */
export function defineLedgerbase(app: App, env: StackProps['env']): LedgerbaseStack {
  const settings = readSettings((key) => app.node.tryGetContext(key));
  const stackName =
    (app.node.tryGetContext('stackName') as string | undefined) ?? `ledgerbase-${settings.profile}`;
  return new LedgerbaseStack(app, stackName, {
    settings,
    env,
    description: `Ledgerbase ${settings.profile}: ALB + WAF, ECS Fargate api/worker, RDS PostgreSQL, ElastiCache Redis, Amazon MQ`,
    terminationProtection: settings.profile === 'production',
  });
}
