import { useCallback } from 'react';
import { RESOURCE_SORTS, type Resource, type ResourceSort } from '../../lib/api.ts';
import { previewJson, shortId } from '../../lib/format.ts';
import { Link, useSearchParams } from '../../lib/router.tsx';
import { EmptyState, ErrorAlert, Loading, PageHeader, Time } from '../../lib/ui.tsx';
import { useUser } from '../auth/auth-context.tsx';
import { RecentlyDeleted } from './recently-deleted.tsx';
import { ResourceFiltersBar } from './resource-filters.tsx';
import { type ResourceFilters, useResourceList } from './resource-queries.ts';

function readFilters(search: URLSearchParams): ResourceFilters {
  const sort = search.get('sort') as ResourceSort | null;
  return {
    q: search.get('q') ?? '',
    sort: sort && RESOURCE_SORTS.includes(sort) ? sort : '-createdAt',
    metadata: search.get('metadata') ?? '',
  };
}

function MetadataPreview({ metadata }: { metadata: Resource['metadata'] }) {
  const entries = Object.entries(metadata);
  if (entries.length === 0) return <p className="muted small">No metadata</p>;
  return (
    <dl className="metadata-preview">
      {entries.slice(0, 3).map(([key, value]) => (
        <div key={key}>
          <dt>{key}</dt>
          <dd>{previewJson(value, 40)}</dd>
        </div>
      ))}
      {entries.length > 3 ? <div className="muted small">+{entries.length - 3} more</div> : null}
    </dl>
  );
}

function ResourceCard({ resource, mine }: { resource: Resource; mine: boolean }) {
  return (
    <li className="card resource-card">
      <div className="resource-card-head">
        <Link to={`/resources/${resource.id}`} className="resource-name">
          {resource.name}
        </Link>
        <span className="badge" title={`Version ${resource.version}`}>
          v{resource.version}
        </span>
      </div>
      <MetadataPreview metadata={resource.metadata} />
      <p className="muted small">
        Updated <Time iso={resource.updatedAt} relative /> ·{' '}
        {mine ? 'yours' : `owner ${shortId(resource.ownerId)}`}
      </p>
    </li>
  );
}

export function ResourceListPage() {
  const user = useUser();
  const [search, setSearch] = useSearchParams();
  const filters = readFilters(search);
  const list = useResourceList(filters);
  const onChange = useCallback(
    (next: Partial<ResourceFilters>) => {
      const params: Record<string, string | undefined> = { ...next };
      // The default sort stays out of the URL, so plain links stay plain.
      if (next.sort !== undefined) params.sort = next.sort === '-createdAt' ? undefined : next.sort;
      setSearch(params);
    },
    [setSearch],
  );
  const resources = list.data?.pages.flatMap((page) => page.data) ?? [];
  const filtered = Boolean(filters.q || filters.metadata);

  return (
    <>
      <PageHeader
        title="Resources"
        actions={
          user.role !== 'viewer' ? (
            <Link to="/resources/new" className="button button-primary">
              New resource
            </Link>
          ) : null
        }
      />
      <ResourceFiltersBar filters={filters} onChange={onChange} />
      <RecentlyDeleted />
      <section aria-label="Resource list" aria-busy={list.isFetching}>
        {list.isPending ? <Loading label="Loading resources…" /> : null}
        {list.isError ? <ErrorAlert error={list.error} onRetry={() => void list.refetch()} /> : null}
        {list.isSuccess && resources.length === 0 ? (
          filtered ? (
            <EmptyState title="No resources match these filters.">
              <button type="button" className="button" onClick={() => onChange({ q: '', metadata: '' })}>
                Clear search and metadata filter
              </button>
            </EmptyState>
          ) : (
            <EmptyState title="No resources yet.">
              {user.role !== 'viewer' ? (
                <p>
                  <Link to="/resources/new">Create your first resource</Link> to start its audited history.
                </p>
              ) : (
                <p className="muted">Resources shared with you will appear here.</p>
              )}
            </EmptyState>
          )
        ) : null}
        {resources.length > 0 ? (
          <>
            <p className="muted small" role="status">
              Showing {resources.length} resource{resources.length === 1 ? '' : 's'}
              {list.hasNextPage ? ' (more available)' : ''}
            </p>
            <ul className="resource-grid">
              {resources.map((resource) => (
                <ResourceCard key={resource.id} resource={resource} mine={resource.ownerId === user.id} />
              ))}
            </ul>
          </>
        ) : null}
        {list.hasNextPage ? (
          <div className="load-more">
            <button
              type="button"
              className="button"
              disabled={list.isFetchingNextPage}
              onClick={() => void list.fetchNextPage()}
            >
              {list.isFetchingNextPage ? 'Loading more…' : 'Load more'}
            </button>
          </div>
        ) : null}
      </section>
    </>
  );
}
