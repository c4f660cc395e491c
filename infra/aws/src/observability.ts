import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import type { Data } from './data.ts';
import type { Edge } from './edge.ts';
import type { Services } from './service.ts';
import type { LedgerbaseSettings } from './settings.ts';

export type ObservabilityProps = { settings: LedgerbaseSettings; edge: Edge; services: Services; data: Data };

/**
 * Alarms on what the seed's NFRs promise (section 8): 5xx ratio (availability), target p99
 * latency, unhealthy or missing api targets, a worker with no running task, and the database's CPU
 * and free storage. Every alarm and its recovery go to one SNS topic (subscribe email, chat or a
 * pager to it; `alarmEmail` adds an email subscription).
 */
export class Observability extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, { settings, edge, services, data }: ObservabilityProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'AlarmTopic', {
      displayName: `${settings.appName} alarms`,
      enforceSSL: true,
    });
    if (settings.alarmEmail) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(settings.alarmEmail));
    }
    const name = (suffix: string) => `${settings.appName}-${suffix}`;
    const fiveMinutes = Duration.minutes(5);
    const alb = edge.loadBalancer.metrics;
    const targets = services.apiTargetGroup.metrics;

    const errorRate = new cloudwatch.MathExpression({
      label: '5xx % of requests',
      expression: 'IF(requests > 0, 100 * (target5xx + elb5xx) / requests, 0)',
      usingMetrics: {
        requests: alb.requestCount({ statistic: 'Sum', period: fiveMinutes }),
        target5xx: alb.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
          statistic: 'Sum',
          period: fiveMinutes,
        }),
        elb5xx: alb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, { statistic: 'Sum', period: fiveMinutes }),
      },
      period: fiveMinutes,
    });
    this.alarm('Http5xxRate', {
      alarmName: name('http-5xx-rate'),
      alarmDescription: `More than ${settings.error5xxPercent}% of requests answered 5xx (ALB and targets), 2 of 3 five-minute periods`,
      metric: errorRate,
      threshold: settings.error5xxPercent,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });

    this.alarm('TargetLatencyP99', {
      alarmName: name('api-latency-p99'),
      alarmDescription: `api p99 response time above ${settings.latencyP99Seconds * 1000} ms for 15 minutes`,
      metric: targets.targetResponseTime({ statistic: 'p99', period: fiveMinutes }),
      threshold: settings.latencyP99Seconds,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
    });

    this.alarm('UnhealthyTargets', {
      alarmName: name('api-unhealthy-targets'),
      alarmDescription: 'An api task has failed the /readyz health check for 5 minutes',
      metric: targets.unhealthyHostCount({ statistic: 'Maximum', period: Duration.minutes(1) }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 5,
    });

    this.alarm('NoHealthyTargets', {
      alarmName: name('api-no-healthy-targets'),
      alarmDescription: 'No api task passes /readyz: the service is down',
      metric: targets.healthyHostCount({ statistic: 'Minimum', period: Duration.minutes(1) }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    this.alarm('WorkerNotRunning', {
      alarmName: name('worker-not-running'),
      alarmDescription: 'No worker task has run for 5 minutes: webhooks, relays and scheduled jobs wait',
      metric: new cloudwatch.Metric({
        namespace: 'ECS/ContainerInsights',
        metricName: 'RunningTaskCount',
        dimensionsMap: {
          ClusterName: services.cluster.clusterName,
          ServiceName: services.worker.serviceName,
        },
        statistic: 'Minimum',
        period: Duration.minutes(1),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 5,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    this.alarm('DatabaseCpu', {
      alarmName: name('rds-cpu'),
      alarmDescription: 'RDS CPU above 80% for 15 minutes',
      metric: data.database.metricCPUUtilization({ period: fiveMinutes }),
      threshold: 80,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
    });

    const lowStorageBytes = Math.round(settings.dbAllocatedStorageGiB * 0.1 * 1024 ** 3);
    this.alarm('DatabaseFreeStorage', {
      alarmName: name('rds-free-storage'),
      alarmDescription: 'RDS free storage below 10% of the allocated size (autoscaling has not kept up)',
      metric: data.database.metricFreeStorageSpace({ statistic: 'Minimum', period: fiveMinutes }),
      threshold: lowStorageBytes,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 2,
    });
  }

  private alarm(id: string, props: cloudwatch.AlarmProps): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, {
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...props,
    });
    const action = new cloudwatchActions.SnsAction(this.topic);
    alarm.addAlarmAction(action);
    alarm.addOkAction(action);
    this.alarms.push(alarm);
    return alarm;
  }
}
