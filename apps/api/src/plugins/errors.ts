import { AppError, ERROR_CODES, type ErrorCode, isAppError, type ValidationIssue } from '@ledgerbase/core';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isSpaRoute } from './web.ts';

type AjvIssue = {
  instancePath?: string;
  message?: string;
  keyword?: string;
  params?: Record<string, unknown>;
};

function issuesFrom(error: FastifyError): ValidationIssue[] {
  const part = (error as { validationContext?: string }).validationContext ?? 'body';
  return ((error.validation ?? []) as AjvIssue[]).map((issue) => {
    const segments = (issue.instancePath ?? '').split('/').filter(Boolean);
    const extra = issue.params?.additionalProperty;
    if (typeof extra === 'string') segments.push(extra);
    const missing = issue.params?.missingProperty;
    if (typeof missing === 'string') segments.push(missing);
    const path = [part, ...segments].join('.');
    const message =
      issue.keyword === 'additionalProperties' ? 'is not an allowed field' : (issue.message ?? 'is invalid');
    return { path, message };
  });
}

/** Maps Fastify's own failures (parser, limits, routing) to contract codes. */
function codeForFrameworkError(error: FastifyError): ErrorCode | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'PAYLOAD_TOO_LARGE';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'UNSUPPORTED_MEDIA_TYPE' : 'VALIDATION_FAILED';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return 'VALIDATION_FAILED';
    default:
      break;
  }
  const status = error.statusCode ?? 500;
  if (status === 413) return 'PAYLOAD_TOO_LARGE';
  if (status === 415) return 'UNSUPPORTED_MEDIA_TYPE';
  if (status === 404) return 'NOT_FOUND';
  if (status >= 400 && status < 500) return 'VALIDATION_FAILED';
  return undefined;
}

const NETWORK_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
]);

/**
 * A lost or refused database connection is an outage, not a bug: 503 with Retry-After (CONTRACT
 * "Errors"). SQLSTATE class 08 is "connection exception"; 57P0x are server shutdowns; 53300 is
 * "too many connections".
 */
function isDependencyDown(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (NETWORK_ERRORS.has(code) || code.startsWith('08') || /^57P0[1-3]$/.test(code) || code === '53300') {
      return true;
    }
  }
  return (
    typeof message === 'string' &&
    /Connection terminated|timeout exceeded when trying to connect/i.test(message)
  );
}

export function sendError(reply: FastifyReply, error: AppError): FastifyReply {
  if (error.code === 'UNAUTHENTICATED') {
    reply.header('www-authenticate', 'Bearer realm="ledgerbase"');
  }
  if (error.code === 'UNAVAILABLE' && !reply.hasHeader('retry-after')) reply.header('retry-after', '5');
  const body = {
    error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
  };
  return reply.code(error.status).type('application/json; charset=utf-8').send(body);
}

/**
 * Fastify answers a malformed URL escape or an over-long path parameter before routing, so neither the
 * error handler nor the onRequest hooks see it; this keeps those answers in the contract's shape too.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  reply.header('x-request-id', request.id);
  if (error.code === 'FST_ERR_BAD_URL' || error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    const message = error.code === 'FST_ERR_BAD_URL' ? 'is not a valid URL' : 'has a path segment too long';
    sendError(reply, AppError.validation([{ path: 'url', message }], 'The request URL is not valid'));
    return;
  }
  request.log.error({ err: error }, 'unhandled framework error');
  sendError(reply, new AppError('INTERNAL'));
}

/**
 * One error handler for every layer (ARCHITECTURE.md "Errors"): the contract's shape, never a stack
 * trace, SQL or path. Unknown errors are logged whole with the request id and answered as INTERNAL.
 */
export function installErrorHandling(app: FastifyInstance, options: { serveSpa: boolean }): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isAppError(error)) return sendError(reply, error);
    if (error.validation) return sendError(reply, AppError.validation(issuesFrom(error)));
    const code = codeForFrameworkError(error);
    if (code) {
      const message =
        code === 'VALIDATION_FAILED' ? 'The request body is not valid JSON' : ERROR_CODES[code].message;
      return sendError(reply, new AppError(code, code === 'NOT_FOUND' ? 'Route not found' : message));
    }
    if (isDependencyDown(error)) {
      request.log.error({ err: error }, 'database unavailable');
      reply.header('retry-after', '5');
      return sendError(reply, new AppError('UNAVAILABLE', 'The database is unavailable; try again shortly'));
    }
    request.log.error({ err: error }, 'unhandled error');
    return sendError(reply, new AppError('INTERNAL'));
  });

  app.setNotFoundHandler((request, reply) => {
    // Client-side routes of the console get its index.html; everything else the JSON 404.
    if (options.serveSpa && isSpaRoute(request.method, request.url)) return reply.sendFile('index.html');
    return sendError(reply, routeNotFound(request.method, request.url));
  });
}

export const routeNotFound = (method: string, url: string) =>
  new AppError('NOT_FOUND', `Route ${method} ${url.split('?')[0]} not found`);
