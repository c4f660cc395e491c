import { createPrivateKey, createPublicKey, sign, verify } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

// The custom resource's handler is plain CommonJS (it is inlined into the template as index.js).
const require = createRequire(import.meta.url);
const { ensureSigningKey } = require('../src/lambda/signing-key.cjs') as {
  ensureSigningKey: (store: Store, secretId: string) => Promise<'kept' | 'generated'>;
};

type Store = { get(id: string): Promise<string | undefined>; put(id: string, value: string): Promise<void> };

function memoryStore(initial: Record<string, string | undefined>) {
  const values = new Map(Object.entries(initial));
  const writes: string[] = [];
  const store: Store = {
    get: async (id) => values.get(id),
    put: async (id, value) => {
      writes.push(id);
      values.set(id, value);
    },
  };
  return { store, values, writes };
}

describe('the JWT signing key custom resource', () => {
  it('replaces the placeholder Secrets Manager generated with an Ed25519 PKCS#8 PEM', async () => {
    const { store, values } = memoryStore({ jwt: 'Xq3*placeholder-from-secrets-manager' });
    await expect(ensureSigningKey(store, 'jwt')).resolves.toBe('generated');
    const pem = values.get('jwt') as string;
    expect(pem.startsWith('-----BEGIN PRIVATE KEY-----')).toBe(true);
    const key = createPrivateKey(pem);
    expect(key.asymmetricKeyType).toBe('ed25519');
    // A usable signing key: what it signs, its public half verifies (as JWKS consumers do).
    const signature = sign(null, Buffer.from('token'), key);
    expect(verify(null, Buffer.from('token'), createPublicKey(key), signature)).toBe(true);
  });

  it('generates into an empty secret, too', async () => {
    const { store, values } = memoryStore({});
    await expect(ensureSigningKey(store, 'jwt')).resolves.toBe('generated');
    expect(createPrivateKey(values.get('jwt') as string).asymmetricKeyType).toBe('ed25519');
  });

  it('never replaces a key that is already there (updates and redeploys keep tokens valid)', async () => {
    const { store, values } = memoryStore({});
    await ensureSigningKey(store, 'jwt');
    const first = values.get('jwt');
    const again = memoryStore({ jwt: first });
    await expect(ensureSigningKey(again.store, 'jwt')).resolves.toBe('kept');
    expect(again.writes).toEqual([]);
    expect(again.values.get('jwt')).toBe(first);
  });
});
