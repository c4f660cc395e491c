import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { only, resources, SYNTH_TIMEOUT_MS, synthesize } from './synth.ts';

// The reduced profile, with a certificate issued for a domain instead of an existing ARN.
let template: Template;
beforeAll(() => {
  template = synthesize({
    profile: 'staging',
    certificateArn: undefined,
    domainName: 'staging.ledgerbase.example.com',
    hostedZoneId: 'Z0000000000000EXAMPLE',
    hostedZoneName: 'ledgerbase.example.com',
    imageTag: 'v1.2.3',
  }).template;
}, SYNTH_TIMEOUT_MS);

describe('staging profile', () => {
  it('keeps the topology with single instances and no deletion protection', () => {
    const [, db] = only(template, 'AWS::RDS::DBInstance');
    expect(db.Properties).toMatchObject({
      MultiAZ: false,
      DeletionProtection: false,
      StorageEncrypted: true,
    });
    expect(db.Properties.BackupRetentionPeriod).toBe(7);
    const [, redis] = only(template, 'AWS::ElastiCache::ReplicationGroup');
    expect(redis.Properties).toMatchObject({
      NumCacheClusters: 1,
      AutomaticFailoverEnabled: false,
      MultiAZEnabled: false,
      AtRestEncryptionEnabled: true,
      TransitEncryptionEnabled: true,
    });
    const [, broker] = only(template, 'AWS::AmazonMQ::Broker');
    expect(broker.Properties).toMatchObject({
      DeploymentMode: 'SINGLE_INSTANCE',
      HostInstanceType: 'mq.t3.micro',
    });
    expect(broker.Properties.SubnetIds).toHaveLength(1);
    template.resourceCountIs('AWS::EC2::NatGateway', 1);
    const desired = resources(template, 'AWS::ECS::Service').map(
      ([, service]) => service.Properties.DesiredCount,
    );
    expect(desired).toEqual([1, 1]);
    template.hasParameter('ImageTag', { Default: 'v1.2.3' });
  });

  it('issues a DNS-validated certificate for the domain and points the domain at the ALB', () => {
    template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: 'staging.ledgerbase.example.com',
      ValidationMethod: 'DNS',
      DomainValidationOptions: [
        { DomainName: 'staging.ledgerbase.example.com', HostedZoneId: 'Z0000000000000EXAMPLE' },
      ],
    });
    template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
      Port: 443,
      SslPolicy: Match.stringLikeRegexp('^ELBSecurityPolicy-TLS13-'),
    });
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'staging.ledgerbase.example.com.',
      Type: 'A',
      HostedZoneId: 'Z0000000000000EXAMPLE',
    });
    template.hasOutput('Url', { Value: 'https://staging.ledgerbase.example.com' });
  });
});

describe('synthesis guards', () => {
  it('refuses to synthesize without a certificate or a domain to issue one for', () => {
    expect(() => synthesize({ certificateArn: undefined })).toThrow(/certificateArn must be set/);
  });
});
