import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53Targets from 'aws-cdk-lib/aws-route53-targets';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { Network } from './network.ts';
import { type LedgerbaseSettings, SettingsError } from './settings.ts';

export type EdgeProps = { settings: LedgerbaseSettings; network: Network };

/**
 * The public edge: an internet-facing ALB in the public subnets terminating TLS with an ACM
 * certificate and a TLS 1.3 policy, port 80 only redirecting to 443, and a WAF web ACL (AWS common
 * rule set, known bad inputs, IP reputation and a per-IP rate rule) in front of it. Its security
 * group is the only one open to the internet, on 80 and 443; it reaches the api tasks only.
 */
export class Edge extends Construct {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly httpsListener: elbv2.ApplicationListener;
  readonly webAcl: wafv2.CfnWebACL;
  /** `https://<domain>` when a domain is configured, else the ALB's DNS name (certificate mismatch). */
  readonly url: string;

  constructor(scope: Construct, id: string, { settings, network }: EdgeProps) {
    super(scope, id);

    const securityGroup = new ec2.SecurityGroup(this, 'AlbSecurityGroup', {
      vpc: network.vpc,
      description: `${settings.appName} ALB: HTTPS (and HTTP, redirected) from the internet`,
      allowAllOutbound: false,
    });
    securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS from anywhere');
    securityGroup.addIngressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(80),
      'HTTP from anywhere, redirected to HTTPS',
    );

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc: network.vpc,
      vpcSubnets: network.publicSubnets,
      internetFacing: true,
      securityGroup,
      dropInvalidHeaderFields: true,
      http2Enabled: true,
      deletionProtection: settings.deletionProtection,
    });

    const zone =
      settings.hostedZoneId && settings.hostedZoneName
        ? route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
            hostedZoneId: settings.hostedZoneId,
            zoneName: settings.hostedZoneName,
          })
        : undefined;
    const certificate = this.certificate(settings, zone);

    this.httpsListener = this.loadBalancer.addListener('Https', {
      port: 443,
      protocol: elbv2.ApplicationProtocol.HTTPS,
      certificates: [elbv2.ListenerCertificate.fromCertificateManager(certificate)],
      sslPolicy: settings.sslPolicy as elbv2.SslPolicy,
      // Ingress is the explicit 80/443 rules above; the api service adds itself as the default target.
      open: false,
    });
    this.loadBalancer.addRedirect({
      sourceProtocol: elbv2.ApplicationProtocol.HTTP,
      sourcePort: 80,
      targetProtocol: elbv2.ApplicationProtocol.HTTPS,
      targetPort: 443,
      open: false,
    });

    if (zone && settings.domainName) {
      new route53.ARecord(this, 'AliasRecord', {
        zone,
        recordName: settings.domainName,
        target: route53.RecordTarget.fromAlias(new route53Targets.LoadBalancerTarget(this.loadBalancer)),
      });
      this.url = `https://${settings.domainName}`;
    } else {
      this.url = settings.domainName
        ? `https://${settings.domainName}`
        : `https://${this.loadBalancer.loadBalancerDnsName}`;
    }

    this.webAcl = this.firewall(settings);
    new wafv2.CfnWebACLAssociation(this, 'WebAclAssociation', {
      resourceArn: this.loadBalancer.loadBalancerArn,
      webAclArn: this.webAcl.attrArn,
    });
  }

  private certificate(settings: LedgerbaseSettings, zone: route53.IHostedZone | undefined): acm.ICertificate {
    if (settings.certificateArn) {
      return acm.Certificate.fromCertificateArn(this, 'Certificate', settings.certificateArn);
    }
    if (settings.domainName && zone) {
      return new acm.Certificate(this, 'Certificate', {
        domainName: settings.domainName,
        validation: acm.CertificateValidation.fromDns(zone),
      });
    }
    throw new SettingsError(
      'certificateArn',
      'must be set (an ACM certificate in the stack region), or domainName with hostedZoneId and hostedZoneName',
    );
  }

  private firewall(settings: LedgerbaseSettings): wafv2.CfnWebACL {
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName: `${settings.appName}-${metricName}`,
      sampledRequestsEnabled: true,
    });
    const managed = (
      priority: number,
      name: string,
      countOnly: readonly string[] = [],
    ): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: 'AWS',
          name,
          ruleActionOverrides: countOnly.length
            ? countOnly.map((rule) => ({ name: rule, actionToUse: { count: {} } }))
            : undefined,
        },
      },
      visibilityConfig: visibility(name),
    });
    return new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      description: `${settings.appName}: managed rules and a per-IP rate limit in front of the ALB`,
      defaultAction: { allow: {} },
      visibilityConfig: visibility('web-acl'),
      rules: [
        {
          name: 'RateLimitPerIp',
          priority: 0,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: settings.wafRateLimit,
              aggregateKeyType: 'IP',
              evaluationWindowSec: 300,
            },
          },
          visibilityConfig: visibility('rate-limit'),
        },
        managed(1, 'AWSManagedRulesAmazonIpReputationList'),
        managed(2, 'AWSManagedRulesCommonRuleSet', settings.wafCountOnlyRules),
        managed(3, 'AWSManagedRulesKnownBadInputsRuleSet'),
      ],
    });
  }
}
