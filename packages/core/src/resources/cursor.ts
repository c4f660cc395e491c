import { AppError } from '../errors/index.ts';
import { hmacBase64Url, safeEqual } from '../shared/crypto.ts';

/**
 * Opaque keyset cursor: the last row's sort key and id, signed with HMAC over the query's scope
 * (caller, sort, filters). A forged cursor, or one taken from another caller's or another query's
 * listing, fails the signature and is a 400 (CONTRACT "Resources").
 */
export type CursorPosition = { key: string | number; id: string };

export type CursorCodec = {
  encode(position: CursorPosition, scope: string): string;
  decode(cursor: string, scope: string): CursorPosition;
};

const invalid = () =>
  AppError.validation([{ path: 'cursor', message: 'is not a valid cursor for this query' }]);

export function createCursorCodec(secret: Buffer): CursorCodec {
  return {
    encode(position, scope) {
      const payload = Buffer.from(JSON.stringify([position.key, position.id])).toString('base64url');
      return `${payload}.${hmacBase64Url(secret, `${scope}\n${payload}`)}`;
    },
    decode(cursor, scope) {
      const [payload, signature, extra] = cursor.split('.');
      if (!payload || !signature || extra !== undefined) throw invalid();
      if (!safeEqual(signature, hmacBase64Url(secret, `${scope}\n${payload}`))) throw invalid();
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
      } catch {
        throw invalid();
      }
      if (!Array.isArray(parsed) || parsed.length !== 2) throw invalid();
      const [key, id] = parsed as [unknown, unknown];
      if ((typeof key !== 'string' && typeof key !== 'number') || typeof id !== 'string') throw invalid();
      return { key, id };
    },
  };
}
