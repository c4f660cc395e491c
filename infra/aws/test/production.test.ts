import type { CfnElement } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SIGNING_KEY_HANDLER_SOURCE } from '../src/secrets.ts';
import { WORKER_COMMAND } from '../src/service.ts';
import { SECRET_VARIABLES } from '../src/settings.ts';
import {
  containers,
  environmentOf,
  only,
  resources,
  SYNTH_TIMEOUT_MS,
  type Synthesized,
  synthesize,
  TEST_CERTIFICATE_ARN,
} from './synth.ts';

// One synthesis of the default (production) profile for the whole file.
let synthesized: Synthesized;
let template: Template;
beforeAll(() => {
  synthesized = synthesize({ adminEmail: 'admin@example.com' });
  template = synthesized.template;
}, SYNTH_TIMEOUT_MS);

const logicalId = (construct: IConstruct): string =>
  synthesized.stack.getLogicalId(construct.node.defaultChild as CfnElement);
const ref = (construct: IConstruct) => ({ Ref: logicalId(construct) });
const groupId = (construct: IConstruct) => ({ 'Fn::GetAtt': [logicalId(construct), 'GroupId'] });
const json = (value: unknown) => JSON.stringify(value);

/** Subnet logical ids of one tier (`public`, `app`, `data`), from the tags the VPC construct sets. */
function subnetsNamed(name: string): string[] {
  return resources(template, 'AWS::EC2::Subnet')
    .filter(([, subnet]) =>
      (subnet.Properties.Tags as { Key: string; Value: string }[]).some(
        (tag) => tag.Key === 'aws-cdk:subnet-name' && tag.Value === name,
      ),
    )
    .map(([id]) => id)
    .sort();
}
const refIds = (list: unknown) => (list as { Ref: string }[]).map((item) => item.Ref).sort();

describe('network', () => {
  it('spans two AZs with public, private (egress) and isolated subnets and a NAT gateway per AZ', () => {
    template.resourceCountIs('AWS::EC2::VPC', 1);
    expect(subnetsNamed('public')).toHaveLength(2);
    expect(subnetsNamed('app')).toHaveLength(2);
    expect(subnetsNamed('data')).toHaveLength(2);
    template.resourceCountIs('AWS::EC2::NatGateway', 2);
    const zones = new Set(
      resources(template, 'AWS::EC2::Subnet').map(([, subnet]) => json(subnet.Properties.AvailabilityZone)),
    );
    expect(zones.size).toBe(2);
    // The isolated tier has no route to the internet at all.
    for (const [, route] of resources(template, 'AWS::EC2::Route')) {
      expect(subnetsNamed('data').some((id) => json(route.Properties.RouteTableId).includes(id))).toBe(false);
    }
  });
});

describe('database (RDS PostgreSQL)', () => {
  it('is Multi-AZ, encrypted with the KMS key, deletion-protected, with backups and Performance Insights', () => {
    const [, db] = only(template, 'AWS::RDS::DBInstance');
    const keyArn = { 'Fn::GetAtt': [logicalId(synthesized.stack.data.key), 'Arn'] };
    expect(db.Properties).toMatchObject({
      Engine: 'postgres',
      MultiAZ: true,
      StorageEncrypted: true,
      KmsKeyId: keyArn,
      DeletionProtection: true,
      PubliclyAccessible: false,
      EnablePerformanceInsights: true,
      PerformanceInsightsKMSKeyId: keyArn,
      EnableIAMDatabaseAuthentication: true,
      CopyTagsToSnapshot: true,
      DeleteAutomatedBackups: false,
    });
    // PITR inside the retention window: 5-minute RPO for anything in the last 14 days.
    expect(db.Properties.BackupRetentionPeriod).toBeGreaterThanOrEqual(7);
    expect(db.Properties.BackupRetentionPeriod).toBe(14);
    template.hasResource('AWS::RDS::DBInstance', {
      DeletionPolicy: 'Snapshot',
      UpdateReplacePolicy: 'Snapshot',
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
  });

  it('takes its credentials from a generated Secrets Manager secret', () => {
    const [, db] = only(template, 'AWS::RDS::DBInstance');
    expect(json(db.Properties.MasterUserPassword)).toContain('{{resolve:secretsmanager:');
    expect(db.Properties.MasterUsername).toBe('ledgerbase');
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.objectLike({ GenerateStringKey: 'password' }),
    });
  });

  it('forces TLS (1.3 minimum) through its parameter group', () => {
    const [groupLogicalId, group] = only(template, 'AWS::RDS::DBParameterGroup');
    expect(group.Properties.Parameters).toMatchObject({
      'rds.force_ssl': '1',
      ssl_min_protocol_version: 'TLSv1.3',
    });
    const [, db] = only(template, 'AWS::RDS::DBInstance');
    expect(db.Properties.DBParameterGroupName).toEqual({ Ref: groupLogicalId });
  });

  it('lives in the isolated subnets only', () => {
    const [, subnetGroup] = only(template, 'AWS::RDS::DBSubnetGroup');
    expect(refIds(subnetGroup.Properties.SubnetIds)).toEqual(subnetsNamed('data'));
  });
});

