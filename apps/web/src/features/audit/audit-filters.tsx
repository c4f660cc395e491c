import { type FormEvent, useId, useState } from 'react';
import { AUDIT_ACTIONS, type AuditQuery } from '../../lib/api.ts';

type Filters = Record<'resourceId' | 'actorId' | 'action' | 'since' | 'until', string>;

// datetime-local speaks local time without a zone; the API wants ISO 8601 UTC.
const toIso = (local: string): string => (local ? new Date(local).toISOString() : '');
function toLocal(iso: string | undefined): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

export function AuditFilters({
  filters,
  onApply,
}: {
  filters: AuditQuery;
  onApply(next: Partial<Filters>): void;
}) {
  const id = useId();
  const [draft, setDraft] = useState<Filters>({
    resourceId: filters.resourceId ?? '',
    actorId: filters.actorId ?? '',
    action: filters.action ?? '',
    since: toLocal(filters.since),
    until: toLocal(filters.until),
  });
  const set = (key: keyof Filters) => (event: { target: { value: string } }) =>
    setDraft({ ...draft, [key]: event.target.value });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onApply({ ...draft, since: toIso(draft.since), until: toIso(draft.until) });
  };
  const reset = () => {
    const empty: Filters = { resourceId: '', actorId: '', action: '', since: '', until: '' };
    setDraft(empty);
    onApply(empty);
  };
  return (
    <search aria-label="Filter audit entries">
      <form className="filters" onSubmit={submit}>
        <div className="field">
          <label htmlFor={`${id}-resource`}>Resource ID</label>
          <input
            id={`${id}-resource`}
            className="code"
            value={draft.resourceId}
            onChange={set('resourceId')}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-actor`}>Actor ID</label>
          <input id={`${id}-actor`} className="code" value={draft.actorId} onChange={set('actorId')} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-action`}>Action</label>
          <select id={`${id}-action`} value={draft.action} onChange={set('action')}>
            <option value="">Any</option>
            {AUDIT_ACTIONS.map((action) => (
              <option key={action} value={action}>
                {action}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${id}-since`}>Since</label>
          <input id={`${id}-since`} type="datetime-local" value={draft.since} onChange={set('since')} />
        </div>
        <div className="field">
          <label htmlFor={`${id}-until`}>Until</label>
          <input id={`${id}-until`} type="datetime-local" value={draft.until} onChange={set('until')} />
        </div>
        <div className="filters-actions">
          <button type="submit" className="button">
            Apply
          </button>
          <button type="button" className="button button-quiet" onClick={reset}>
            Reset
          </button>
        </div>
      </form>
    </search>
  );
}
