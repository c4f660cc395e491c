import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import type { SigningKeys } from '../auth/signing-keys.ts';
import { type NoteKey, noteKeyOf, parseVerifierKey } from './signed-note.ts';

/** Checkpoint origin and key name: the first line of every checkpoint note. */
export const AUDIT_LOG_ORIGIN = 'ledgerbase/audit';

export type AuditKeys = Readonly<{
  /** Signs checkpoints. */
  signer: NoteKey & { privateKey: KeyObject };
  /** Keys whose checkpoints the verifier accepts: the signer's plus older ones (AUDIT_TRUSTED_KEYS). */
  trusted: readonly NoteKey[];
  origin: string;
}>;

export class AuditKeyError extends Error {}

// PKCS#8 DER prefix for an Ed25519 private key (RFC 8410): the 32-byte seed follows it.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The checkpoint signing key (ADR 0009):
 * - `AUDIT_SIGNING_KEY(_FILE)`: an Ed25519 PKCS#8 PEM, kept apart from the database (and ideally from
 *   the JWT key) so that whoever can write the database cannot sign;
 * - otherwise an Ed25519 key derived with HKDF from the service's signing key, so every instance and
 *   the CLI that share `JWT_PRIVATE_KEY` (or `DATA_DIR/keys`) sign and verify with the same key and
 *   nothing new needs configuring.
 * `trusted` adds older public keys (vkeys) so checkpoints signed before a key change still verify.
 */
export function loadAuditKeys(options: {
  pem: string | undefined;
  signingKeys: Pick<SigningKeys, 'deriveSecret'>;
  trusted?: readonly string[];
  origin?: string;
}): AuditKeys {
  const origin = options.origin ?? AUDIT_LOG_ORIGIN;
  let privateKey: KeyObject;
  if (options.pem !== undefined) {
    try {
      privateKey = createPrivateKey(options.pem);
    } catch {
      throw new AuditKeyError('AUDIT_SIGNING_KEY is not a readable PEM private key');
    }
    if (privateKey.asymmetricKeyType !== 'ed25519') {
      throw new AuditKeyError('AUDIT_SIGNING_KEY must be an Ed25519 private key in PEM (PKCS#8)');
    }
  } else {
    const seed = options.signingKeys.deriveSecret('audit-checkpoint-ed25519');
    privateKey = createPrivateKey({
      key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
      format: 'der',
      type: 'pkcs8',
    });
  }
  const signer = { ...noteKeyOf(origin, createPublicKey(privateKey)), privateKey };
  const trusted = [signer as NoteKey];
  for (const vkey of options.trusted ?? []) {
    try {
      trusted.push(parseVerifierKey(vkey));
    } catch (error) {
      throw new AuditKeyError(`AUDIT_TRUSTED_KEYS: ${(error as Error).message}`);
    }
  }
  return { signer, trusted, origin };
}