describe('cache (ElastiCache Redis)', () => {
  it('is a replication group with Multi-AZ failover, encrypted at rest and in transit, with an AUTH token', () => {
    const [, redis] = only(template, 'AWS::ElastiCache::ReplicationGroup');
    expect(redis.Properties).toMatchObject({
      Engine: 'redis',
      NumCacheClusters: 2,
      AutomaticFailoverEnabled: true,
      MultiAZEnabled: true,
      AtRestEncryptionEnabled: true,
      KmsKeyId: { 'Fn::GetAtt': [logicalId(synthesized.stack.data.key), 'Arn'] },
      TransitEncryptionEnabled: true,
      TransitEncryptionMode: 'required',
    });
    expect(json(redis.Properties.AuthToken)).toContain('{{resolve:secretsmanager:');
    const [, subnetGroup] = only(template, 'AWS::ElastiCache::SubnetGroup');
    expect(refIds(subnetGroup.Properties.SubnetIds)).toEqual(subnetsNamed('data'));
  });
});

describe('broker (Amazon MQ for RabbitMQ)', () => {
  it('is a private multi-AZ cluster whose user password comes from Secrets Manager', () => {
    const [, broker] = only(template, 'AWS::AmazonMQ::Broker');
    expect(broker.Properties).toMatchObject({
      EngineType: 'RABBITMQ',
      DeploymentMode: 'CLUSTER_MULTI_AZ',
      PubliclyAccessible: false,
      AutoMinorVersionUpgrade: true,
    });
    const users = broker.Properties.Users as { Username: string; Password: unknown }[];
    expect(users).toHaveLength(1);
    expect(json(users[0]?.Password)).toContain('{{resolve:secretsmanager:');
    expect(refIds(broker.Properties.SubnetIds)).toEqual(subnetsNamed('data'));
  });
});

