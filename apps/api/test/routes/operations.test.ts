import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DB_MODE } from '../../../../test/database.ts';
import { createTestApp, type TestApp } from '../helpers.ts';

type Operation = {
  responses: Record<string, { content?: Record<string, { schema?: Record<string, unknown> }> }>;
  security?: unknown[];
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: unknown;
};

describe('operations: health, readiness and the API description', () => {
  let t: TestApp;
  let spec: { openapi: string; paths: Record<string, Record<string, Operation>> };

  beforeAll(async () => {
    t = await createTestApp();
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    spec = response.json();
  });
  afterAll(() => t.close());

  it('/healthz answers 200 {status:"ok"} without credentials', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
    expect(response.headers['x-request-id']).toBeTruthy();
  });

  it('/readyz reports each dependency', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(Object.keys(body).sort()).toEqual(['checks', 'status']);
    expect(['ok', 'degraded']).toContain(body.status);
    expect(Object.keys(body.checks).sort()).toEqual(['cache', 'db', 'queue']);
    for (const check of Object.values(body.checks) as Array<{ status: string }>) {
      expect(['ok', 'degraded', 'down']).toContain(check.status);
    }
    expect(body.checks.db.status).toBe('ok');
    if (TEST_DB_MODE === 'pglite') expect(body.checks.db).toEqual({ status: 'ok', mode: 'embedded' });
  });

  it('/openapi.json is OpenAPI 3.1 with full /api/v1 paths', () => {
    expect(spec.openapi).toMatch(/^3\.1\./);
    const paths = Object.keys(spec.paths);
    for (const path of [
      '/api/v1/auth/register',
      '/api/v1/auth/login',
      '/api/v1/auth/refresh',
      '/api/v1/auth/logout',
      '/api/v1/users/me',
      '/api/v1/resources',
      '/api/v1/resources/{id}',
      '/api/v1/resources/{id}/restore',
      '/api/v1/resources/{id}/history',
      '/api/v1/resources/{id}/versions/{version}',
    ]) {
      expect(paths).toContain(path);
    }
    expect(Object.keys(spec.paths['/api/v1/resources']!).sort()).toEqual(['get', 'post']);
    expect(Object.keys(spec.paths['/api/v1/resources/{id}']!).sort()).toEqual([
      'delete',
      'get',
      'patch',
      'put',
    ]);
    expect(paths.some((p) => p.includes(':'))).toBe(false);
  });

  it('documents every API operation with its success and its errors in the error shape', () => {
    const operations = Object.entries(spec.paths)
      .filter(([path]) => path.startsWith('/api/v1/'))
      .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
    expect(operations.length).toBeGreaterThanOrEqual(14);
    for (const { path, method, op } of operations) {
      const statuses = Object.keys(op.responses);
      const where = `${method.toUpperCase()} ${path}`;
      expect(
        statuses.some((s) => /^2\d\d$/.test(s)),
        where,
      ).toBe(true);
      expect(statuses, where).toEqual(expect.arrayContaining(['400', '500']));
      for (const status of statuses.filter((s) => Number(s) >= 400)) {
        const schema = op.responses[status]!.content?.['application/json']?.schema as
          | { properties?: { error?: { properties?: Record<string, unknown> } } }
          | undefined;
        expect(schema?.properties?.error?.properties, `${where} ${status}`).toHaveProperty('code');
      }
      if (!path.startsWith('/api/v1/auth/')) {
        expect(statuses, where).toContain('401');
        expect(op.security, where).toEqual([{ bearerAuth: [] }]);
      }
    }
    const resources = spec.paths['/api/v1/resources/{id}']!;
    expect(Object.keys(resources.put!.responses)).toEqual(
      expect.arrayContaining(['200', '404', '412', '415']),
    );
    expect(Object.keys(resources.get!.responses)).toEqual(expect.arrayContaining(['200', '304', '404']));
    expect(Object.keys(spec.paths['/api/v1/resources']!.post!.responses)).toEqual(
      expect.arrayContaining(['201', '413', '415', '422']),
    );
    const created =
      spec.paths['/api/v1/resources']!.post!.responses['201']!.content?.['application/json']?.schema;
    expect(created?.properties).toHaveProperty('metadata');
  });

  it('/docs renders the reference without a redirect', async () => {
    for (const url of ['/docs', '/docs/']) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(200);
      expect(response.headers['content-type']).toMatch(/text\/html/);
      expect(response.body).toMatch(/<html/i);
    }
  });

  it('describes bodies as the server takes them: merge-patch for PATCH, restore without a body', () => {
    for (const path of ['/api/v1/resources/{id}', '/api/v1/users/{id}']) {
      const body = spec.paths[path]!.patch!.requestBody as { content: Record<string, unknown> };
      expect(Object.keys(body.content), path).toEqual(['application/merge-patch+json']);
    }
    const restore = spec.paths['/api/v1/resources/{id}/restore']!.post!.requestBody as { required?: boolean };
    expect(restore.required).toBe(false);
    for (const path of ['/healthz', '/.well-known/jwks.json']) {
      expect(Object.keys(spec.paths[path]!.get!.responses), path).toEqual(['200', '500']);
    }
  });
});
