import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  hkdfSync,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';

export type SigningAlgorithm = 'EdDSA' | 'ES256';

export type SigningKeys = Readonly<{
  kid: string;
  alg: SigningAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: JWK;
  /** Derives secrets for other purposes (cursor signing) so every instance sharing the key agrees. */
  deriveSecret(purpose: string): Buffer;
}>;

export class SigningKeyError extends Error {}

function algorithmOf(key: KeyObject): SigningAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new SigningKeyError('JWT_PRIVATE_KEY must be an Ed25519 or P-256 private key in PEM (PKCS#8)');
}

/**
 * The access-token signing key: `JWT_PRIVATE_KEY` (or `_FILE`) when given, so every instance signs
 * with the same key; otherwise generated once and kept in DATA_DIR (embedded mode, single host).
 */
export async function loadSigningKeys(options: {
  pem: string | undefined;
  dataDir: string;
}): Promise<SigningKeys> {
  let pem = options.pem;
  if (pem === undefined) {
    const file = path.join(options.dataDir, 'keys', 'jwt-signing-key.pem');
    if (!existsSync(file)) {
      mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
      const { privateKey } = generateKeyPairSync('ed25519');
      writeFileSync(file, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
    }
    pem = readFileSync(file, 'utf8');
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    throw new SigningKeyError('JWT_PRIVATE_KEY is not a readable PEM private key');
  }
  const alg = algorithmOf(privateKey);
  const publicKey = createPublicKey(privateKey);
  const jwk = publicKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(jwk);
  const material = privateKey.export({ format: 'der', type: 'pkcs8' });
  return {
    kid,
    alg,
    privateKey,
    publicKey,
    publicJwk: { ...jwk, kid, alg, use: 'sig' },
    deriveSecret: (purpose) => Buffer.from(hkdfSync('sha256', material, 'ledgerbase', purpose, 32)),
  };
}
