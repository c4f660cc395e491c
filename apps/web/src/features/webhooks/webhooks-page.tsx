import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { api, type CreatedWebhook, EVENT_TYPES, type EventType, type Webhook } from '../../lib/api.ts';
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
import { Deliveries } from './deliveries.tsx';

function SecretNotice({ created, onDone }: { created: CreatedWebhook; onDone(): void }) {
  const id = useId();
  return (
    <section className="alert alert-success stack" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`} className="alert-title">
        Webhook created. Copy its signing secret now: it will not be shown again.
      </h2>
      <div className="row">
        <label className="visually-hidden" htmlFor={`${id}-secret`}>
          Signing secret
        </label>
        <input
          id={`${id}-secret`}
          className="code secret"
          readOnly
          value={created.secret}
          onFocus={(e) => e.target.select()}
        />
        <CopyButton text={created.secret} label="Copy secret" />
      </div>
      <p className="small">
        Verify each delivery's <code>webhook-signature</code> with it (Standard Webhooks).
      </p>
      <button type="button" className="button button-small" onClick={onDone}>
        I have stored it
      </button>
    </section>
  );
}

function CreateWebhookForm({ onCreated }: { onCreated(webhook: CreatedWebhook): void }) {
  const id = useId();
  const client = useQueryClient();
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<EventType[]>([...EVENT_TYPES]);
  const create = useMutation({
    mutationFn: () =>
      api.createWebhook({
        url: url.trim(),
        events,
        ...(description.trim() && { description: description.trim() }),
      }),
    onSuccess: (created) => {
      setUrl('');
      setDescription('');
      onCreated(created);
      void client.invalidateQueries({ queryKey: ['webhooks'] });
    },
  });
  const toggle = (type: EventType) =>
    setEvents((all) => (all.includes(type) ? all.filter((t) => t !== type) : [...all, type]));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (url.trim() && events.length > 0) create.mutate();
  };
  return (
    <form className="card stack" onSubmit={submit} aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Add a webhook</h2>
      {create.isError ? <ErrorAlert error={create.error} /> : null}
      <div className="field">
        <label htmlFor={`${id}-url`}>Endpoint URL</label>
        <input
          id={`${id}-url`}
          type="url"
          value={url}
          placeholder="https://example.com/hooks/ledgerbase"
          onChange={(e) => setUrl(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-description`}>Description (optional)</label>
        <input
          id={`${id}-description`}
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
      </div>
      <fieldset className="field">
        <legend>Events</legend>
        {EVENT_TYPES.map((type) => (
          <label key={type} className="checkbox">
            <input type="checkbox" checked={events.includes(type)} onChange={() => toggle(type)} />
            <code>{type}</code>
          </label>
        ))}
      </fieldset>
      <div className="form-actions">
        <button
          type="submit"
          className="button button-primary"
          disabled={!url.trim() || events.length === 0 || create.isPending}
        >
          {create.isPending ? 'Adding…' : 'Add webhook'}
        </button>
      </div>
    </form>
  );
}

function WebhookItem({
  webhook,
  onDelete,
  deleting,
}: {
  webhook: Webhook;
  onDelete(): void;
  deleting: boolean;
}) {
  const [open, setOpen] = useState(false);
  return (
    <li className="stack-tight">
      <div className="row row-spread">
        <div>
          <code className="break">{webhook.url}</code>
          <div className="muted small">
            {webhook.description ? `${webhook.description} · ` : ''}
            {webhook.events.join(', ')} · added <Time iso={webhook.createdAt} relative />
          </div>
        </div>
        <div className="row">
          <button
            type="button"
            className="button button-small"
            aria-expanded={open}
            onClick={() => setOpen(!open)}
          >
            {open ? 'Hide deliveries' : 'Deliveries'}
          </button>
          <ConfirmButton
            label="Delete"
            confirmLabel="Delete webhook"
            question="Delete this webhook?"
            busy={deleting}
            onConfirm={onDelete}
          />
        </div>
      </div>
      {open ? <Deliveries webhookId={webhook.id} /> : null}
    </li>
  );
}

export function WebhooksPage() {
  const client = useQueryClient();
  const hooks = useQuery({ queryKey: ['webhooks'], queryFn: api.listWebhooks });
  const [created, setCreated] = useState<CreatedWebhook | null>(null);
  const remove = useMutation({
    mutationFn: api.deleteWebhook,
    onSuccess: () => void client.invalidateQueries({ queryKey: ['webhooks'] }),
  });

  if (hooks.isError && isApiStatus(hooks.error, 404)) {
    return (
      <>
        <PageHeader title="Webhooks" />
        <NotAvailable feature="Webhooks" />
      </>
    );
  }
  return (
    <>
      <PageHeader title="Webhooks">
        <p className="muted">
          Ledgerbase calls these URLs when resources you can see change. Deliveries are signed and retried.
        </p>
      </PageHeader>
      {created ? <SecretNotice created={created} onDone={() => setCreated(null)} /> : null}
      <div className="detail-layout">
        <section className="card" aria-label="Your webhooks">
          {hooks.isPending ? <Loading label="Loading webhooks…" /> : null}
          {hooks.isError ? <ErrorAlert error={hooks.error} onRetry={() => void hooks.refetch()} /> : null}
          {remove.isError ? <ErrorAlert error={remove.error} /> : null}
          {hooks.isSuccess && hooks.data.data.length === 0 ? <EmptyState title="No webhooks yet." /> : null}
          {hooks.isSuccess && hooks.data.data.length > 0 ? (
            <ul className="plain-list">
              {hooks.data.data.map((webhook) => (
                <WebhookItem
                  key={webhook.id}
                  webhook={webhook}
                  deleting={remove.isPending}
                  onDelete={() => remove.mutate(webhook.id)}
                />
              ))}
            </ul>
          ) : null}
        </section>
        <CreateWebhookForm onCreated={setCreated} />
      </div>
    </>
  );
}
