import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { API_KEY_SCOPES, type ApiKeyScope, api, type CreatedApiKey } from '../../lib/api.ts';
import { isApiStatus } from '../../lib/errors.ts';
import {
  ConfirmButton,
  CopyButton,
  EmptyState,
  ErrorAlert,
  Loading,
  NotAvailable,
  PageHeader,
  Time,
} from '../../lib/ui.tsx';
import { useUser } from '../auth/auth-context.tsx';

const SCOPE_HINTS: Record<ApiKeyScope, string> = {
  'resources:read': 'Read resources and their history',
  'resources:write': 'Create, change and delete resources',
  'audit:read': 'Read the audit log',
  admin: 'Everything an admin can do',
};

function NewKeyNotice({ created, onDone }: { created: CreatedApiKey; onDone(): void }) {
  const id = useId();
  return (
    <section className="alert alert-success stack" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="alert-title">
        Key “{created.name}” created. Copy it now: it will not be shown again.
      </h2>
      <div className="row">
        <label className="visually-hidden" htmlFor={`${id}-key`}>
          New API key
        </label>
        <input
          id={`${id}-key`}
          className="code secret"
          readOnly
          value={created.key}
          onFocus={(e) => e.target.select()}
        />
        <CopyButton text={created.key} label="Copy key" />
      </div>
      <p className="small">
        Use it as <code>Authorization: Bearer &lt;key&gt;</code>.
      </p>
      <button type="button" className="button button-small" onClick={onDone}>
        I have stored it
      </button>
    </section>
  );
}

function CreateKeyForm({ onCreated }: { onCreated(key: CreatedApiKey): void }) {
  const id = useId();
  const user = useUser();
  const client = useQueryClient();
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<ApiKeyScope[]>(['resources:read']);
  const [expires, setExpires] = useState('');
  const create = useMutation({
    mutationFn: () =>
      api.createApiKey({
        name: name.trim(),
        scopes,
        ...(expires && { expiresAt: new Date(expires).toISOString() }),
      }),
    onSuccess: (created) => {
      setName('');
      onCreated(created);
      void client.invalidateQueries({ queryKey: ['api-keys'] });
    },
  });
  const toggle = (scope: ApiKeyScope) =>
    setScopes((all) => (all.includes(scope) ? all.filter((s) => s !== scope) : [...all, scope]));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim() && scopes.length > 0) create.mutate();
  };
  // Only admins may grant the admin scope; offering it to others would only earn a 403.
  const offered = API_KEY_SCOPES.filter((scope) => scope !== 'admin' || user.role === 'admin');
  return (
    <form className="card stack" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Create a key</h2>
      {create.isError ? <ErrorAlert error={create.error} /> : null}
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input
          id={`${id}-name`}
          value={name}
          placeholder="CI pipeline"
          onChange={(e) => setName(e.target.value)}
        />
      </div>
      <fieldset className="field">
        <legend>Scopes</legend>
        {offered.map((scope) => (
          <label key={scope} className="checkbox">
            <input type="checkbox" checked={scopes.includes(scope)} onChange={() => toggle(scope)} />
            <code>{scope}</code> <span className="muted small">{SCOPE_HINTS[scope]}</span>
          </label>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor={`${id}-expires`}>Expires (optional)</label>
        <input
          id={`${id}-expires`}
          type="datetime-local"
          value={expires}
          onChange={(e) => setExpires(e.target.value)}
        />
      </div>
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          disabled={!name.trim() || scopes.length === 0 || create.isPending}
        >
          {create.isPending ? 'Creating…' : 'Create key'}
        </button>
      </div>
    </form>
  );
}

export function ApiKeysPage() {
  const client = useQueryClient();
  const keys = useQuery({ queryKey: ['api-keys'], queryFn: api.listApiKeys });
  const [created, setCreated] = useState<CreatedApiKey | null>(null);
  const revoke = useMutation({
    mutationFn: api.deleteApiKey,
    onSuccess: () => void client.invalidateQueries({ queryKey: ['api-keys'] }),
  });

  if (keys.isError && isApiStatus(keys.error, 404)) {
    return (
      <>
        <PageHeader title="API keys" />
        <NotAvailable feature="API keys" />
      </>
    );
  }
  return (
    <>
      <PageHeader title="API keys">
        <p className="muted">
          Keys let scripts and services call the API on your behalf, limited to their scopes.
        </p>
      </PageHeader>
      {created ? <NewKeyNotice created={created} onDone={() => setCreated(null)} /> : null}
      <div className="detail-layout">
        <section className="card" aria-label="Your API keys">
          {keys.isPending ? <Loading label="Loading keys…" /> : null}
          {keys.isError ? <ErrorAlert error={keys.error} onRetry={() => void keys.refetch()} /> : null}
          {revoke.isError ? <ErrorAlert error={revoke.error} /> : null}
          {keys.isSuccess && keys.data.data.length === 0 ? <EmptyState title="No API keys yet." /> : null}
          {keys.isSuccess && keys.data.data.length > 0 ? (
            <ul className="plain-list">
              {keys.data.data.map((key) => (
                <li key={key.id} className="row row-spread">
                  <div>
                    <strong>{key.name}</strong>
                    <div className="muted small">
                      {key.scopes.join(', ')} · created <Time iso={key.createdAt} relative />
                      {key.expiresAt ? (
                        <>
                          {' '}
                          · expires <Time iso={key.expiresAt} />
                        </>
                      ) : (
                        ' · never expires'
                      )}
                    </div>
                  </div>
                  <ConfirmButton
                    label="Revoke"
                    confirmLabel="Revoke key"
                    question={`Revoke “${key.name}”?`}
                    busy={revoke.isPending}
                    onConfirm={() => revoke.mutate(key.id)}
                  />
                </li>
              ))}
            </ul>
          ) : null}
        </section>
        <CreateKeyForm onCreated={setCreated} />
      </div>
    </>
  );
}
