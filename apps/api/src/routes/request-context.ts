import type { RequestContext } from '@ledgerbase/core';
import { activeTraceId } from '@ledgerbase/platform';
import type { FastifyRequest } from 'fastify';
import { actorOf } from '../plugins/authentication.ts';

// W3C Trace Context §3.2: version "-" trace-id "-" parent-id "-" flags, lower-case hex.
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * The trace id of a `traceparent` header, or null when absent or malformed (the spec says to ignore
 * an invalid header). Version ff is invalid, all-zero ids are invalid, and version 00 allows no extra
 * fields.
 */
export function traceIdFrom(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string') return null;
  const match = TRACEPARENT.exec(header.trim());
  if (!match) return null;
  const [, version, traceId, parentId, , rest] = match;
  if (version === 'ff' || (version === '00' && rest !== undefined)) return null;
  if (/^0+$/.test(traceId!) || /^0+$/.test(parentId!)) return null;
  return traceId!;
}

/** Who is acting and on behalf of which request: what audit entries record (issue #4 "Actor context"). */
export const requestContext = (request: FastifyRequest): RequestContext => ({
  actor: actorOf(request),
  requestId: request.id,
  // The active OpenTelemetry span when tracing is on; else the caller's traceparent, if well formed.
  traceId: activeTraceId() ?? traceIdFrom(request.headers.traceparent),
});