describe('secrets', () => {
  it('never puts a secret value in the template: generated, or assembled from dynamic references', () => {
    const secrets = resources(template, 'AWS::SecretsManager::Secret');
    expect(secrets.length).toBeGreaterThanOrEqual(8);
    for (const [, secret] of secrets) {
      const value = secret.Properties.SecretString;
      if (value === undefined) {
        expect(secret.Properties.GenerateSecretString).toBeDefined();
        continue;
      }
      expect(typeof value).not.toBe('string');
      expect(json(value)).toContain('{{resolve:secretsmanager:');
    }
  });

  it('builds DATABASE_URL, REDIS_URL and AMQP_URL over TLS from the generated credentials', () => {
    const secretString = (construct: IConstruct) =>
      json(template.toJSON().Resources[logicalId(construct)].Properties.SecretString);
    const { data, messaging } = synthesized.stack;
    expect(secretString(data.databaseUrl)).toContain('postgres://ledgerbase:{{resolve:secretsmanager:');
    expect(secretString(data.databaseUrl)).toContain('/ledgerbase?sslmode=no-verify');
    expect(secretString(data.redisUrl)).toContain('rediss://:{{resolve:secretsmanager:');
    expect(secretString(messaging.amqpUrl)).toContain('amqps://ledgerbase:{{resolve:secretsmanager:');
  });

  it('generates the JWT signing key once with a retained secret, before the services start', () => {
    const { secrets, services } = synthesized.stack;
    template.hasResource('AWS::SecretsManager::Secret', {
      Properties: Match.objectLike({ Description: Match.stringLikeRegexp('JWT_PRIVATE_KEY') }),
      DeletionPolicy: 'Retain',
    });
    template.hasResource('AWS::SecretsManager::Secret', {
      Properties: Match.objectLike({ Description: Match.stringLikeRegexp('ENCRYPTION_KEY') }),
      DeletionPolicy: 'Retain',
    });
    template.hasResourceProperties('Custom::LedgerbaseSigningKey', { SecretId: ref(secrets.jwtPrivateKey) });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Code: { ZipFile: SIGNING_KEY_HANDLER_SOURCE },
      Handler: 'index.handler',
    });
    // CloudFormation's limit for inline code.
    expect(SIGNING_KEY_HANDLER_SOURCE.length).toBeLessThan(4096);
    const signingKey = logicalId(secrets.signingKeyReady as IConstruct);
    for (const service of [services.api, services.worker]) {
      const [, resource] =
        resources(template, 'AWS::ECS::Service').find(([id]) => id === logicalId(service)) ?? [];
      expect(resource?.DependsOn).toContain(signingKey);
    }
  });
});

describe('edge (ALB, TLS, WAF)', () => {
  it('is an internet-facing ALB in the public subnets that drops invalid headers', () => {
    const [, alb] = only(template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(alb.Properties.Scheme).toBe('internet-facing');
    expect(refIds(alb.Properties.Subnets)).toEqual(subnetsNamed('public'));
    expect(alb.Properties.LoadBalancerAttributes).toEqual(
      expect.arrayContaining([
        { Key: 'routing.http.drop_invalid_header_fields.enabled', Value: 'true' },
        { Key: 'deletion_protection.enabled', Value: 'true' },
      ]),
    );
  });

  it('listens on 443 with the ACM certificate and a TLS 1.3 policy, forwarding to the api', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      Protocol: 'HTTPS',
      SslPolicy: 'ELBSecurityPolicy-TLS13-1-3-2021-06',
      Certificates: [{ CertificateArn: TEST_CERTIFICATE_ARN }],
      DefaultActions: [{ Type: 'forward', TargetGroupArn: ref(synthesized.stack.services.apiTargetGroup) }],
    });
  });

  it('redirects port 80 to HTTPS 443', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 80,
      Protocol: 'HTTP',
      DefaultActions: [
        { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' } },
      ],
    });
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::Listener', 2);
  });

  it('health-checks the api tasks on /readyz', () => {
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
      Port: 3000,
      Protocol: 'HTTP',
      TargetType: 'ip',
      HealthCheckPath: '/readyz',
      Matcher: { HttpCode: '200' },
    });
  });

  it('puts a WAF web ACL with the AWS common rule set and a per-IP rate rule on the ALB', () => {
    const [aclId, acl] = only(template, 'AWS::WAFv2::WebACL');
    expect(acl.Properties).toMatchObject({ Scope: 'REGIONAL', DefaultAction: { Allow: {} } });
    const rules = acl.Properties.Rules as Record<string, unknown>[];
    expect(rules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Action: { Block: {} },
          Statement: { RateBasedStatement: expect.objectContaining({ Limit: 3000, AggregateKeyType: 'IP' }) },
        }),
        expect.objectContaining({
          OverrideAction: { None: {} },
          Statement: {
            ManagedRuleGroupStatement: expect.objectContaining({
              VendorName: 'AWS',
              Name: 'AWSManagedRulesCommonRuleSet',
              // Bodies up to 1 MiB are legitimate; the rule set's 8 KB limit only counts.
              RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }],
            }),
          },
        }),
      ]),
    );
    template.hasResourceProperties('AWS::WAFv2::WebACLAssociation', {
      ResourceArn: ref(synthesized.stack.edge.loadBalancer),
      WebACLArn: { 'Fn::GetAtt': [aclId, 'Arn'] },
    });
  });
});

