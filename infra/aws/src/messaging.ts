import { Fn, Names } from 'aws-cdk-lib';
import * as amazonmq from 'aws-cdk-lib/aws-amazonmq';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { URL_UNSAFE_CHARACTERS, urlSecret } from './data.ts';
import type { Network } from './network.ts';
import type { LedgerbaseSettings } from './settings.ts';

export const AMQPS_PORT = 5671;
export const BROKER_USER = 'ledgerbase';

export type MessagingProps = { settings: LedgerbaseSettings; network: Network };

/**
 * Amazon MQ for RabbitMQ, the event transport (ADR 0010): a three-node cluster across AZs in
 * production, private (isolated subnets), AMQP over TLS only. The broker user's password is
 * generated into Secrets Manager; AMQP_URL is assembled from it like the database URL.
 */
export class Messaging extends Construct {
  readonly broker: amazonmq.CfnBroker;
  readonly credentials: secretsmanager.Secret;
  readonly amqpUrl: secretsmanager.Secret;
  /** Ingress to the broker; `allowDefaultPortFrom(service)` opens AMQPS to one service. */
  readonly connections: ec2.Connections;

  constructor(scope: Construct, id: string, { settings, network }: MessagingProps) {
    super(scope, id);
    const securityGroup = new ec2.SecurityGroup(this, 'BrokerSecurityGroup', {
      vpc: network.vpc,
      description: `${settings.appName} RabbitMQ: AMQPS from the api and worker tasks only`,
      allowAllOutbound: false,
    });
    this.connections = new ec2.Connections({
      securityGroups: [securityGroup],
      defaultPort: ec2.Port.tcp(AMQPS_PORT),
    });
    this.credentials = new secretsmanager.Secret(this, 'BrokerCredentials', {
      description: `${settings.appName}: RabbitMQ user`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: BROKER_USER }),
        generateStringKey: 'password',
        passwordLength: 32,
        // Amazon MQ refuses commas, colons and equals signs; URLs refuse more.
        excludeCharacters: URL_UNSAFE_CHARACTERS,
      },
    });
    const password = this.credentials.secretValueFromJson('password').unsafeUnwrap();
    const subnetIds = network.vpc.selectSubnets(network.dataSubnets).subnetIds;
    const cluster = settings.mqDeploymentMode === 'CLUSTER_MULTI_AZ';

    this.broker = new amazonmq.CfnBroker(this, 'Broker', {
      brokerName: Names.uniqueResourceName(this, { maxLength: 50, separator: '-' }),
      engineType: 'RABBITMQ',
      engineVersion: settings.mqEngineVersion,
      hostInstanceType: settings.mqInstanceType,
      deploymentMode: settings.mqDeploymentMode,
      publiclyAccessible: false,
      // A single instance lives in one subnet; the cluster spreads its nodes over the AZs given.
      subnetIds: cluster ? subnetIds : subnetIds.slice(0, 1),
      securityGroups: [securityGroup.securityGroupId],
      autoMinorVersionUpgrade: true,
      users: [{ username: BROKER_USER, password }],
      logs: { general: true },
      // Amazon MQ for RabbitMQ encrypts storage with an AWS-owned KMS key (its only option).
      encryptionOptions: { useAwsOwnedKey: true },
      maintenanceWindowStartTime: { dayOfWeek: 'SUNDAY', timeOfDay: '05:30', timeZone: 'UTC' },
    });

    // AmqpEndpoints are `amqps://b-....mq.<region>.amazonaws.com:5671`; keep host:port, add the user.
    const hostAndPort = Fn.select(1, Fn.split('amqps://', Fn.select(0, this.broker.attrAmqpEndpoints)));
    this.amqpUrl = urlSecret(this, 'AmqpUrl', 'AMQP_URL (Amazon MQ for RabbitMQ, TLS)', [
      `amqps://${BROKER_USER}:`,
      password,
      '@',
      hostAndPort,
    ]);
  }
}
