import type { Json, Resource, ResourceInput } from '../../lib/api.ts';
import { diffJson, parsePointer, pointerLabel, rebase } from '../../lib/json-patch.ts';
import { prettyJson } from '../../lib/json-validate.ts';
import { ChangeList } from '../history/change-list.tsx';

// The document an edit works on: what PUT replaces, and what the audit log's patches describe.
const documentOf = (value: ResourceInput): Json => ({ name: value.name, metadata: value.metadata });

interface Props {
  base: Resource;
  mine: ResourceInput;
  current: Resource | null;
  busy: boolean;
  onReapply(merged: ResourceInput, current: Resource): void;
  onKeepEditing(merged: ResourceInput, current: Resource): void;
  onDiscard(): void;
}

/** Paths both sides changed: one is a prefix of (or equal to) the other. */
function overlaps(a: string[], b: string[]): string[] {
  const hits = a.filter((left) =>
    b.some((right) => {
      const [x, y] = [parsePointer(left), parsePointer(right)];
      const n = Math.min(x.length, y.length);
      return x.slice(0, n).join('\u0000') === y.slice(0, n).join('\u0000');
    }),
  );
  return [...new Set(hits)].map(pointerLabel);
}

/** Shown when a save answers 412: someone saved in between. Shows both sides and lets the user choose. */
export function ConflictPanel({ base, mine, current, busy, onReapply, onKeepEditing, onDiscard }: Props) {
  if (!current) {
    return (
      <div className="alert alert-error conflict" role="alert">
        <p className="alert-title">This resource was deleted while you were editing.</p>
        <p>Your changes cannot be saved to it. Restore it first if you still need it.</p>
        <button type="button" className="button" onClick={onDiscard}>
          Discard my changes
        </button>
      </div>
    );
  }
  const before = documentOf(base);
  const theirs = diffJson(before, documentOf(current));
  const ours = diffJson(before, documentOf(mine));
  const merged = rebase(before, documentOf(mine), documentOf(current)) as unknown as ResourceInput;
  const clashes = overlaps(
    ours.map((op) => op.path),
    theirs.map((op) => op.path),
  );

  return (
    <section className="conflict stack" aria-labelledby="conflict-title">
      <div className="alert alert-warning" role="alert">
        <h2 id="conflict-title" className="alert-title">
          Someone else saved this resource while you were editing.
        </h2>
        <p>
          You started from version {base.version}; the current version is {current.version}. Nothing of yours
          is lost: compare below, then reapply your changes on top of theirs or discard them.
        </p>
        {clashes.length > 0 ? (
          <p>
            You both changed <strong>{clashes.join(', ')}</strong>. Reapplying keeps your value there.
          </p>
        ) : null}
      </div>
      <div className="two-columns">
        <div className="card">
          <h3>
            Changed meanwhile (v{base.version} → v{current.version})
          </h3>
          <ChangeList
            changes={theirs}
            before={before}
            empty="No change to name or metadata (perhaps deleted and restored)."
          />
        </div>
        <div className="card">
          <h3>Your changes</h3>
          <ChangeList changes={ours} before={before} empty="You have not changed anything." />
        </div>
      </div>
      <details className="card">
        <summary>Compare the full documents</summary>
        <div className="two-columns">
          <div>
            <h3>Current on the server (v{current.version})</h3>
            <pre className="code-block">{prettyJson(documentOf(current))}</pre>
          </div>
          <div>
            <h3>After reapplying your changes</h3>
            <pre className="code-block">{prettyJson(merged)}</pre>
          </div>
        </div>
      </details>
      <div className="form-actions">
        <button
          type="button"
          className="button button-primary"
          disabled={busy}
          onClick={() => onReapply(merged, current)}
        >
          {busy ? 'Saving…' : `Reapply my changes to version ${current.version}`}
        </button>
        <button
          type="button"
          className="button"
          disabled={busy}
          onClick={() => onKeepEditing(merged, current)}
        >
          Review in the editor
        </button>
        <button type="button" className="button button-danger-quiet" disabled={busy} onClick={onDiscard}>
          Discard my changes
        </button>
      </div>
    </section>
  );
}
