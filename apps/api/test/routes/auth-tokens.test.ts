import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  as,
  createTestApp,
  decodeJwtPart,
  expectError,
  registerAndLogin,
  type Session,
  signJwt,
  type TestApp,
} from '../helpers.ts';

describe('auth: access token tampering', () => {
  let t: TestApp;
  let session: Session;

  beforeAll(async () => {
    t = await createTestApp();
    session = await registerAndLogin(t.app);
  });
  afterAll(() => t.close());

  const rejects = async (token: string) => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v1/users/me',
      headers: { authorization: `Bearer ${token}` },
    });
    expectError(response, 401, 'UNAUTHENTICATED');
    expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
  };
  const encode = (part: unknown) => Buffer.from(JSON.stringify(part)).toString('base64url');

  it('accepts the genuine token (the control case)', async () => {
    expect((await as(t.app, session)({ method: 'GET', url: '/api/v1/users/me' })).statusCode).toBe(200);
  });

  it('rejects a modified payload', async () => {
    const [header, , signature] = session.token.split('.');
    const payload = { ...decodeJwtPart(session.token, 1), role: 'admin' };
    await rejects(`${header}.${encode(payload)}.${signature}`);
  });

  it('rejects alg none and a stripped signature', async () => {
    const payload = decodeJwtPart(session.token, 1);
    const none = `${encode({ alg: 'none', typ: 'at+jwt' })}.${encode(payload)}.`;
    await rejects(none);
    const [header, body] = session.token.split('.');
    await rejects(`${header}.${body}.`);
  });

  it('rejects an HS256 token keyed with the public key (algorithm confusion)', async () => {
    const header = { ...decodeJwtPart(session.token, 0), alg: 'HS256' };
    const input = `${encode(header)}.${encode(decodeJwtPart(session.token, 1))}`;
    const publicPem = t.container.keys.publicKey.export({ format: 'pem', type: 'spki' });
    await rejects(`${input}.${createHmac('sha256', publicPem).update(input).digest('base64url')}`);
  });

  it('rejects a token signed by another key under the real kid', async () => {
    const { privateKey } = generateKeyPairSync('ed25519');
    await rejects(signJwt(decodeJwtPart(session.token, 0), decodeJwtPart(session.token, 1), privateKey));
  });

  it('rejects expired, wrong-audience, wrong-issuer and wrong-type tokens signed by the real key', async () => {
    const header = decodeJwtPart(session.token, 0);
    const claims = decodeJwtPart(session.token, 1);
    const key = t.container.keys.privateKey;
    const now = Math.floor(Date.now() / 1000);
    // Control: re-signing the same claims with the real key is accepted, so each rejection below is
    // caused by the one thing changed.
    expect(
      (
        await t.app.inject({
          method: 'GET',
          url: '/api/v1/users/me',
          headers: { authorization: `Bearer ${signJwt(header, claims, key)}` },
        })
      ).statusCode,
    ).toBe(200);
    await rejects(signJwt(header, { ...claims, iat: now - 7200, nbf: now - 7200, exp: now - 3600 }, key));
    await rejects(signJwt(header, { ...claims, aud: 'someone-else' }, key));
    await rejects(signJwt(header, { ...claims, iss: 'https://evil.example' }, key));
    await rejects(signJwt({ ...header, typ: 'JWT' }, claims, key));
    await rejects(signJwt({ ...header, kid: 'other-kid' }, claims, key));
    await rejects(signJwt(header, { ...claims, nbf: now + 3600 }, key));
    const { exp: _exp, ...noExpiry } = claims;
    await rejects(signJwt(header, noExpiry, key));
  });

  it('rejects garbage in the Authorization header', async () => {
    for (const token of [
      'a.b.c',
      'not-a-token',
      `${session.token}x`,
      session.token.split('.').reverse().join('.'),
    ])
      await rejects(token);
  });
});

