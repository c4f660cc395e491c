import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, expectError, type TestApp } from '../helpers.ts';

describe('the console at /: client routes get the app, every other unknown path a JSON 404', () => {
  let t: TestApp;
  let dist: string;

  beforeAll(async () => {
    dist = mkdtempSync(path.join(tmpdir(), 'lb-web-'));
    mkdirSync(path.join(dist, 'assets'));
    writeFileSync(path.join(dist, 'index.html'), '<!doctype html><html><body>console</body></html>');
    writeFileSync(path.join(dist, 'assets', 'app.js'), 'console.log(1)');
    t = await createTestApp({ WEB_DIST_DIR: dist });
  });
  afterAll(async () => {
    await t.close();
    rmSync(dist, { recursive: true, force: true });
  });

  const get = (url: string) => t.app.inject({ method: 'GET', url });

  it('serves index.html for the root and for every client-side route, so reloads and links work', async () => {
    for (const url of [
      '/',
      '/login',
      '/register',
      '/resources',
      '/resources/new',
      '/resources/0190f5e2-7b1c-7c3a-9d2e-1234567890ab/history',
      '/audit?action=update',
      '/api-keys',
      '/webhooks',
      '/admin/users',
    ]) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type'], url).toMatch(/^text\/html/);
      expect(response.body, url).toContain('console');
    }
    const asset = await get('/assets/app.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);
  });

  it('answers other unknown paths and missing files with the contract 404, not the app', async () => {
    for (const url of ['/nope', '/nope.json', '/assets/none.js', '/API/v1/resources', '/resources/x.js']) {
      const response = await get(url);
      expectError(response, 404, 'NOT_FOUND');
      expect(response.headers['content-type'], url).toMatch(/^application\/json/);
    }
    expectError(await t.app.inject({ method: 'POST', url: '/login' }), 404, 'NOT_FOUND');
  });
});
