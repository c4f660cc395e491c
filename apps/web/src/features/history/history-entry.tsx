import { useState } from 'react';
import type { AuditEntry } from '../../lib/api.ts';
import { shortId } from '../../lib/format.ts';
import { prettyJson } from '../../lib/json-validate.ts';
import { ConfirmButton, Time } from '../../lib/ui.tsx';
import { ChangeList } from './change-list.tsx';
import type { Step } from './history-page.tsx';

const ACTION_LABELS: Record<AuditEntry['action'], string> = {
  create: 'Created',
  update: 'Updated',
  delete: 'Deleted',
  restore: 'Restored',
};

function actorLabel(entry: AuditEntry, currentUserId: string): string {
  if (entry.actorType === 'system') return 'the system';
  if (entry.actorType === 'api_key') return `API key ${entry.actorId ? shortId(entry.actorId) : ''}`.trim();
  if (entry.actorId === currentUserId) return 'you';
  return entry.actorId ? `user ${shortId(entry.actorId)}` : 'an unknown user';
}

interface Props {
  step: Step;
  resourceId: string;
  currentUserId: string;
  canRestore: boolean;
  restoring: boolean;
  onRestore(): void;
}

export function HistoryEntry({ step, currentUserId, canRestore, restoring, onRestore }: Props) {
  const { entry, before, after } = step;
  const [showSnapshot, setShowSnapshot] = useState(false);
  const headingId = `entry-${entry.id}`;
  return (
    <li className={`timeline-entry timeline-${entry.action}`}>
      <div className="timeline-dot" aria-hidden="true" />
      <div className="card">
        <div className="section-head">
          <h2 id={headingId} className="timeline-title">
            <span className={`badge badge-${entry.action}`}>{ACTION_LABELS[entry.action]}</span> Version{' '}
            {entry.version}
          </h2>
          <span className="muted small">
            by <span title={entry.actorId ?? undefined}>{actorLabel(entry, currentUserId)}</span>,{' '}
            <Time iso={entry.createdAt} />
          </span>
        </div>
        {entry.action === 'delete' ? (
          <p className="muted small">The resource was deleted.</p>
        ) : entry.action === 'restore' && entry.changes.length === 0 ? (
          <p className="muted small">The resource was undeleted.</p>
        ) : (
          <ChangeList changes={entry.changes} before={before} />
        )}
        <div className="row entry-actions">
          {after !== undefined && entry.action !== 'delete' ? (
            <button
              type="button"
              className="button button-small button-quiet"
              aria-expanded={showSnapshot}
              onClick={() => setShowSnapshot(!showSnapshot)}
            >
              {showSnapshot ? 'Hide' : 'Show'} version {entry.version}
            </button>
          ) : null}
          {canRestore ? (
            <ConfirmButton
              label={`Restore version ${entry.version}`}
              confirmLabel="Restore"
              tone="normal"
              question={`Bring back version ${entry.version} as a new version?`}
              busy={restoring}
              onConfirm={onRestore}
            />
          ) : null}
        </div>
        {showSnapshot ? <pre className="code-block">{prettyJson(after)}</pre> : null}
      </div>
    </li>
  );
}
