import type { IncomingMessage } from 'node:http';
import { uuidv7 } from 'uuidv7';

const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,200}$/;

/** Echo a well-formed incoming X-Request-Id, replace anything else (CONTRACT "Conventions"). */
export function requestIdFor(request: IncomingMessage): string {
  const incoming = request.headers['x-request-id'];
  return typeof incoming === 'string' && VALID_REQUEST_ID.test(incoming) ? incoming : uuidv7();
}
