import { useQueryClient } from '@tanstack/react-query';
import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import type { LiveEvent } from '../../lib/api.ts';
import { useToast } from '../../lib/toast.tsx';
import { useUser } from '../auth/auth-context.tsx';
import { deletedStore } from '../resources/deleted-store.ts';
import {
  isLocalWrite,
  resourceChanged,
  resourceKeys,
  resourceRemoved,
} from '../resources/resource-queries.ts';
import { runEventStream, type StreamStatus } from './event-stream.ts';

const StatusContext = createContext<StreamStatus>('stopped');

const VERBS: Record<LiveEvent['type'], string> = {
  'resource.created': 'created',
  'resource.updated': 'updated',
  'resource.deleted': 'deleted',
  'resource.restored': 'restored',
};

/** Keeps the cache in step with changes made elsewhere (other tabs, other users, the API). */
export function LiveEventsProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const toast = useToast();
  const user = useUser();
  const [status, setStatus] = useState<StreamStatus>('connecting');

  useEffect(() => {
    const controller = new AbortController();
    const onEvent = (event: LiveEvent) => {
      if (event.type === 'resource.deleted') resourceRemoved(client, event.resourceId);
      else if (event.resource) resourceChanged(client, event.resource);
      else {
        void client.invalidateQueries({ queryKey: resourceKeys.detail(event.resourceId) });
        void client.invalidateQueries({ queryKey: resourceKeys.lists });
        void client.invalidateQueries({ queryKey: resourceKeys.history(event.resourceId) });
      }
      if (event.type === 'resource.restored') deletedStore.remove(event.resourceId);
      // This tab's own saves already said so; only news from elsewhere deserves a notice. The
      // event can beat the HTTP response of our own write, hence the short wait before checking.
      const key = event.type === 'resource.deleted' ? 'deleted' : event.version;
      setTimeout(() => {
        if (event.actorId === user.id && isLocalWrite(event.resourceId, key)) return;
        const name = event.resource?.name ? `“${event.resource.name}”` : 'A resource';
        toast(`${name} was ${VERBS[event.type] ?? 'changed'} elsewhere (version ${event.version}).`);
      }, 1500);
    };
    void runEventStream({ onEvent, onStatus: setStatus, signal: controller.signal });
    return () => controller.abort();
  }, [client, toast, user.id]);

  return <StatusContext.Provider value={status}>{children}</StatusContext.Provider>;
}

const LABELS: Partial<Record<StreamStatus, string>> = {
  live: 'Live',
  connecting: 'Connecting…',
  reconnecting: 'Reconnecting…',
};

/** A small indicator in the header; hidden when the server offers no event stream. */
export function LiveStatus() {
  const status = useContext(StatusContext);
  const label = LABELS[status];
  if (!label) return null;
  return (
    <span className={`live-status live-${status}`} title="Changes made elsewhere appear without reloading">
      <span className="live-dot" aria-hidden="true" />
      {label}
    </span>
  );
}
