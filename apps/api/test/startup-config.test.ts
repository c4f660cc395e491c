import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const dataDir = mkdtempSync(path.join(tmpdir(), 'lb-startup-'));

/** Starts an entry point the way `npm start` / `npm run start:worker` do, with only `env` set. */
async function start(entry: string, env: Record<string, string>) {
  try {
    await run(process.execPath, ['--import', 'tsx', entry], {
      env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, ...env },
      timeout: 60_000,
    });
    return { code: 0, stderr: '' };
  } catch (error) {
    const failed = error as { code?: number; stderr?: string };
    return { code: failed.code, stderr: failed.stderr ?? '' };
  }
}

describe('a bad configuration stops the servers with one line naming the variable', () => {
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('the API: exit code 1, no stack trace', async () => {
    const { code, stderr } = await start('apps/api/src/main.ts', { PORT: 'eighty' });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toMatch(/^Invalid configuration: PORT /);
  });

  it('the worker: exit code 1 without DATABASE_URL', async () => {
    const { code, stderr } = await start('apps/worker/src/main.ts', {});
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('Invalid configuration: DATABASE_URL must be set for a separate worker');
  });
});
