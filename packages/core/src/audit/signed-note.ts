import { createPublicKey, hash, type KeyObject, sign, verify } from 'node:crypto';

/**
 * Checkpoints as C2SP signed notes (c2sp.org/signed-note, c2sp.org/tlog-checkpoint):
 *
 *     <origin>\n<tree size>\n<base64 root hash>\n
 *     \n
 *     — <key name> <base64(key hash ‖ Ed25519 signature)>\n
 *
 * The signature covers the body (the first three lines). The key hash is the first 4 bytes of
 * SHA-256(key name ‖ "\n" ‖ 0x01 ‖ public key), 0x01 naming Ed25519. A verifier key is written
 * `<name>+<key hash hex>+<base64(0x01 ‖ public key)>`, the "vkey" format the Go note package and its
 * tools read, so a checkpoint kept elsewhere can be checked with standard tooling.
 */
export const ED25519_TYPE = 0x01;
const SIGNATURE_PREFIX = '\u2014 ';
// SPKI DER prefix for an Ed25519 public key (RFC 8410): the raw 32 bytes follow it.
const ED25519_SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export type NoteKey = Readonly<{
  name: string;
  /** 4 bytes. */
  keyHash: Buffer;
  publicKey: KeyObject;
  /** `<name>+<hash hex>+<base64>`. */
  vkey: string;
  /** `<name>+<hash hex>`: what the database stores as `key_id`. */
  keyId: string;
}>;

export type Checkpoint = Readonly<{ origin: string; treeSize: number; rootHash: Buffer }>;

export class NoteError extends Error {}

function assertKeyName(name: string): void {
  if (name.length === 0 || /[\s+]/u.test(name)) throw new NoteError(`invalid key name "${name}"`);
}

export function rawPublicKey(key: KeyObject): Buffer {
  if (key.asymmetricKeyType !== 'ed25519') throw new NoteError('checkpoint keys must be Ed25519');
  const der = key.export({ format: 'der', type: 'spki' });
  return Buffer.from(der.subarray(der.length - 32));
}

export function noteKeyOf(name: string, publicKey: KeyObject): NoteKey {
  assertKeyName(name);
  const raw = rawPublicKey(publicKey);
  const typed = Buffer.concat([Buffer.from([ED25519_TYPE]), raw]);
  const keyHash = hash('sha256', Buffer.concat([Buffer.from(`${name}\n`), typed]), 'buffer').subarray(0, 4);
  const hex = keyHash.toString('hex');
  return {
    name,
    keyHash,
    publicKey,
    vkey: `${name}+${hex}+${typed.toString('base64')}`,
    keyId: `${name}+${hex}`,
  };
}

/** Parses a vkey and checks that its hash matches its name and key. */
export function parseVerifierKey(vkey: string): NoteKey {
  const match = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/]+={0,2})$/.exec(vkey.trim());
  if (!match) throw new NoteError('a verifier key reads <name>+<8 hex digits>+<base64 key>');
  const typed = Buffer.from(match[3]!, 'base64');
  if (typed.length !== 33 || typed[0] !== ED25519_TYPE) throw new NoteError('only Ed25519 verifier keys');
  const publicKey = createPublicKey({
    key: Buffer.concat([ED25519_SPKI_PREFIX, typed.subarray(1)]),
    format: 'der',
    type: 'spki',
  });
  const key = noteKeyOf(match[1]!, publicKey);
  if (key.keyHash.toString('hex') !== match[2]) throw new NoteError('verifier key hash does not match');
  return key;
}

export function checkpointBody({ origin, treeSize, rootHash }: Checkpoint): string {
  if (origin.length === 0 || origin.includes('\n')) throw new NoteError('invalid origin');
  return `${origin}\n${treeSize}\n${rootHash.toString('base64')}\n`;
}

export function signNote(body: string, key: NoteKey, privateKey: KeyObject): string {
  const signature = sign(null, Buffer.from(body, 'utf8'), privateKey);
  const blob = Buffer.concat([key.keyHash, signature]).toString('base64');
  return `${body}\n${SIGNATURE_PREFIX}${key.name} ${blob}\n`;
}

export type OpenedNote = Checkpoint & Readonly<{ body: string; signedBy: NoteKey }>;

/**
 * Splits a signed note, verifies it with the first trusted key named in a signature line and parses
 * the checkpoint body. Throws NoteError saying what is wrong.
 */
export function openCheckpoint(note: string, trusted: readonly NoteKey[]): OpenedNote {
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new NoteError('not a signed note');
  const body = note.slice(0, split + 1);
  const signatures = note.slice(split + 2, -1).split('\n');
  let signedBy: NoteKey | undefined;
  let namedOnly = false;
  for (const line of signatures) {
    if (!line.startsWith(SIGNATURE_PREFIX)) throw new NoteError('malformed signature line');
    const [name, blob, extra] = line.slice(SIGNATURE_PREFIX.length).split(' ');
    if (!name || !blob || extra !== undefined) throw new NoteError('malformed signature line');
    const bytes = Buffer.from(blob, 'base64');
    const key = trusted.find((k) => k.name === name && bytes.subarray(0, 4).equals(k.keyHash));
    if (!key) {
      namedOnly = true;
      continue;
    }
    if (!verify(null, Buffer.from(body, 'utf8'), key.publicKey, bytes.subarray(4))) {
      throw new NoteError(`signature by ${key.keyId} does not verify`);
    }
    signedBy = key;
    break;
  }
  if (!signedBy) {
    throw new NoteError(namedOnly ? 'signed by no trusted key' : 'the note carries no signature');
  }
  const lines = body.slice(0, -1).split('\n');
  const [origin, size, root] = lines;
  if (!origin || !size || !/^(0|[1-9][0-9]*)$/.test(size) || !root) {
    throw new NoteError('checkpoint body must be origin, tree size and root hash');
  }
  const rootHash = Buffer.from(root, 'base64');
  if (rootHash.length !== 32 || rootHash.toString('base64') !== root) {
    throw new NoteError('root hash must be 32 bytes of base64');
  }
  const treeSize = Number(size);
  if (!Number.isSafeInteger(treeSize)) throw new NoteError('tree size out of range');
  return { origin, treeSize, rootHash, body, signedBy };
}
