import pino, { type Logger } from 'pino';

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
];

export function createLogger(level: string, name = 'ledgerbase'): Logger {
  return pino({
    name,
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}
