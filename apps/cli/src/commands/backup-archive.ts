import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, link, open, rename, rm, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * The backup file: a plain POSIX tar (ustar), so standard tools can list and unpack it
 * (`tar -xOf backup.tar manifest.json`). Members, in this order:
 *   manifest.json                    what the backup is, and the SHA-256 of every other member
 *   pgdata.tar.gz | database.dump    PGlite's dumpDataDir('gzip') tarball, or a pg_dump custom archive
 *   keys/<file>                      DATA_DIR/keys, only with `backup --include-keys` (embedded)
 * One file to copy and to lose, and the manifest cannot drift away from its archive.
 */
export const BACKUP_FORMAT = 'ledgerbase-backup';
export const BACKUP_FORMAT_VERSION = 1;

export type BackupMode = 'embedded' | 'postgres';

export type MemberDigest = { name: string; bytes: number; sha256: string };

export type BackupManifest = {
  format: typeof BACKUP_FORMAT;
  version: typeof BACKUP_FORMAT_VERSION;
  mode: BackupMode;
  createdAt: string;
  ledgerbaseVersion: string;
  /** The newest applied migration; a restore migrates forward from it. */
  migration: string | null;
  database: { serverVersion: string; tool: string };
  audit: {
    entries: number;
    checkpoint: { treeSize: number; rootHash: string; keyId: string; createdAt: string } | null;
  };
  archive: MemberDigest & { format: 'pglite-datadir-tar-gzip' | 'pg_dump-custom' };
  /** Empty unless `--include-keys`: then anyone holding the file can read the encrypted PII. */
  keys: MemberDigest[];
};

export class BackupFormatError extends Error {}

const BLOCK = 512;
const MAX_OCTAL_SIZE = 0o77777777777; // 11 octal digits: 8 GiB - 1; larger sizes use base-256 (GNU)

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** SHA-256 of `length` bytes of a file from `start`, streamed (a pg_dump archive may be large). */
export async function sha256OfFile(file: string, start = 0, length?: number): Promise<string> {
  const hash = createHash('sha256');
  const end = length === undefined ? undefined : start + length - 1;
  if (length === 0) return hash.digest('hex');
  for await (const chunk of createReadStream(file, { start, end })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function writeOctal(header: Buffer, offset: number, length: number, value: number): void {
  header.write(`${value.toString(8).padStart(length - 1, '0')}\0`, offset, length, 'ascii');
}

function tarHeader(name: string, size: number, mode: number, mtime: Date): Buffer {
  if (Buffer.byteLength(name) >= 100) throw new Error(`tar member name too long: ${name}`);
  const header = Buffer.alloc(BLOCK);
  header.write(name, 0, 100, 'utf8');
  writeOctal(header, 100, 8, mode);
  writeOctal(header, 108, 8, 0);
  writeOctal(header, 116, 8, 0);
  if (size <= MAX_OCTAL_SIZE) writeOctal(header, 124, 12, size);
  else {
    header[124] = 0x80;
    header.writeBigUInt64BE(BigInt(size), 128);
  }
  writeOctal(header, 136, 12, Math.floor(mtime.getTime() / 1000));
  header.fill(' ', 148, 156);
  header.write('0', 156, 'ascii');
  header.write('ustar\0', 257, 'ascii');
  header.write('00', 263, 'ascii');
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8, 'ascii');
  return header;
}

export type MemberSource = { name: string; mode: number } & (
  | { bytes: Uint8Array }
  | { file: string; size: number }
);

async function writeMember(handle: FileHandle, member: MemberSource, mtime: Date): Promise<void> {
  const size = 'bytes' in member ? member.bytes.byteLength : member.size;
  await handle.write(tarHeader(member.name, size, member.mode, mtime));
  if ('bytes' in member) await handle.write(member.bytes);
  else {
    let copied = 0;
    for await (const chunk of createReadStream(member.file)) {
      copied += (chunk as Buffer).byteLength;
      await handle.write(chunk as Buffer);
    }
    if (copied !== size) throw new Error(`${member.file} changed while it was being archived`);
  }
  const padding = (BLOCK - (size % BLOCK)) % BLOCK;
  if (padding > 0) await handle.write(Buffer.alloc(padding));
}

/**
 * Writes the backup atomically: a temporary file in the target's directory (same filesystem),
 * fsynced, then renamed over nothing (an existing file is refused), then the directory fsynced.
 * A crash leaves either no backup or a complete one, never a truncated file under the final name.
 */
export async function writeBackupFile(out: string, members: readonly MemberSource[]): Promise<number> {
  const target = path.resolve(out);
  const temporary = `${target}.${randomBytes(6).toString('hex')}.partial`;
  const handle = await open(temporary, 'wx', 0o600);
  let done = false;
  try {
    const mtime = new Date();
    for (const member of members) await writeMember(handle, member, mtime);
    await handle.write(Buffer.alloc(BLOCK * 2));
    await handle.sync();
    const { size } = await handle.stat();
    await handle.close();
    // link + unlink instead of rename: refuses to replace a backup that appeared meanwhile.
    await renameNoReplace(temporary, target);
    done = true;
    await syncDirectory(path.dirname(target));
    return size;
  } finally {
    if (!done) {
      await handle.close().catch(() => {});
      await rm(temporary, { force: true });
    }
  }
}

async function renameNoReplace(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new Error(`${to} already exists`);
    if (code !== 'EPERM' && code !== 'ENOTSUP') throw error;
    await rename(from, to); // a filesystem without hard links: the caller checked `to` was free
    return;
  }
  await unlink(from);
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the data itself is already synced.
  } finally {
    await handle.close();
  }
}

