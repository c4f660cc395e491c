import { useId } from 'react';
import type { JsonObject } from '../../lib/api.ts';
import { parseJsonObject, prettyJson, type Validation } from '../../lib/json-validate.ts';

interface Props {
  value: string;
  onChange(text: string): void;
  label?: string;
}

export function checkMetadata(text: string): Validation<JsonObject> {
  return parseJsonObject(text);
}

/**
 * A plain textarea that checks the text on every keystroke. Tab is left alone on purpose: it
 * moves focus out, as keyboard users expect, instead of being captured for indentation.
 */
export function MetadataEditor({ value, onChange, label = 'Metadata (JSON object)' }: Props) {
  const id = useId();
  const check = checkMetadata(value);
  const lines = value.split('\n').length;
  return (
    <div className="field">
      <div className="field-label-row">
        <label htmlFor={id}>{label}</label>
        <button
          type="button"
          className="button button-quiet button-small"
          disabled={!check.ok}
          onClick={() => check.ok && onChange(prettyJson(check.value))}
        >
          Format
        </button>
      </div>
      <textarea
        id={id}
        className="code json-editor"
        value={value}
        spellCheck={false}
        autoCapitalize="off"
        autoComplete="off"
        rows={Math.min(Math.max(lines + 1, 6), 24)}
        aria-invalid={check.ok ? undefined : true}
        aria-describedby={`${id}-status`}
        onChange={(event) => onChange(event.target.value)}
      />
      <p id={`${id}-status`} className={check.ok ? 'hint hint-ok' : 'hint hint-error'}>
        {check.ok ? `Valid JSON object with ${describeKeys(check.value)}.` : check.message}
      </p>
    </div>
  );
}

function describeKeys(value: JsonObject): string {
  const count = Object.keys(value).length;
  return count === 1 ? '1 key' : `${count} keys`;
}
