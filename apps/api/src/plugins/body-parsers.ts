import { AppError } from '@ledgerbase/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';

export const BODY_LIMIT_BYTES = 1024 * 1024;

export const JSON_TYPE = 'application/json';
export const MERGE_PATCH_TYPE = 'application/merge-patch+json';

/**
 * Plain JSON.parse keeps `__proto__`, `constructor` and `prototype` as ordinary own properties (the
 * contract stores them as data), and an empty body is "no body" rather than a parse error.
 */
function parseJson(
  _request: FastifyRequest,
  body: string,
  done: (err: Error | null, value?: unknown) => void,
) {
  if (body.trim() === '') return done(null, undefined);
  try {
    done(null, JSON.parse(body));
  } catch {
    done(
      AppError.validation(
        [{ path: 'body', message: 'is not valid JSON' }],
        'The request body is not valid JSON',
      ),
    );
  }
}

export function installBodyParsers(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    [JSON_TYPE, MERGE_PATCH_TYPE],
    { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES },
    parseJson,
  );
}

const mediaType = (request: FastifyRequest) =>
  (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();

/** Route-level guard: PATCH takes only merge-patch, everything else only JSON (CONTRACT "Conventions"). */
export const requireMediaType = (expected: string) => async (request: FastifyRequest) => {
  if (request.body === undefined) return;
  if (mediaType(request) !== expected) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `This endpoint takes ${expected}`);
  }
};
