import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { RESOURCE_SORTS, type ResourceSort } from '../../lib/api.ts';
import { parseJsonObject } from '../../lib/json-validate.ts';
import type { ResourceFilters } from './resource-queries.ts';

export const SORT_LABELS: Record<ResourceSort, string> = {
  '-createdAt': 'Newest first',
  createdAt: 'Oldest first',
  '-updatedAt': 'Recently updated',
  updatedAt: 'Least recently updated',
  name: 'Name A–Z',
  '-name': 'Name Z–A',
};

interface Props {
  filters: ResourceFilters;
  onChange(next: Partial<ResourceFilters>): void;
}

export function ResourceFiltersBar({ filters, onChange }: Props) {
  const id = useId();
  const [q, setQ] = useState(filters.q);
  const [metadata, setMetadata] = useState(filters.metadata);
  const qInput = useRef<HTMLInputElement>(null);
  const metadataInput = useRef<HTMLInputElement>(null);

  // Follow the URL (back button, "Clear"), but never overwrite what the user is typing.
  useEffect(() => {
    if (document.activeElement !== qInput.current) setQ(filters.q);
  }, [filters.q]);
  useEffect(() => {
    if (document.activeElement !== metadataInput.current) setMetadata(filters.metadata);
  }, [filters.metadata]);

  // Search as you type, once typing pauses, so every keystroke does not cost a request.
  useEffect(() => {
    if (q === filters.q) return;
    const timer = setTimeout(() => onChange({ q }), 300);
    return () => clearTimeout(timer);
  }, [q, filters.q, onChange]);

  const metadataCheck = metadata.trim() ? parseJsonObject(metadata, 'The filter') : null;
  const metadataError = metadataCheck && !metadataCheck.ok ? metadataCheck.message : null;

  const apply = (event: FormEvent) => {
    event.preventDefault();
    if (metadataError) return metadataInput.current?.focus();
    const compact = metadataCheck?.ok ? JSON.stringify(metadataCheck.value) : '';
    onChange({ q, metadata: compact === '{}' ? '' : compact });
  };

  const active = Boolean(filters.q || filters.metadata || filters.sort !== '-createdAt');
  const clear = () => {
    setQ('');
    setMetadata('');
    onChange({ q: '', metadata: '', sort: '-createdAt' });
  };

  return (
    <search aria-label="Filter resources">
      <form className="filters" onSubmit={apply}>
        <div className="field">
          <label htmlFor={`${id}-q`}>Search by name</label>
          <input
            ref={qInput}
            id={`${id}-q`}
            type="search"
            value={q}
            placeholder="Part of a name"
            onChange={(event) => setQ(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-sort`}>Sort</label>
          <select
            id={`${id}-sort`}
            value={filters.sort}
            onChange={(event) => onChange({ sort: event.target.value as ResourceSort })}
          >
            {RESOURCE_SORTS.map((sort) => (
              <option key={sort} value={sort}>
                {SORT_LABELS[sort]}
              </option>
            ))}
          </select>
        </div>
        <div className="field field-wide">
          <label htmlFor={`${id}-metadata`}>Metadata contains (JSON)</label>
          <input
            ref={metadataInput}
            id={`${id}-metadata`}
            className="code"
            value={metadata}
            placeholder='{"status": "active"}'
            spellCheck={false}
            autoComplete="off"
            aria-invalid={metadataError ? true : undefined}
            aria-describedby={`${id}-metadata-hint`}
            onChange={(event) => setMetadata(event.target.value)}
          />
          <p id={`${id}-metadata-hint`} className={metadataError ? 'hint hint-error' : 'hint'}>
            {metadataError ??
              'Matches resources whose metadata includes these keys and values (typed: 1 is not "1"). Press Enter to apply.'}
          </p>
        </div>
        <div className="filters-actions">
          <button type="submit" className="button">
            Apply
          </button>
          {active ? (
            <button type="button" className="button button-quiet" onClick={clear}>
              Clear filters
            </button>
          ) : null}
        </div>
      </form>
    </search>
  );
}
