import { describe, expect, it } from 'vitest';
import { readSettings, SettingsError } from '../src/settings.ts';

/** Context as `-c key=value` gives it: strings. */
const settingsFrom = (context: Record<string, unknown>) => readSettings((key) => context[key]);

describe('readSettings', () => {
  it('defaults to a multi-AZ production deployment', () => {
    const settings = settingsFrom({});
    expect(settings).toMatchObject({
      profile: 'production',
      maxAzs: 2,
      natGateways: 2,
      apiDesiredCount: 2,
      workerDesiredCount: 2,
      dbMultiAz: true,
      deletionProtection: true,
      dbBackupRetentionDays: 14,
      redisNodes: 2,
      mqDeploymentMode: 'CLUSTER_MULTI_AZ',
      sslPolicy: 'ELBSecurityPolicy-TLS13-1-3-2021-06',
      wafCountOnlyRules: ['SizeRestrictions_BODY'],
      imageTag: 'latest',
      ecrRepositoryName: 'ledgerbase',
      logRetentionDays: 90,
    });
    expect(Object.isFrozen(settings)).toBe(true);
  });

  it('reduces every tier to one instance in the staging profile', () => {
    expect(settingsFrom({ profile: 'staging' })).toMatchObject({
      natGateways: 1,
      apiDesiredCount: 1,
      workerDesiredCount: 1,
      dbMultiAz: false,
      deletionProtection: false,
      redisNodes: 1,
      mqDeploymentMode: 'SINGLE_INSTANCE',
      mqInstanceType: 'mq.t3.micro',
    });
  });

  it('reads strings from -c and JSON values from cdk.json alike', () => {
    const fromCli = settingsFrom({
      apiDesiredCount: '3',
      enableExecuteCommand: 'true',
      latencyP99Seconds: '0.25',
      wafCountOnlyRules: 'SizeRestrictions_BODY,CrossSiteScripting_BODY',
      appEnvironment: '{"CORS_ORIGINS":"https://app.example.com","REGISTRATION":"closed"}',
    });
    const fromJson = settingsFrom({
      apiDesiredCount: 3,
      enableExecuteCommand: true,
      latencyP99Seconds: 0.25,
      wafCountOnlyRules: ['SizeRestrictions_BODY', 'CrossSiteScripting_BODY'],
      appEnvironment: { CORS_ORIGINS: 'https://app.example.com', REGISTRATION: 'closed' },
    });
    expect(fromCli).toEqual(fromJson);
    expect(fromCli.apiDesiredCount).toBe(3);
    expect(fromCli.appEnvironment).toEqual({
      CORS_ORIGINS: 'https://app.example.com',
      REGISTRATION: 'closed',
    });
    expect(settingsFrom({ wafCountOnlyRules: 'none' }).wafCountOnlyRules).toEqual([]);
  });

  it.each([
    [{ profile: 'prod' }, 'profile'],
    [{ apiDesiredCount: '1' }, 'apiDesiredCount must be between 2'],
    [{ maxAzs: '1' }, 'maxAzs must be between 2'],
    [{ dbMultiAz: 'false' }, 'production requires dbMultiAz'],
    [{ deletionProtection: 'false' }, 'production requires dbMultiAz and deletionProtection'],
    [{ dbBackupRetentionDays: '3' }, 'dbBackupRetentionDays must be between 7'],
    [{ redisNodes: '1' }, 'redisNodes must be between 2'],
    [{ mqDeploymentMode: 'SINGLE_INSTANCE' }, 'mqDeploymentMode must be CLUSTER_MULTI_AZ'],
    [{ mqInstanceType: 'mq.t3.micro' }, 'mqInstanceType'],
    [{ sslPolicy: 'ELBSecurityPolicy-2016-08' }, 'sslPolicy must be a TLS 1.3 policy'],
    [{ logRetentionDays: '100' }, 'logRetentionDays must be one of'],
    [{ apiDesiredCount: 'two' }, 'apiDesiredCount must be an integer'],
    [{ enableExecuteCommand: 'yes' }, 'enableExecuteCommand must be true or false'],
    [{ appEnvironment: '{"DATABASE_URL":"postgres://x"}' }, 'must not set DATABASE_URL'],
    [{ appEnvironment: '{"JWT_PRIVATE_KEY_FILE":"/k.pem"}' }, 'must not set JWT_PRIVATE_KEY_FILE'],
    [{ appEnvironment: '{"PORT":3000}' }, 'value of PORT must be a string'],
    [{ dbAllocatedStorageGiB: '200', dbMaxAllocatedStorageGiB: '100' }, 'dbMaxAllocatedStorageGiB'],
  ])('rejects %j', (context, message) => {
    expect(() => settingsFrom(context)).toThrow(SettingsError);
    expect(() => settingsFrom(context)).toThrow(message);
  });
});
