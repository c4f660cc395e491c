// The contract's error body ({error: {code, message, details}}, CONTRACT.md "Errors") as a thrown value.
import type { ApiErrorBody } from './types.ts';

export type ApiErrorDetails = NonNullable<ApiErrorBody['error']['details']>;

function isErrorBody(body: unknown): body is ApiErrorBody {
  if (typeof body !== 'object' || body === null || !('error' in body)) return false;
  const { error } = body;
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string';
}

/** Seconds from `Retry-After` (RFC 9110 section 10.2.3): a delay or an HTTP date. */
function retryAfterSeconds(value: string | null): number | null {
  if (!value) return null;
  if (/^\d+$/.test(value.trim())) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ApiErrorDetails = {},
    /** From `Retry-After` on 429 and 503. */
    readonly retryAfter: number | null = null,
    /** The response's `X-Request-Id`, for support and logs. */
    readonly requestId: string | null = null,
  ) {
    super(message);
  }

  /**
   * From a non-2xx response and its parsed body. A body outside the contract (a proxy's HTML page,
   * say) still gives an ApiError, with the code `HTTP_<status>`.
   */
  static fromResponse(response: Response, body: unknown): ApiError {
    const retryAfter = retryAfterSeconds(response.headers.get('Retry-After'));
    const requestId = response.headers.get('X-Request-Id');
    if (isErrorBody(body)) {
      const { code, message, details } = body.error;
      return new ApiError(response.status, code, message || code, details ?? {}, retryAfter, requestId);
    }
    const message = response.statusText || `Request failed with status ${response.status}`;
    return new ApiError(response.status, `HTTP_${response.status}`, message, {}, retryAfter, requestId);
  }
}