export type Member = { name: string; offset: number; size: number };

function parseNumber(field: Buffer): number {
  if (field[0]! & 0x80) {
    let value = 0n;
    for (let i = 1; i < field.length; i++) value = (value << 8n) | BigInt(field[i]!);
    return Number(value);
  }
  const text = field
    .toString('ascii')
    .replace(/[\0 ]+$/, '')
    .trim();
  if (!/^[0-7]*$/.test(text)) throw new BackupFormatError('not a Ledgerbase backup (no tar header)');
  return text === '' ? 0 : Number.parseInt(text, 8);
}

/** Lists the members (name, data offset, size) by reading the headers only. */
export async function listMembers(file: string): Promise<Member[]> {
  const handle = await open(file, 'r');
  try {
    const { size: fileSize } = await handle.stat();
    const members: Member[] = [];
    const header = Buffer.alloc(BLOCK);
    for (let position = 0; position + BLOCK <= fileSize; ) {
      const { bytesRead } = await handle.read(header, 0, BLOCK, position);
      if (bytesRead < BLOCK || header.every((byte) => byte === 0)) break;
      const stored = parseNumber(header.subarray(148, 156));
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
      if (stored !== sum) throw new BackupFormatError('not a Ledgerbase backup (bad tar header checksum)');
      const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
      const size = parseNumber(header.subarray(124, 136));
      const offset = position + BLOCK;
      if (offset + size > fileSize) throw new BackupFormatError(`backup is truncated inside ${name}`);
      members.push({ name, offset, size });
      position = offset + Math.ceil(size / BLOCK) * BLOCK;
    }
    return members;
  } finally {
    await handle.close();
  }
}

export async function readMember(file: string, member: Member): Promise<Buffer<ArrayBuffer>> {
  const handle = await open(file, 'r');
  try {
    const bytes = Buffer.alloc(member.size);
    const { bytesRead } = await handle.read(bytes, 0, member.size, member.offset);
    if (bytesRead !== member.size) throw new BackupFormatError(`backup is truncated inside ${member.name}`);
    return bytes;
  } finally {
    await handle.close();
  }
}

const KEY_MEMBER = /^keys\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** Parses and checks the manifest; everything a restore relies on is validated here. */
export function parseManifest(text: string): BackupManifest {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(text);
  } catch {
    throw new BackupFormatError('the backup manifest is not valid JSON');
  }
  if (manifest?.format !== BACKUP_FORMAT) throw new BackupFormatError('not a Ledgerbase backup');
  if (manifest.version !== BACKUP_FORMAT_VERSION) {
    throw new BackupFormatError(
      `backup format version ${manifest.version} is not supported (this Ledgerbase reads version ${BACKUP_FORMAT_VERSION}): use a newer Ledgerbase`,
    );
  }
  const digestOk = (d: MemberDigest | undefined) =>
    typeof d?.name === 'string' && Number.isSafeInteger(d.bytes) && /^[0-9a-f]{64}$/.test(d.sha256);
  if (
    (manifest.mode !== 'embedded' && manifest.mode !== 'postgres') ||
    !digestOk(manifest.archive) ||
    !Array.isArray(manifest.keys) ||
    !manifest.keys.every((key) => digestOk(key) && KEY_MEMBER.test(key.name)) ||
    !(manifest.migration === null || typeof manifest.migration === 'string')
  ) {
    throw new BackupFormatError('the backup manifest is incomplete or malformed');
  }
  return manifest;
}

export type OpenedBackup = { manifest: BackupManifest; members: Map<string, Member> };

/** Lists the file and reads its manifest (the first member). Reads no archive data yet. */
export async function openBackup(file: string): Promise<OpenedBackup> {
  const list = await listMembers(file);
  const first = list[0];
  if (first?.name !== 'manifest.json') throw new BackupFormatError('not a Ledgerbase backup (no manifest)');
  if (first.size > 1024 * 1024) throw new BackupFormatError('the backup manifest is implausibly large');
  const manifest = parseManifest((await readMember(file, first)).toString('utf8'));
  const members = new Map(list.map((member) => [member.name, member]));
  for (const digest of [manifest.archive, ...manifest.keys]) {
    const member = members.get(digest.name);
    if (!member) throw new BackupFormatError(`the backup lacks ${digest.name}, which its manifest lists`);
    if (member.size !== digest.bytes) {
      throw new BackupFormatError(
        `${digest.name} is ${member.size} bytes but the manifest says ${digest.bytes}: the backup is damaged`,
      );
    }
  }
  return { manifest, members };
}

export function checksumError(digest: MemberDigest, actual: string): BackupFormatError {
  return new BackupFormatError(
    `checksum mismatch for ${digest.name}: SHA-256 ${actual}, manifest says ${digest.sha256}. ` +
      'The backup is damaged or was altered; nothing was restored.',
  );
}
