import { ERROR_CODES, type ErrorCode } from './codes.ts';

export type ValidationIssue = { path: string; message: string };

/** The one error type the domain throws; the API maps it to the contract's error body. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message?: string,
    details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message ?? ERROR_CODES[code].message, options);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  static validation(issues: ValidationIssue[], message = 'The request is not valid'): AppError {
    return new AppError('VALIDATION_FAILED', message, { issues });
  }

  static notFound(what = 'Resource'): AppError {
    return new AppError('NOT_FOUND', `${what} not found`);
  }
}

export const isAppError = (error: unknown): error is AppError => error instanceof AppError;
