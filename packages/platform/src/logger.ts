import pino, { type Logger } from 'pino';
import { activeTraceId } from './telemetry.ts';

export type { Logger };

/**
 * JSON logs (seed section 8). Secrets and PII never reach the log sink: credentials, tokens and
 * emails are censored wherever they appear in the logged objects we know about.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.email',
  '*.accessToken',
  '*.refreshToken',
  '*.token',
  '*.secret',
  '*.key',
  'password',
  'email',
  'accessToken',
  'refreshToken',
  // A user's name is PII too (seed section 7); `*.name` alone would also hide error and route names.
  'user.name',
  '*.user.name',
  'body.name',
  '*.body.name',
  // PostgreSQL repeats the offending key values in an error's detail ("Key (email)=(...) exists").
  'err.detail',
  '*.encryptionKey',
  '*.encryptionKeysPrevious',
];

export function createLogger(level: string, name = 'ledgerbase'): Logger {
  return pino({
    name,
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // Log lines carry the trace id when tracing is on, so a log line leads to its trace.
    mixin: () => {
      const traceId = activeTraceId();
      return traceId ? { traceId } : {};
    },
  });
}
