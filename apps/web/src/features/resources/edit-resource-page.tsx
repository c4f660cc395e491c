import { useMutation, useQueryClient } from '@tanstack/react-query';
import { lazy, Suspense, useEffect, useState } from 'react';
import { api, type Resource, type ResourceInput } from '../../lib/api.ts';
import { isApiStatus } from '../../lib/errors.ts';
import { prettyJson } from '../../lib/json-validate.ts';
import { Link, navigate } from '../../lib/router.tsx';
import { useToast } from '../../lib/toast.tsx';
import { ErrorAlert, Loading, PageHeader } from '../../lib/ui.tsx';
import { ResourceMissing } from './resource-detail-page.tsx';
import { type Draft, draftFrom, ResourceForm } from './resource-form.tsx';
import { resourceChanged, useResource } from './resource-queries.ts';

// The conflict view (diff, rebase, change list) is needed only after a 412, so it is a chunk of
// its own, fetched while the current version loads.
const loadConflictPanel = () => import('./conflict-panel.tsx');
const ConflictPanel = lazy(() => loadConflictPanel().then((m) => ({ default: m.ConflictPanel })));

interface Conflict {
  mine: ResourceInput;
  current: Resource | null; // null: deleted meanwhile
}

/**
 * Edits with optimistic concurrency: PUT carries If-Match with the version the edit started
 * from (`base`), so a save never silently overwrites someone else's (RFC 9110 section 13.1.1).
 */
export function EditResourcePage({ id }: { id: string }) {
  const client = useQueryClient();
  const toast = useToast();
  const query = useResource(id);
  const [base, setBase] = useState<Resource | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [conflict, setConflict] = useState<Conflict | null>(null);

  // Take the first loaded version as the base; live updates later must not reset the draft.
  useEffect(() => {
    if (query.data && !base) {
      setBase(query.data);
      setDraft(draftFrom(query.data));
    }
  }, [query.data, base]);

  const save = useMutation({
    // `from` is the version these changes were made against: the base of a later conflict.
    mutationFn: ({ input, from }: { input: ResourceInput; from: Resource }) =>
      api.replaceResource(id, input, from.version),
    onSuccess: (resource) => {
      resourceChanged(client, resource, 'local');
      toast(`Saved “${resource.name}” as version ${resource.version}.`, { tone: 'success' });
      navigate(`/resources/${id}`);
    },
    onError: async (error, { input, from }) => {
      if (!isApiStatus(error, 412)) return;
      void loadConflictPanel();
      setBase(from);
      // Fetch what is there now, so the user can see what changed meanwhile.
      const current = await api.getResource(id).catch(() => null);
      if (current) resourceChanged(client, current);
      setConflict({ mine: input, current });
    },
  });

  if (query.isError && isApiStatus(query.error, 404)) return <ResourceMissing id={id} />;
  if (query.isError) return <ErrorAlert error={query.error} onRetry={() => void query.refetch()} />;
  if (!base || !draft) return <Loading label="Loading resource…" />;

  const latest = query.data;
  const stale = latest && latest.version > base.version && !conflict;
  const rebaseOnto = (input: ResourceInput, current: Resource) => {
    setBase(current);
    setDraft({ name: input.name, metadataText: prettyJson(input.metadata) });
    setConflict(null);
    save.reset();
  };

  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/resources">Resources</Link> <span aria-hidden="true">/</span>{' '}
        <Link to={`/resources/${id}`}>{base.name}</Link> <span aria-hidden="true">/</span>
      </nav>
      <PageHeader title={`Edit “${base.name}”`}>
        <p className="muted">Editing version {base.version}.</p>
      </PageHeader>
      {stale ? (
        <p className="alert alert-info" role="status">
          Version {latest.version} was saved elsewhere while you were editing. Saving will show you what
          changed.
        </p>
      ) : null}
      {conflict ? (
        <Suspense fallback={<Loading label="Comparing versions…" />}>
          <ConflictPanel
            base={base}
            mine={conflict.mine}
            current={conflict.current}
            busy={save.isPending}
            onReapply={(input, current) => save.mutate({ input, from: current })}
            onKeepEditing={rebaseOnto}
            onDiscard={() => navigate(`/resources/${id}`)}
          />
        </Suspense>
      ) : (
        <div className="card">
          <ResourceForm
            draft={draft}
            onDraftChange={setDraft}
            submitLabel="Save changes"
            busy={save.isPending}
            onSubmit={(input) => save.mutate({ input, from: base })}
            error={save.isError && !isApiStatus(save.error, 412) ? <ErrorAlert error={save.error} /> : null}
            secondary={
              <Link to={`/resources/${id}`} className="button button-quiet">
                Cancel
              </Link>
            }
          />
        </div>
      )}
    </>
  );
}
