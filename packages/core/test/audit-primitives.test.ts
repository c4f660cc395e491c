import { generateKeyPairSync, randomBytes } from 'node:crypto';
import canonicalize from 'canonicalize';
import { createPatch } from 'rfc6902';
import { describe, expect, it } from 'vitest';
import { canonicalAuditEntry, jcs } from '../src/audit/canonical.ts';
import { applyPatchInPlace, jsonEqual, PatchError } from '../src/audit/json-patch.ts';
import { CompactRange, EMPTY_ROOT, merkleTreeHash } from '../src/audit/merkle.ts';
import {
  checkpointBody,
  NoteError,
  noteKeyOf,
  openCheckpoint,
  parseVerifierKey,
  signNote,
} from '../src/audit/signed-note.ts';

describe('RFC 6962 Merkle tree', () => {
  // The reference vectors of RFC 6962 implementations (certificate-transparency, Trillian).
  const leaves = [
    '',
    '00',
    '10',
    '2021',
    '3031',
    '40414243',
    '5051525354555657',
    '606162636465666768696a6b6c6d6e6f',
  ];
  const roots = [
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
    '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
    'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
    '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
  ];

  it('matches the reference roots, appended one leaf at a time', () => {
    const tree = CompactRange.empty();
    expect(tree.root().toString('hex')).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
    leaves.forEach((leaf, i) => {
      tree.append(Buffer.from(leaf, 'hex'));
      expect(tree.root().toString('hex')).toBe(roots[i]);
    });
  });

  it('equals the recursive definition at every size, and resumes from a stored frontier', () => {
    const data = Array.from({ length: 70 }, () => randomBytes(32));
    const tree = CompactRange.empty();
    expect(merkleTreeHash([])).toEqual(EMPTY_ROOT);
    for (let n = 1; n <= data.length; n++) {
      tree.append(data[n - 1]!);
      expect(tree.root()).toEqual(merkleTreeHash(data.slice(0, n)));
      const resumed = CompactRange.fromHex(tree.size, tree.frontierHex());
      resumed.append(Buffer.alloc(32, 7));
      expect(resumed.root()).toEqual(merkleTreeHash([...data.slice(0, n), Buffer.alloc(32, 7)]));
    }
  });

  it('refuses a frontier that cannot belong to the size', () => {
    expect(() => CompactRange.fromHex(3, ['00'.repeat(32)])).toThrow(/needs 2/);
    expect(() => CompactRange.fromHex(1, ['zz'])).toThrow(/hex/);
  });
});

describe('RFC 8785 canonical JSON', () => {
  const samples: unknown[] = [
    { b: 1, a: [1, 2, { d: null, c: 'x' }], é: 'é', '€': '\u20ac', '\u0000': '\n\t"' },
    [1e21, 1e-7, -0, 0.1, 123456789012345680000, 5e-324, 1.7976931348623157e308, true, false, null],
    { '\ud83d\ude00': { '': [], z: {} }, a10: 1, a2: 2, A: 3, _: 4, __proto__x: 5 },
    JSON.parse('{"__proto__":{"x":1},"constructor":{"prototype":2}}'),
    'plain',
  ];

  it('produces exactly the bytes of the canonicalize package', () => {
    for (const value of samples) expect(jcs(value)).toBe(canonicalize(value));
    for (let i = 0; i < 200; i++) {
      const value = randomJson(4);
      expect(jcs(value)).toBe(canonicalize(value));
    }
  });

  it('writes an audit entry as JCS of its fields, leaving out a null trace id', () => {
    const entry = {
      id: 'i',
      resourceId: 'r',
      actorId: null,
      actorType: 'user',
      action: 'update',
      changes: [{ op: 'replace', path: '/name', value: 'ü' }],
      version: 2,
      requestId: 'q',
      createdAt: '2026-11-26T00:00:00.000Z',
      prevHash: 'p',
    };
    expect(canonicalAuditEntry({ ...entry, traceId: null })).toBe(canonicalize(entry));
    expect(canonicalAuditEntry({ ...entry, traceId: 't' })).toBe(canonicalize({ ...entry, traceId: 't' }));
    expect(() => jcs(Number.NaN)).toThrow();
  });
});