describe('security groups', () => {
  type Ingress = {
    group: unknown;
    CidrIp?: string;
    CidrIpv6?: string;
    FromPort?: number;
    ToPort?: number;
    SourceSecurityGroupId?: unknown;
  };
  /** Every ingress rule, inline or standalone, with the group it opens. */
  function ingressRules(): Ingress[] {
    const rules: Ingress[] = [];
    for (const [id, group] of resources(template, 'AWS::EC2::SecurityGroup')) {
      for (const rule of (group.Properties.SecurityGroupIngress ?? []) as Ingress[]) {
        rules.push({ ...rule, group: { 'Fn::GetAtt': [id, 'GroupId'] } });
      }
    }
    for (const [, rule] of resources(template, 'AWS::EC2::SecurityGroupIngress')) {
      rules.push({ ...(rule.Properties as Ingress), group: rule.Properties.GroupId });
    }
    return rules;
  }
  const from = (group: unknown) =>
    ingressRules()
      .filter((rule) => json(rule.group) === json(group))
      .map((rule) => ({
        source: rule.SourceSecurityGroupId ?? rule.CidrIp,
        port: rule.FromPort,
        to: rule.ToPort,
      }));

  it('opens nothing to the internet but the ALB on 80 and 443', () => {
    const albGroup = groupId(synthesized.stack.edge.loadBalancer.connections.securityGroups[0] as IConstruct);
    const open = ingressRules().filter((rule) => rule.CidrIp === '0.0.0.0/0' || rule.CidrIpv6 === '::/0');
    expect(open.map((rule) => ({ group: rule.group, port: rule.FromPort, to: rule.ToPort }))).toEqual([
      { group: albGroup, port: 443, to: 443 },
      { group: albGroup, port: 80, to: 80 },
    ]);
    // Nor any other CIDR range anywhere.
    expect(ingressRules().filter((rule) => rule.CidrIp || rule.CidrIpv6)).toHaveLength(2);
  });

  it('lets the ALB reach the api on the app port only, and nothing reach the worker', () => {
    const { edge, services } = synthesized.stack;
    const albGroup = groupId(edge.loadBalancer.connections.securityGroups[0] as IConstruct);
    const apiGroup = groupId(services.api.connections.securityGroups[0] as IConstruct);
    const workerGroup = groupId(services.worker.connections.securityGroups[0] as IConstruct);
    expect(from(apiGroup)).toEqual([{ source: albGroup, port: 3000, to: 3000 }]);
    expect(from(workerGroup)).toEqual([]);
  });

  it('lets only the api and worker tasks reach PostgreSQL, Redis (api only) and RabbitMQ', () => {
    const { data, messaging, services } = synthesized.stack;
    const apiGroup = groupId(services.api.connections.securityGroups[0] as IConstruct);
    const workerGroup = groupId(services.worker.connections.securityGroups[0] as IConstruct);
    const dbGroup = groupId(data.database.connections.securityGroups[0] as IConstruct);
    const redisGroup = groupId(data.redisConnections.securityGroups[0] as IConstruct);
    const mqGroup = groupId(messaging.connections.securityGroups[0] as IConstruct);
    const sorted = (list: ReturnType<typeof from>) =>
      [...list].sort((a, b) => json(a).localeCompare(json(b)));
    expect(sorted(from(dbGroup))).toEqual(
      sorted([
        { source: apiGroup, port: 5432, to: 5432 },
        { source: workerGroup, port: 5432, to: 5432 },
      ]),
    );
    expect(from(redisGroup)).toEqual([{ source: apiGroup, port: 6379, to: 6379 }]);
    expect(sorted(from(mqGroup))).toEqual(
      sorted([
        { source: apiGroup, port: 5671, to: 5671 },
        { source: workerGroup, port: 5671, to: 5671 },
      ]),
    );
  });
});

