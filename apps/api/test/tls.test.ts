import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers.ts';

/** A TLS handshake limited to one protocol version; resolves with the negotiated version or the error. */
function handshake(port: number, version: 'TLSv1.2' | 'TLSv1.3'): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect(
      { host: '127.0.0.1', port, minVersion: version, maxVersion: version, rejectUnauthorized: false },
      () => {
        const negotiated = socket.getProtocol() ?? 'unknown';
        socket.end();
        resolve(negotiated);
      },
    );
    socket.on('error', (error) => resolve(`error: ${error.message}`));
  });
}

describe('TLS', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'lb-tls-'));
  let t: TestApp;
  let port: number;

  beforeAll(async () => {
    const cert = path.join(dir, 'cert.pem');
    const key = path.join(dir, 'key.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-subj',
        '/CN=localhost',
        '-days',
        '1',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
    t = await createTestApp({ TLS_CERT_FILE: cert, TLS_KEY_FILE: key });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as { port: number }).port;
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves HTTPS with TLS 1.3', async () => {
    expect(await handshake(port, 'TLSv1.3')).toBe('TLSv1.3');
  });

  it('refuses TLS 1.2 and older', async () => {
    expect(await handshake(port, 'TLSv1.2')).toMatch(/^error: /);
  });
});
