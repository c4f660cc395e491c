// CI's staleness check (ARCHITECTURE.md "Tests": CI regenerates the OpenAPI document and the SDK
// and fails on a diff): the committed files must be exactly what the code generates now.
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  GENERATED_FILES,
  GENERATED_NOTICE,
  type GeneratedSdk,
  generateSdk,
  SDK_ROOT,
} from '../scripts/generate-sdk.ts';

const FILES = Object.keys(GENERATED_FILES) as Array<keyof GeneratedSdk>;

/** Where two texts part, as `line N`, so the failure says more than "not equal". */
function firstDifference(expected: string, actual: string): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  const line = a.findIndex((text, index) => text !== b[index]);
  const at = line === -1 ? a.length : line;
  return `line ${at + 1}: committed ${JSON.stringify(b[at] ?? '<end of file>')}, generated ${JSON.stringify(a[at] ?? '<end of file>')}`;
}

let generated: GeneratedSdk;

beforeAll(async () => {
  generated = await generateSdk();
});

describe('the generated SDK', () => {
  it.each(FILES.map((key) => [GENERATED_FILES[key], key] as const))(
    '%s is committed exactly as generated',
    (file, key) => {
      const committed = readFileSync(path.join(SDK_ROOT, file), 'utf8');
      const fresh = generated[key];
      const message = `packages/sdk/${file} is stale (${firstDifference(fresh, committed)}): run \`npm run sdk:generate\` and commit the result`;
      // Compared as one boolean: a diff of two 300 kB strings would bury the message.
      expect(committed === fresh, message).toBe(true);
    },
  );

  it('is deterministic: a second run gives the same bytes', async () => {
    expect(await generateSdk()).toEqual(generated);
  });

  it('carries the notice and nothing of this machine', () => {
    expect(generated.schema.startsWith(`// ${GENERATED_NOTICE}\n`)).toBe(true);
    const document = JSON.parse(generated.openapi) as Record<string, unknown>;
    expect(Object.keys(document)[0]).toBe('x-generated');
    expect(document['x-generated']).toBe(GENERATED_NOTICE);
    const today = new Date().toISOString().slice(0, 10);
    for (const text of Object.values(generated)) {
      expect(text).not.toContain(SDK_ROOT);
      expect(text).not.toContain(tmpdir());
      expect(text).not.toContain(today); // no generation timestamp
    }
  });

  it('describes the API under /api/v1 with its error responses', () => {
    const document = JSON.parse(generated.openapi) as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(document.openapi).toBe('3.1.0');
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/api/v1/resources']));
    expect(Object.keys(document.paths['/api/v1/resources/{id}']?.get?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '404']),
    );
    expect(generated.schema).toContain('export interface paths {');
  });
});
