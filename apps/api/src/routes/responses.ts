import { ErrorBody } from '@ledgerbase/contracts';
import type { TSchema } from '@sinclair/typebox';

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'IDEMPOTENCY_KEY_REUSED',
  429: 'RATE_LIMITED',
  500: 'INTERNAL',
};

const withDescription = (schema: TSchema, description: string) => ({ ...schema, description });

/** The contract's error body, described by its code, for each status. */
export function errorResponses(statuses: number[]): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const status of statuses)
    out[status] = withDescription(ErrorBody, ERROR_DESCRIPTIONS[status] ?? 'Error');
  return out;
}

/**
 * Every operation documents its success and its errors (CONTRACT "Operations"): authenticated routes
 * get 401 and 429, every route 400 and 500, plus what the route itself can return.
 */
export function responses(
  success: Record<number, TSchema | null>,
  errors: number[] = [],
  options: { authenticated?: boolean } = {},
) {
  const base = options.authenticated === false ? [400, 429, 500] : [400, 401, 429, 500];
  const out: Record<number, unknown> = {};
  for (const [status, schema] of Object.entries(success)) {
    out[Number(status)] = schema ?? { type: 'null', description: 'No content' };
  }
  return { ...out, ...errorResponses([...new Set([...base, ...errors])]) };
}

export const bearerSecurity = [{ bearerAuth: [] }];
