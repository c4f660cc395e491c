// The contract's error body ({error: {code, message, details}}) as a thrown value.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Turns any non-2xx response into an ApiError carrying the contract's {error:{code,message}}. */
export async function toApiError(response: Response): Promise<ApiError> {
  const retryAfter = Number(response.headers.get('Retry-After')) || null;
  try {
    const body = (await response.json()) as {
      error?: { code?: string; message?: string; details?: unknown };
    };
    const error = body.error;
    if (error?.code) {
      const details = (error.details ?? {}) as Record<string, unknown>;
      return new ApiError(response.status, error.code, error.message ?? error.code, details, retryAfter);
    }
  } catch {
    // Not JSON (a proxy's error page, say): fall through to a generic message.
  }
  return new ApiError(
    response.status,
    `HTTP_${response.status}`,
    response.statusText || 'Request failed',
    {},
    retryAfter,
  );
}