describe('services (ECS Fargate)', () => {
  const service = (construct: IConstruct) => {
    const [, resource] =
      resources(template, 'AWS::ECS::Service').find(([id]) => id === logicalId(construct)) ?? [];
    return resource?.Properties ?? {};
  };

  it('runs at least two api tasks in the private subnets with rolling, self-reverting deploys', () => {
    const api = service(synthesized.stack.services.api);
    expect(api.DesiredCount).toBeGreaterThanOrEqual(2);
    expect(api.LaunchType).toBe('FARGATE');
    expect(api.DeploymentConfiguration).toEqual({
      DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      MinimumHealthyPercent: 100,
      MaximumPercent: 200,
    });
    expect(api.AvailabilityZoneRebalancing).toBe('ENABLED');
    expect(api.LoadBalancers).toEqual([
      {
        ContainerName: 'api',
        ContainerPort: 3000,
        TargetGroupArn: ref(synthesized.stack.services.apiTargetGroup),
      },
    ]);
    const network = (api.NetworkConfiguration as { AwsvpcConfiguration: Record<string, unknown> })
      .AwsvpcConfiguration;
    expect(network.AssignPublicIp).toBe('DISABLED');
    expect(refIds(network.Subnets)).toEqual(subnetsNamed('app'));
  });

  it('autoscales the api on CPU and on requests per target, never below two tasks', () => {
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 2,
      MaxCapacity: 10,
      ScalableDimension: 'ecs:service:DesiredCount',
    });
    const metrics = resources(template, 'AWS::ApplicationAutoScaling::ScalingPolicy').map(
      ([, policy]) =>
        (
          policy.Properties.TargetTrackingScalingPolicyConfiguration as {
            PredefinedMetricSpecification: { PredefinedMetricType: string };
          }
        ).PredefinedMetricSpecification.PredefinedMetricType,
    );
    expect(metrics.sort()).toEqual(['ALBRequestCountPerTarget', 'ECSServiceAverageCPUUtilization']);
  });

  it('runs the worker apart (WORKER=external) without a load balancer', () => {
    const worker = service(synthesized.stack.services.worker);
    expect(worker.DesiredCount).toBeGreaterThanOrEqual(2);
    expect(worker.LoadBalancers ?? []).toEqual([]);
    expect(worker.DeploymentConfiguration).toMatchObject({
      DeploymentCircuitBreaker: { Enable: true, Rollback: true },
    });
    const container = containers(template).get('worker');
    expect(container?.Command).toEqual(WORKER_COMMAND);
    expect(environmentOf(container).WORKER).toBe('external');
    // The api processes leave the background work to it.
    expect(environmentOf(containers(template).get('api')).WORKER).toBe('external');
    template.resourceCountIs('AWS::ElasticLoadBalancingV2::TargetGroup', 1);
  });

  it('injects every secret through ECS Secrets, none through Environment', () => {
    const { data, messaging, secrets } = synthesized.stack;
    const api = containers(template).get('api');
    const worker = containers(template).get('worker');
    for (const container of [api, worker]) {
      const plain = Object.keys(environmentOf(container));
      for (const name of SECRET_VARIABLES) {
        expect(plain).not.toContain(name);
        expect(plain).not.toContain(`${name}_FILE`);
      }
    }
    const valueFrom = (container: typeof api) =>
      Object.fromEntries((container?.Secrets ?? []).map((item) => [item.Name, item.ValueFrom]));
    expect(valueFrom(api)).toEqual({
      DATABASE_URL: ref(data.databaseUrl),
      REDIS_URL: ref(data.redisUrl),
      AMQP_URL: ref(messaging.amqpUrl),
      JWT_PRIVATE_KEY: ref(secrets.jwtPrivateKey),
      ENCRYPTION_KEY: ref(secrets.encryptionKey),
      ADMIN_PASSWORD: ref(secrets.adminPassword as IConstruct),
    });
    // The worker does not use Redis and does not bootstrap the admin.
    expect(valueFrom(worker)).toEqual({
      DATABASE_URL: ref(data.databaseUrl),
      AMQP_URL: ref(messaging.amqpUrl),
      JWT_PRIVATE_KEY: ref(secrets.jwtPrivateKey),
      ENCRYPTION_KEY: ref(secrets.encryptionKey),
    });
  });

  it('configures the api for the ALB: listen on all interfaces, trust only the public subnets as proxies', () => {
    const env = environmentOf(containers(template).get('api'));
    expect(env).toMatchObject({
      HOST: '0.0.0.0',
      PORT: '3000',
      NODE_ENV: 'production',
      ADMIN_EMAIL: 'admin@example.com',
    });
    const publicCidrs = subnetsNamed('public').map(
      (id) => template.toJSON().Resources[id].Properties.CidrBlock as string,
    );
    expect(String(env.TRUSTED_PROXIES).split(',').sort()).toEqual(publicCidrs.sort());
  });

  it('runs the image from the ECR repository at the ImageTag parameter', () => {
    template.hasParameter('ImageTag', { Type: 'String', Default: 'latest' });
    const image = json(containers(template).get('api')?.Image);
    expect(json(containers(template).get('worker')?.Image)).toBe(image);
    expect(image).toContain('.dkr.ecr.eu-west-1.');
    expect(image).toContain('/ledgerbase:');
    expect(image).toContain('{"Ref":"ImageTag"}');
  });

  it('outputs what deploys and one-off CLI tasks need', () => {
    const outputs = Object.keys(template.toJSON().Outputs);
    expect(outputs).toEqual(
      expect.arrayContaining([
        'Url',
        'LoadBalancerDnsName',
        'ClusterName',
        'ApiServiceName',
        'WorkerTaskDefinitionArn',
        'AppSubnetIds',
        'WorkerSecurityGroupId',
        'AdminPasswordSecretArn',
        'AlarmTopicArn',
      ]),
    );
  });

  it('logs to CloudWatch log groups that all have a retention', () => {
    const groups = resources(template, 'AWS::Logs::LogGroup');
    expect(groups.length).toBeGreaterThanOrEqual(3);
    for (const [, group] of groups) expect(group.Properties.RetentionInDays).toBeGreaterThan(0);
    for (const name of ['api', 'worker']) {
      const options = (
        containers(template).get(name) as unknown as { LogConfiguration: Record<string, unknown> }
      ).LogConfiguration;
      expect(options).toMatchObject({
        LogDriver: 'awslogs',
        Options: expect.objectContaining({ mode: 'non-blocking' }),
      });
    }
    template.hasResourceProperties('AWS::ECS::Cluster', {
      ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }],
    });
  });
});