describe('auth: JWT attacks (RFC 8725, OWASP API2)', () => {
  let t: TestApp;
  let session: Session;
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;

  beforeAll(async () => {
    t = await createTestApp();
    session = await registerAndLogin(t.app);
    header = decodeJwtPart(session.token, 0);
    claims = decodeJwtPart(session.token, 1);
  });
  afterAll(() => t.close());

  const encode = (part: unknown) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const hmac = (secret: string | Buffer, head: Record<string, unknown>, body = claims) => {
    const input = `${encode(head)}.${encode(body)}`;
    return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
  };
  const rejects = async (token: string, label: string) => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v1/resources',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.statusCode, label).toBe(401);
    expectError(response, 401, 'UNAUTHENTICATED');
    expect(response.headers['www-authenticate'], label).toMatch(/^Bearer\b/);
  };

  it('rejects alg none in every spelling, with or without a signature', async () => {
    const [, , signature] = session.token.split('.');
    for (const alg of ['none', 'None', 'NONE', 'nOnE', 'NoNe', ' none', 'none ']) {
      const head = { ...header, alg };
      await rejects(`${encode(head)}.${encode(claims)}.`, `${alg} unsigned`);
      await rejects(`${encode(head)}.${encode(claims)}.${signature}`, `${alg} with the real signature`);
      await rejects(`${encode(head)}.${encode({ ...claims, role: 'admin' })}.`, `${alg} forged role`);
    }
    await rejects(`${encode({ alg: 'none' })}.${encode(claims)}`, 'two segments');
  });

  it('rejects HMAC tokens keyed with any form of the public key (algorithm confusion)', async () => {
    const publicKey = t.container.keys.publicKey;
    const jwk = t.container.keys.publicJwk;
    const secrets: Array<[string, string | Buffer]> = [
      ['spki pem', publicKey.export({ format: 'pem', type: 'spki' }) as string],
      ['spki der', publicKey.export({ format: 'der', type: 'spki' })],
      ['raw x', Buffer.from(String(jwk.x), 'base64url')],
      ['jwk json', JSON.stringify(jwk)],
      ['jwks json', JSON.stringify({ keys: [jwk] })],
      ['empty', ''],
    ];
    for (const [label, secret] of secrets) {
      for (const alg of ['HS256', 'hs256', 'HS384', 'HS512'])
        await rejects(hmac(secret, { ...header, alg }), `${alg} ${label}`);
    }
  });

  it('never fetches or trusts keys named by the token (jwk, jku, x5u, x5c, kid injection)', async () => {
    const attacker = generateKeyPairSync('ed25519');
    const attackerJwk = attacker.publicKey.export({ format: 'jwk' });
    const base = { alg: 'EdDSA', typ: 'at+jwt' };
    const forged: Array<[string, Record<string, unknown>]> = [
      ['embedded jwk', { ...base, jwk: attackerJwk }],
      ['embedded jwk + real kid', { ...base, kid: header.kid, jwk: attackerJwk }],
      ['jku', { ...base, kid: 'attacker', jku: 'https://evil.example/.well-known/jwks.json' }],
      ['jku + real kid', { ...base, kid: header.kid, jku: 'https://evil.example/jwks.json' }],
      ['x5u', { ...base, kid: header.kid, x5u: 'https://evil.example/cert.pem' }],
      ['x5c', { ...base, kid: header.kid, x5c: ['MIIBfake'] }],
      ['kid path traversal', { ...base, kid: '../../../../../../dev/null' }],
      ['kid sql injection', { ...base, kid: "x' UNION SELECT 'secret' --" }],
      ['no kid', base],
    ];
    for (const [label, head] of forged) await rejects(signJwt(head, claims, attacker.privateKey), label);
    // The same kid tricks with HMAC and a guessable secret.
    for (const kid of ['../../../../../../dev/null', '/dev/null', '', "' OR '1'='1"]) {
      await rejects(hmac('', { alg: 'HS256', typ: 'at+jwt', kid }), `HS256 kid ${kid}`);
    }
    // Another asymmetric algorithm under the real kid.
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    await rejects(signJwt({ ...header, alg: 'ES256' }, claims, ec.privateKey), 'ES256 under the real kid');
  });

  it('rejects claims meant for someone else or for nobody, even when signed by the real key', async () => {
    const key = t.container.keys.privateKey;
    const now = Math.floor(Date.now() / 1000);
    const variants: Array<[string, Record<string, unknown>]> = [
      ['aud array without ours', { ...claims, aud: ['other-api', 'another'] }],
      ['aud case changed', { ...claims, aud: String(claims.aud).toUpperCase() }],
      ['iss case changed', { ...claims, iss: String(claims.iss).toUpperCase() }],
      ['no aud', { ...claims, aud: undefined }],
      ['no iss', { ...claims, iss: undefined }],
      ['no sub', { ...claims, sub: undefined }],
      ['expired a minute ago', { ...claims, iat: now - 1000, exp: now - 60 }],
      ['unknown user', { ...claims, sub: randomUUID() }],
      ['unknown role', { ...claims, role: 'root' }],
    ];
    for (const [label, body] of variants) await rejects(signJwt(header, body, key), label);
    await rejects(signJwt({ ...header, crit: ['exp'] }, claims, key), 'unknown crit');
  });

  it('takes the role from the database, not from the token', async () => {
    const key = t.container.keys.privateKey;
    const promoted = signJwt(header, { ...claims, role: 'admin' }, key);
    const users = await t.app.inject({
      method: 'GET',
      url: '/api/v1/users',
      headers: { authorization: `Bearer ${promoted}` },
    });
    expectError(users, 403, 'FORBIDDEN');
    // And the other way round: a token saying "viewer" does not demote a member.
    const demoted = signJwt(header, { ...claims, role: 'viewer' }, key);
    const create = await t.app.inject({
      method: 'POST',
      url: '/api/v1/resources',
      headers: { authorization: `Bearer ${demoted}` },
      payload: { name: 'still a member' },
    });
    expect(create.statusCode).toBe(201);
  });

  it('accepts no other credential in its place: refresh tokens, JSON serialization, other schemes', async () => {
    await rejects(session.refreshToken, 'refresh token as access token');
    const [head, body, signature] = session.token.split('.');
    await rejects(JSON.stringify({ protected: head, payload: body, signature }), 'JWS JSON serialization');
    await rejects(`${head}.${body}.${signature}.${signature}`, 'four segments');
    await rejects(`${head}..${signature}`, 'empty payload');
    await rejects(`${head}.${body}.${signature}=`, 'padded base64');
    for (const authorization of [
      `Basic ${session.token}`,
      `Token ${session.token}`,
      `Bearer`,
      `${session.token}`,
    ]) {
      const response = await t.app.inject({
        method: 'GET',
        url: '/api/v1/resources',
        headers: { authorization },
      });
      expectError(response, 401, 'UNAUTHENTICATED');
    }
    const query = await t.app.inject({
      method: 'GET',
      url: `/api/v1/resources?access_token=${session.token}`,
    });
    expectError(query, 401, 'UNAUTHENTICATED');
  });
});
