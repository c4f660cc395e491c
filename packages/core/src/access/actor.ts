import type { ApiKeyScope, UserRole } from '@ledgerbase/db';

/** Who is acting. Every entry point (API, worker, CLI) builds one and passes it to the services. */
export type Actor = Readonly<{
  type: 'user' | 'api_key' | 'system';
  /** The user on whose behalf the action runs (the key's owner for API keys). */
  userId: string;
  role: UserRole;
  /** Set for API keys: the audit log names the key, not just its owner. */
  keyId?: string;
  /**
   * `false` when nothing is granted to this user (as of a moment ago): their list needs no grant
   * lookup. A new grant invalidates it on every instance.
   */
  hasGrants?: boolean;
  /** Set for API keys: what the key may do, on top of what its owner's role allows. */
  scopes?: readonly ApiKeyScope[];
}>;

export type RequestContext = Readonly<{
  actor: Actor;
  requestId: string | null;
  /** W3C trace id (32 hex digits) recorded in audit entries; absent or null when there is none. */
  traceId?: string | null;
}>;

/** The id recorded as `actorId` in the audit log. */
export const auditActorId = (actor: Actor): string => actor.keyId ?? actor.userId;
