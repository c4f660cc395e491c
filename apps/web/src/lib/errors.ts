import { ApiError } from './api.ts';

export interface ErrorDescription {
  message: string;
  issues: string[];
}

// Used when the server's own message is missing; the server's words win whenever it sends some.
const FALLBACK_BY_CODE: Record<string, string> = {
  VALIDATION_FAILED: 'Some of the values are not valid.',
  UNAUTHENTICATED: 'You are not signed in, or your session has ended.',
  FORBIDDEN: 'You do not have permission to do that.',
  NOT_FOUND: 'It does not exist, or you do not have access to it.',
  CONFLICT: 'That clashes with something that already exists.',
  PRECONDITION_FAILED: 'Someone changed this in the meantime.',
  PAYLOAD_TOO_LARGE: 'That is too large to send.',
  RATE_LIMITED: 'Too many requests.',
  INTERNAL: 'Something went wrong on the server.',
  UNAVAILABLE: 'The service is temporarily unavailable.',
};

function issuesOf(error: ApiError): string[] {
  const issues = error.details.issues;
  if (!Array.isArray(issues)) return [];
  return issues.map((issue: { path?: unknown; message?: unknown }) => {
    const path = typeof issue.path === 'string' && issue.path ? `${issue.path.replace(/^\//, '')}: ` : '';
    return `${path}${String(issue.message ?? 'invalid')}`;
  });
}

/** Puts any thrown value into words a user can act on. */
export function describeError(error: unknown): ErrorDescription {
  if (error instanceof ApiError) {
    let message = error.message || FALLBACK_BY_CODE[error.code] || 'The request failed.';
    if (error.retryAfter && (error.status === 429 || error.status === 503)) {
      message += ` Try again in ${error.retryAfter} second${error.retryAfter === 1 ? '' : 's'}.`;
    }
    return { message, issues: issuesOf(error) };
  }
  if (error instanceof TypeError) {
    // fetch() rejects with a TypeError when the network or server is unreachable.
    return { message: 'Cannot reach the server. Check your connection and try again.', issues: [] };
  }
  if (error instanceof Error) return { message: error.message, issues: [] };
  return { message: 'Something unexpected happened.', issues: [] };
}

export const isApiStatus = (error: unknown, status: number): error is ApiError =>
  error instanceof ApiError && error.status === status;
