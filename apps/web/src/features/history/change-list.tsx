import type { Json, PatchOp } from '../../lib/api.ts';
import { getAt, pointerLabel } from '../../lib/json-patch.ts';

const KIND_LABELS: Record<PatchOp['op'], string> = {
  add: 'Added',
  remove: 'Removed',
  replace: 'Changed',
  move: 'Moved',
  copy: 'Copied',
  test: 'Checked',
};

function Value({ value, old = false }: { value: Json | undefined; old?: boolean }) {
  if (value === undefined) return <span className="muted">(unknown)</span>;
  const compact = JSON.stringify(value);
  const className = old ? 'value value-old' : 'value value-new';
  // Short values read best inline; objects and long strings get their own wrapped block.
  if (compact.length <= 60) return <code className={className}>{compact}</code>;
  return <pre className={`${className} value-block`}>{JSON.stringify(value, null, 2)}</pre>;
}

interface Props {
  changes: PatchOp[];
  /** The document before these changes, when known: lets "Changed" and "Removed" show the old value. */
  before?: Json | undefined;
  empty?: string;
}

/** An RFC 6902 patch in words: one line per operation, old value struck through, new value after. */
export function ChangeList({ changes, before, empty = 'No changes to name or metadata.' }: Props) {
  const shown = changes.filter((change) => change.op !== 'test');
  if (shown.length === 0) return <p className="muted small">{empty}</p>;
  return (
    <ul className="changes">
      {shown.map((change, index) => {
        const old = before === undefined ? undefined : getAt(before, change.path);
        return (
          // Operations have no identity of their own; their order is their identity.
          // biome-ignore lint/suspicious/noArrayIndexKey: patch operations are positional
          <li key={index} className={`change change-${change.op}`}>
            <span className="change-kind">{KIND_LABELS[change.op]}</span>{' '}
            <code className="change-path">{pointerLabel(change.path)}</code>
            {change.op === 'add' ? (
              <>
                {' '}
                <Value value={change.value} />
              </>
            ) : null}
            {change.op === 'remove' && old !== undefined ? (
              <>
                {' '}
                <Value value={old} old />
              </>
            ) : null}
            {change.op === 'replace' ? (
              <>
                {' '}
                {old !== undefined ? (
                  <>
                    <Value value={old} old /> <span aria-hidden="true">→</span>
                    <span className="visually-hidden">to</span>{' '}
                  </>
                ) : null}
                <Value value={change.value} />
              </>
            ) : null}
            {change.op === 'move' || change.op === 'copy' ? (
              <>
                {' '}
                from <code className="change-path">{pointerLabel(change.from ?? '')}</code>
              </>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}
