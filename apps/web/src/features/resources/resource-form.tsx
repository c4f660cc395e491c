import { type FormEvent, type ReactNode, useId } from 'react';
import type { Resource, ResourceInput } from '../../lib/api.ts';
import { prettyJson, validateName } from '../../lib/json-validate.ts';
import { checkMetadata, MetadataEditor } from './metadata-editor.tsx';

/** What the user is typing: metadata stays text until it parses, so half-typed JSON survives. */
export interface Draft {
  name: string;
  metadataText: string;
}

export const draftFrom = (resource?: Resource): Draft => ({
  name: resource?.name ?? '',
  metadataText: prettyJson(resource?.metadata ?? {}),
});

/** The API input for a draft, or null while anything is invalid. */
export function inputFrom(draft: Draft): ResourceInput | null {
  const name = validateName(draft.name);
  const metadata = checkMetadata(draft.metadataText);
  return name.ok && metadata.ok ? { name: name.value, metadata: metadata.value } : null;
}

interface Props {
  draft: Draft;
  onDraftChange(draft: Draft): void;
  onSubmit(input: ResourceInput): void;
  submitLabel: string;
  busy: boolean;
  error?: ReactNode;
  secondary?: ReactNode;
}

export function ResourceForm({ draft, onDraftChange, onSubmit, submitLabel, busy, error, secondary }: Props) {
  const id = useId();
  const name = validateName(draft.name);
  // Say "required" only after the user has typed something, not on an untouched new form.
  const nameError = !name.ok && draft.name !== '' ? name.message : null;
  const input = inputFrom(draft);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (input && !busy) onSubmit(input);
  };

  return (
    <form className="stack resource-form" onSubmit={submit} noValidate>
      {error}
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input
          id={`${id}-name`}
          value={draft.name}
          maxLength={400}
          required
          autoComplete="off"
          aria-invalid={nameError ? true : undefined}
          aria-describedby={`${id}-name-hint`}
          onChange={(event) => onDraftChange({ ...draft, name: event.target.value })}
        />
        <p id={`${id}-name-hint`} className={nameError ? 'hint hint-error' : 'hint'}>
          {nameError ?? '1 to 200 characters. Leading and trailing spaces are trimmed.'}
        </p>
      </div>
      <MetadataEditor
        value={draft.metadataText}
        onChange={(metadataText) => onDraftChange({ ...draft, metadataText })}
      />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={!input || busy}>
          {busy ? 'Saving…' : submitLabel}
        </button>
        {secondary}
      </div>
    </form>
  );
}
