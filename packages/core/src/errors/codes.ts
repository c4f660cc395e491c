/**
 * Every error code, once: its HTTP status, the default message and whether a consumer (worker,
 * client) may retry. docs/ERRORS.md is generated from this table.
 */
export const ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, message: 'The request is not valid', retryable: false },
  UNAUTHENTICATED: { status: 401, message: 'Authentication is required', retryable: false },
  FORBIDDEN: { status: 403, message: 'You are not allowed to do this', retryable: false },
  NOT_FOUND: { status: 404, message: 'Not found', retryable: false },
  CONFLICT: { status: 409, message: 'The request conflicts with the current state', retryable: false },
  PRECONDITION_FAILED: { status: 412, message: 'The resource has changed', retryable: false },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large', retryable: false },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Unsupported content type', retryable: false },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    message: 'This Idempotency-Key was used with a different request',
    retryable: false,
  },
  RATE_LIMITED: { status: 429, message: 'Too many requests', retryable: true },
  INTERNAL: { status: 500, message: 'Internal server error', retryable: true },
  UNAVAILABLE: { status: 503, message: 'A required service is unavailable', retryable: true },
} as const satisfies Record<string, { status: number; message: string; retryable: boolean }>;

export type ErrorCode = keyof typeof ERROR_CODES;
