import { useInfiniteQuery } from '@tanstack/react-query';
import { AUDIT_ACTIONS, type AuditAction, type AuditQuery, api } from '../../lib/api.ts';
import { isApiStatus } from '../../lib/errors.ts';
import { shortId } from '../../lib/format.ts';
import { Link, useSearchParams } from '../../lib/router.tsx';
import {
  EmptyState,
  ErrorAlert,
  Loading,
  NotAvailable,
  PageHeader,
  TableScroll,
  Time,
} from '../../lib/ui.tsx';
import { useUser } from '../auth/auth-context.tsx';
import { AuditFilters } from './audit-filters.tsx';
import { VerifyAudit } from './verify-audit.tsx';

const FILTER_KEYS = ['resourceId', 'actorId', 'action', 'since', 'until'] as const;

function readQuery(search: URLSearchParams): AuditQuery {
  const query: AuditQuery = {};
  for (const key of FILTER_KEYS) {
    const value = search.get(key);
    if (!value) continue;
    if (key === 'action') {
      if (AUDIT_ACTIONS.includes(value as AuditAction)) query.action = value as AuditAction;
    } else query[key] = value;
  }
  return query;
}

export function AuditPage() {
  const user = useUser();
  const [search, setSearch] = useSearchParams();
  const filters = readQuery(search);
  const audit = useInfiniteQuery({
    queryKey: ['audit', filters],
    queryFn: ({ pageParam }) => api.listAudit({ ...filters, cursor: pageParam }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  const entries = audit.data?.pages.flatMap((page) => page.data) ?? [];

  if (audit.isError && isApiStatus(audit.error, 404)) {
    return (
      <>
        <PageHeader title="Audit log" />
        <NotAvailable feature="The audit log" />
      </>
    );
  }
  return (
    <>
      <PageHeader title="Audit log" actions={user.role === 'admin' ? <VerifyAudit /> : null}>
        <p className="muted">
          {user.role === 'admin'
            ? 'Every change to every resource.'
            : 'Every change to the resources you own.'}
        </p>
      </PageHeader>
      <AuditFilters filters={filters} onApply={(next) => setSearch(next)} />
      <section aria-label="Audit entries" aria-busy={audit.isFetching}>
        {audit.isPending ? <Loading label="Loading audit entries…" /> : null}
        {audit.isError ? <ErrorAlert error={audit.error} onRetry={() => void audit.refetch()} /> : null}
        {audit.isSuccess && entries.length === 0 ? <EmptyState title="No audit entries match." /> : null}
        {entries.length > 0 ? (
          <TableScroll label="Audit entries table" className="card">
            <table>
              <caption className="visually-hidden">
                Audit entries, newest page first as the server returns them
              </caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">Resource</th>
                  <th scope="col">Version</th>
                  <th scope="col">Actor</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((entry) => (
                  <tr key={entry.id}>
                    <td>
                      <Time iso={entry.createdAt} />
                    </td>
                    <td>
                      <span className={`badge badge-${entry.action}`}>{entry.action}</span>
                    </td>
                    <td>
                      <Link to={`/resources/${entry.resourceId}/history`} title={entry.resourceId}>
                        {shortId(entry.resourceId)}
                      </Link>
                    </td>
                    <td>{entry.version}</td>
                    <td title={entry.actorId ?? undefined}>
                      {entry.actorId === user.id
                        ? 'you'
                        : `${entry.actorType.replace('_', ' ')} ${entry.actorId ? shortId(entry.actorId) : ''}`}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableScroll>
        ) : null}
        {audit.hasNextPage ? (
          <div className="load-more">
            <button
              type="button"
              className="button"
              disabled={audit.isFetchingNextPage}
              onClick={() => void audit.fetchNextPage()}
            >
              {audit.isFetchingNextPage ? 'Loading…' : 'Load more'}
            </button>
          </div>
        ) : null}
      </section>
    </>
  );
}
