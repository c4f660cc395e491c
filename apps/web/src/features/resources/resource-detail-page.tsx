import { isApiStatus } from '../../lib/errors.ts';
import { prettyJson } from '../../lib/json-validate.ts';
import { Link, navigate } from '../../lib/router.tsx';
import {
  ConfirmButton,
  CopyButton,
  EmptyState,
  ErrorAlert,
  Loading,
  PageHeader,
  Time,
} from '../../lib/ui.tsx';
import { useUser } from '../auth/auth-context.tsx';
import { deletedStore } from './deleted-store.ts';
import { GrantsPanel } from './grants-panel.tsx';
import { useDeleteResource, useUndelete } from './resource-actions.ts';
import { useResource } from './resource-queries.ts';

/** 404 means deleted, never existed, or not visible: the API will not say which, nor do we. */
export function ResourceMissing({ id }: { id: string }) {
  const undelete = useUndelete();
  const deletedHere = deletedStore.has(id);
  return (
    <>
      <PageHeader title="Resource not found" />
      <EmptyState
        title={
          deletedHere
            ? 'This resource was deleted.'
            : 'It may have been deleted, or you may not have access to it.'
        }
      >
        <div className="row">
          {deletedHere ? (
            <button
              type="button"
              className="button button-primary"
              disabled={undelete.isPending}
              onClick={() => undelete.mutate(id)}
            >
              {undelete.isPending ? 'Restoring…' : 'Restore it'}
            </button>
          ) : null}
          <Link to="/resources" className="button">
            Back to resources
          </Link>
        </div>
      </EmptyState>
    </>
  );
}

export function ResourceDetailPage({ id }: { id: string }) {
  const user = useUser();
  const query = useResource(id);
  const remove = useDeleteResource(() => navigate('/resources'));

  if (query.isPending) return <Loading label="Loading resource…" />;
  if (query.isError) {
    if (isApiStatus(query.error, 404)) return <ResourceMissing id={id} />;
    return <ErrorAlert error={query.error} onRetry={() => void query.refetch()} />;
  }
  const resource = query.data;
  const mine = resource.ownerId === user.id;
  const canManage = mine || user.role === 'admin';

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/resources">Resources</Link> <span aria-hidden="true">/</span>
      </nav>
      <PageHeader
        title={resource.name}
        actions={
          <>
            {user.role !== 'viewer' ? (
              <Link to={`/resources/${id}/edit`} className="button button-primary">
                Edit
              </Link>
            ) : null}
            <Link to={`/resources/${id}/history`} className="button">
              History
            </Link>
            {canManage ? (
              <ConfirmButton
                label="Delete"
                confirmLabel="Delete it"
                question={`Delete “${resource.name}”?`}
                busy={remove.isPending}
                onConfirm={() => remove.mutate(resource)}
              />
            ) : null}
          </>
        }
      />
      {remove.isError ? <ErrorAlert error={remove.error} title="The resource was not deleted." /> : null}
      <div className="detail-layout">
        <section className="card" aria-labelledby="metadata-title">
          <div className="section-head">
            <h2 id="metadata-title">Metadata</h2>
            <CopyButton text={prettyJson(resource.metadata)} label="Copy JSON" />
          </div>
          {Object.keys(resource.metadata).length === 0 ? (
            <p className="muted">No metadata. Edit the resource to add some.</p>
          ) : (
            <pre className="code-block">{prettyJson(resource.metadata)}</pre>
          )}
        </section>
        <section className="card" aria-labelledby="about-title">
          <h2 id="about-title">About</h2>
          <dl className="facts">
            <dt>Version</dt>
            <dd>{resource.version}</dd>
            <dt>Owner</dt>
            <dd>{mine ? 'You' : <code>{resource.ownerId}</code>}</dd>
            <dt>Created</dt>
            <dd>
              <Time iso={resource.createdAt} />
            </dd>
            <dt>Updated</dt>
            <dd>
              <Time iso={resource.updatedAt} />
            </dd>
            <dt>ID</dt>
            <dd className="id-cell">
              <code>{resource.id}</code> <CopyButton text={resource.id} />
            </dd>
          </dl>
        </section>
      </div>
      {canManage ? <GrantsPanel resourceId={resource.id} /> : null}
    </>
  );
}
