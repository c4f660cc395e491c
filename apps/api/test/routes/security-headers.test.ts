import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, RESOURCES, type TestApp } from '../helpers.ts';

const ALLOWED = 'https://console.example.com';

describe('security headers and CORS', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await createTestApp({ CORS_ORIGINS: ALLOWED });
  });
  afterAll(() => t.close());

  const HARDENING = {
    'strict-transport-security': 'max-age=31536000; includeSubDomains',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'SAMEORIGIN',
    'referrer-policy': 'no-referrer',
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
  };

  it('sends the hardening headers and the strict CSP on API answers, errors and operational routes', async () => {
    for (const url of ['/healthz', RESOURCES, '/api/v1/nope', '/openapi.json']) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.headers, url).toMatchObject(HARDENING);
      const csp = String(response.headers['content-security-policy']);
      expect(csp, url).toContain("default-src 'self'");
      expect(csp, url).toContain("frame-ancestors 'none'");
      expect(csp, url).toContain("object-src 'none'");
    }
  });

  it('leaves the CSP off /docs only, whose reference UI needs its inline bootstrap', async () => {
    const docs = await t.app.inject({ method: 'GET', url: '/docs' });
    expect(docs.statusCode).toBe(200);
    expect(docs.headers).toMatchObject(HARDENING);
    expect(docs.headers['content-security-policy']).toBeUndefined();
  });

  it('answers CORS preflights for the allow-listed origin only', async () => {
    const preflight = (origin: string) =>
      t.app.inject({
        method: 'OPTIONS',
        url: RESOURCES,
        headers: {
          origin,
          'access-control-request-method': 'PATCH',
          'access-control-request-headers': 'authorization,if-match,content-type',
        },
      });
    const allowed = await preflight(ALLOWED);
    expect(allowed.statusCode).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(String(allowed.headers['access-control-allow-methods'])).toContain('PATCH');
    expect(String(allowed.headers['access-control-allow-headers'])).toContain('if-match');
    const other = await preflight('https://evil.example.net');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const simple = await t.app.inject({ method: 'GET', url: '/healthz', headers: { origin: ALLOWED } });
    expect(simple.headers['access-control-allow-origin']).toBe(ALLOWED);
    expect(String(simple.headers['access-control-expose-headers'])).toContain('etag');
  });
});