describe('C2SP signed checkpoint notes', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const key = noteKeyOf('example.com/log', publicKey);
  const body = checkpointBody({ origin: 'example.com/log', treeSize: 42, rootHash: Buffer.alloc(32, 1) });
  const note = signNote(body, key, privateKey);

  it('signs origin, size and base64 root, and verifies with the vkey alone', () => {
    expect(note).toMatch(
      /^example\.com\/log\n42\nAQEB[A-Za-z0-9+/]+=\n\n— example\.com\/log [A-Za-z0-9+/]+=*\n$/,
    );
    const parsed = parseVerifierKey(key.vkey);
    expect(key.vkey).toMatch(/^example\.com\/log\+[0-9a-f]{8}\+[A-Za-z0-9+/]+=*$/);
    expect(openCheckpoint(note, [parsed])).toMatchObject({ origin: 'example.com/log', treeSize: 42 });
  });

  it('rejects an edited note, an unknown key and a forged vkey', () => {
    expect(() => openCheckpoint(note.replace('\n42\n', '\n43\n'), [key])).toThrow(/does not verify/);
    const other = noteKeyOf('example.com/log', generateKeyPairSync('ed25519').publicKey);
    expect(() => openCheckpoint(note, [other])).toThrow(NoteError);
    expect(() => openCheckpoint(body, [key])).toThrow(NoteError);
    const forged = key.vkey.replace(/\+[0-9a-f]{8}\+/, '+00000000+');
    expect(() => parseVerifierKey(forged)).toThrow(/hash/);
  });
});

describe('RFC 6902 replay (the verifier’s snapshot check)', () => {
  it('rebuilds the target of every patch the service writes, prototype keys included', () => {
    const pairs: Array<[unknown, unknown]> = [
      [{}, { name: 'a', metadata: { x: [1, 2, { y: null }] } }],
      [
        { name: 'a', metadata: { list: ['p', 'q'], n: 1 } },
        { name: 'b', metadata: { list: ['q', 'r', 's'] } },
      ],
      [
        JSON.parse('{"metadata":{"__proto__":{"x":1}}}'),
        JSON.parse('{"metadata":{"__proto__":{"x":2},"constructor":3}}'),
      ],
    ];
    for (let i = 0; i < 100; i++) pairs.push([randomJson(3), randomJson(3)]);
    for (const [before, after] of pairs) {
      const rebuilt = applyPatchInPlace(structuredClone(before), createPatch(before, after));
      expect(jsonEqual(rebuilt, after), JSON.stringify([before, after])).toBe(true);
      expect(jcs(rebuilt)).toBe(jcs(after));
    }
    const poisoned = applyPatchInPlace({}, [{ op: 'add', path: '/__proto__', value: { polluted: true } }]);
    expect(Object.getPrototypeOf(poisoned)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects patches that do not apply', () => {
    expect(() => applyPatchInPlace({ a: 1 }, [{ op: 'remove', path: '/b' }])).toThrow(PatchError);
    expect(() => applyPatchInPlace({ a: [1] }, [{ op: 'replace', path: '/a/1', value: 2 }])).toThrow(
      PatchError,
    );
    expect(() => applyPatchInPlace({}, [{ op: 'jump', path: '' }])).toThrow(PatchError);
    expect(() => applyPatchInPlace({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }])).toThrow(PatchError);
    expect(jsonEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toBe(true);
    expect(jsonEqual({ a: 1 }, { a: 1, b: undefined })).toBe(false);
    expect(jsonEqual([1], { 0: 1 })).toBe(false);
  });
});

function randomJson(depth: number): unknown {
  const pick = Math.floor(Math.random() * (depth > 0 ? 7 : 5));
  switch (pick) {
    case 0:
      return null;
    case 1:
      return Math.random() < 0.5;
    case 2:
      return [Math.random() * 1e6, -Math.floor(Math.random() * 1e15), 1 / 3, 2 ** 70][
        Math.floor(Math.random() * 4)
      ];
    case 3:
    case 4:
      return String.fromCodePoint(
        ...Array.from(
          { length: Math.floor(Math.random() * 6) },
          () => [0x22, 0x5c, 0x0a, 0x1f, 0x41, 0xe9, 0x20ac, 0x1f600][Math.floor(Math.random() * 8)]!,
        ),
      );
    case 5:
      return Array.from({ length: Math.floor(Math.random() * 4) }, () => randomJson(depth - 1));
    default:
      return Object.fromEntries(
        Array.from({ length: Math.floor(Math.random() * 4) }, () => [
          randomJson(0) === null ? 'k' : String(randomJson(0)),
          randomJson(depth - 1),
        ]),
      );
  }
}
