import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { api, type ResourceInput } from '../../lib/api.ts';
import { newId } from '../../lib/format.ts';
import { Link, navigate } from '../../lib/router.tsx';
import { useToast } from '../../lib/toast.tsx';
import { ErrorAlert, PageHeader } from '../../lib/ui.tsx';
import { type Draft, draftFrom, ResourceForm } from './resource-form.tsx';
import { resourceChanged } from './resource-queries.ts';

export function NewResourcePage() {
  const client = useQueryClient();
  const toast = useToast();
  const [draft, setDraft] = useState<Draft>(draftFrom());
  // One Idempotency-Key per distinct draft: a retried submit (double click, flaky network) can
  // never create two resources, and an edited draft is a new request with a new key.
  const idempotencyKey = useRef(newId());

  const create = useMutation({
    mutationFn: (input: ResourceInput) => api.createResource(input, idempotencyKey.current),
    onSuccess: (resource) => {
      resourceChanged(client, resource, 'local');
      toast(`Created “${resource.name}”.`, { tone: 'success' });
      navigate(`/resources/${resource.id}`);
    },
  });

  const change = (next: Draft) => {
    idempotencyKey.current = newId();
    setDraft(next);
  };

  return (
    <>
      <PageHeader title="New resource">
        <p className="muted">Every change to it is kept in its history, with who made it and when.</p>
      </PageHeader>
      <div className="card">
        <ResourceForm
          draft={draft}
          onDraftChange={change}
          onSubmit={(input) => create.mutate(input)}
          submitLabel="Create resource"
          busy={create.isPending}
          error={create.isError ? <ErrorAlert error={create.error} /> : null}
          secondary={
            <Link to="/resources" className="button button-quiet">
              Cancel
            </Link>
          }
        />
      </div>
    </>
  );
}
