import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { defineLedgerbase, type LedgerbaseStack } from '../src/ledgerbase-stack.ts';

/** The feature flags of cdk.json, so the tests synthesize what `cdk deploy` would. */
const cdkJson = JSON.parse(readFileSync(new URL('../cdk.json', import.meta.url), 'utf8')) as {
  context: Record<string, unknown>;
};

/** A made-up account: synthesis is offline, nothing is looked up. */
export const TEST_ENV = { account: '111111111111', region: 'eu-west-1' };
export const TEST_CERTIFICATE_ARN =
  'arn:aws:acm:eu-west-1:111111111111:certificate/00000000-0000-0000-0000-000000000000';

/** Synthesis takes seconds (more on a busy machine): one per test file, in `beforeAll`. */
export const SYNTH_TIMEOUT_MS = 180_000;

export type Synthesized = { stack: LedgerbaseStack; template: Template };

export function synthesize(context: Record<string, unknown> = {}): Synthesized {
  const app = new App({ context: { ...cdkJson.context, certificateArn: TEST_CERTIFICATE_ARN, ...context } });
  const stack = defineLedgerbase(app, TEST_ENV);
  return { stack, template: Template.fromStack(stack) };
}

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: string[] };

/** `[logicalId, resource]` pairs of one type. */
export function resources(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.findResources(type)).map(([id, resource]) => [
    id,
    { ...resource, Properties: resource.Properties ?? {} } as Resource,
  ]);
}

/** The one resource of a type (fails when there are none or several). */
export function only(template: Template, type: string): [string, Resource] {
  const found = resources(template, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0] as [string, Resource];
}

export type ContainerDefinition = {
  Name: string;
  Image?: unknown;
  Command?: string[];
  Environment?: { Name: string; Value: unknown }[];
  Secrets?: { Name: string; ValueFrom: unknown }[];
};

/** The container definitions of every task definition, by container name. */
export function containers(template: Template): Map<string, ContainerDefinition> {
  const byName = new Map<string, ContainerDefinition>();
  for (const [, task] of resources(template, 'AWS::ECS::TaskDefinition')) {
    for (const container of (task.Properties.ContainerDefinitions ?? []) as ContainerDefinition[]) {
      byName.set(container.Name, container);
    }
  }
  return byName;
}

/** A container's plain environment as an object. */
export function environmentOf(container: ContainerDefinition | undefined): Record<string, unknown> {
  return Object.fromEntries((container?.Environment ?? []).map((item) => [item.Name, item.Value]));
}