describe('alarms', () => {
  const alarms = () =>
    resources(template, 'AWS::CloudWatch::Alarm').map(([, alarm]) => alarm.Properties ?? {});
  const named = (suffix: string) => alarms().find((alarm) => alarm.AlarmName === `ledgerbase-${suffix}`);

  it('exist for 5xx rate, p99 latency, unhealthy hosts, the worker and RDS CPU and storage', () => {
    for (const suffix of [
      'http-5xx-rate',
      'api-latency-p99',
      'api-unhealthy-targets',
      'api-no-healthy-targets',
      'worker-not-running',
      'rds-cpu',
      'rds-free-storage',
    ]) {
      expect(named(suffix), suffix).toBeDefined();
    }
    expect(named('api-latency-p99')).toMatchObject({
      MetricName: 'TargetResponseTime',
      ExtendedStatistic: 'p99',
      Threshold: 0.5,
    });
    expect(named('api-unhealthy-targets')).toMatchObject({ MetricName: 'UnHealthyHostCount', Threshold: 1 });
    expect(named('rds-cpu')).toMatchObject({
      MetricName: 'CPUUtilization',
      Namespace: 'AWS/RDS',
      Threshold: 80,
    });
    expect(named('rds-free-storage')).toMatchObject({ MetricName: 'FreeStorageSpace', Namespace: 'AWS/RDS' });
    const expression = json(named('http-5xx-rate')?.Metrics);
    expect(expression).toContain('HTTPCode_Target_5XX_Count');
    expect(expression).toContain('HTTPCode_ELB_5XX_Count');
    expect(expression).toContain('RequestCount');
  });

  it('notify one SNS topic on alarm and on recovery', () => {
    const topic = ref(synthesized.stack.observability.topic);
    expect(alarms().length).toBeGreaterThanOrEqual(7);
    for (const alarm of alarms()) {
      expect(alarm.AlarmActions).toEqual([topic]);
      expect(alarm.OKActions).toEqual([topic]);
    }
  });
});
