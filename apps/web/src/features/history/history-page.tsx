import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import { type AuditEntry, api, type Json } from '../../lib/api.ts';
import { isApiStatus } from '../../lib/errors.ts';
import { applyPatch } from '../../lib/json-patch.ts';
import { Link } from '../../lib/router.tsx';
import { useToast } from '../../lib/toast.tsx';
import { EmptyState, ErrorAlert, Loading, PageHeader } from '../../lib/ui.tsx';
import { useUser } from '../auth/auth-context.tsx';
import { resourceChanged, resourceKeys, useResource } from '../resources/resource-queries.ts';
import { HistoryEntry } from './history-entry.tsx';

export interface Step {
  entry: AuditEntry;
  /** {name, metadata} before and after this entry; undefined when earlier entries are missing. */
  before: Json | undefined;
  after: Json | undefined;
}

/**
 * Replays the patches oldest first: the contract promises that applying them in order rebuilds
 * the resource, which gives each step its old values. If retention purged the start (no
 * `create` first), or a patch does not fit, old values are shown as unknown instead of wrong.
 */
export function replay(entries: AuditEntry[]): Step[] {
  let state: Json | undefined = entries[0]?.action === 'create' ? {} : undefined;
  return entries.map((entry) => {
    const before = state;
    if (state !== undefined && entry.changes.length > 0) {
      try {
        state = applyPatch(state, entry.changes);
      } catch {
        state = undefined;
      }
    }
    return { entry, before, after: state };
  });
}

export function HistoryPage({ id }: { id: string }) {
  const user = useUser();
  const toast = useToast();
  const client = useQueryClient();
  const resource = useResource(id);
  const history = useInfiniteQuery({
    queryKey: resourceKeys.history(id),
    queryFn: ({ pageParam }) => api.history(id, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const entries = useMemo(() => history.data?.pages.flatMap((page) => page.data) ?? [], [history.data]);
  const steps = useMemo(() => replay(entries), [entries]);

  const restore = useMutation({
    mutationFn: (version: number) => api.restoreResource(id, version),
    onSuccess: (restored, version) => {
      resourceChanged(client, restored, 'local');
      toast(`Restored version ${version}; it is now version ${restored.version}.`, { tone: 'success' });
    },
  });

  const name = resource.data?.name;
  const title = name ? `History of “${name}”` : 'History';
  const latestVersion = resource.data?.version ?? entries.at(-1)?.version;
  const canRestore = user.role !== 'viewer';

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/resources">Resources</Link> <span aria-hidden="true">/</span>{' '}
        {name ? <Link to={`/resources/${id}`}>{name}</Link> : null} <span aria-hidden="true">/</span>
      </nav>
      <PageHeader title={title}>
        <p className="muted">
          Every change, oldest first. Each entry is part of the tamper-evident audit chain.
        </p>
      </PageHeader>
      {restore.isError ? <ErrorAlert error={restore.error} title="The version was not restored." /> : null}
      {history.isPending ? <Loading label="Loading history…" /> : null}
      {history.isError ? (
        isApiStatus(history.error, 404) ? (
          <EmptyState title="No history to show.">
            <p className="muted">The resource does not exist, or you do not have access to it.</p>
          </EmptyState>
        ) : (
          <ErrorAlert error={history.error} onRetry={() => void history.refetch()} />
        )
      ) : null}
      {history.isSuccess && steps.length === 0 ? <EmptyState title="No history entries yet." /> : null}
      {steps.length > 0 ? (
        <ol className="timeline">
          {steps.map((step) => (
            <HistoryEntry
              key={step.entry.id}
              step={step}
              resourceId={id}
              currentUserId={user.id}
              canRestore={
                canRestore && step.entry.version !== latestVersion && step.entry.action !== 'delete'
              }
              restoring={restore.isPending && restore.variables === step.entry.version}
              onRestore={() => restore.mutate(step.entry.version)}
            />
          ))}
        </ol>
      ) : null}
      {history.hasNextPage ? (
        <div className="load-more">
          <button
            type="button"
            className="button"
            disabled={history.isFetchingNextPage}
            onClick={() => void history.fetchNextPage()}
          >
            {history.isFetchingNextPage ? 'Loading…' : 'Load newer entries'}
          </button>
        </div>
      ) : null}
    </>
  );
}
