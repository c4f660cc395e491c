import { Time } from '../../lib/ui.tsx';
import { deletedStore, useRecentlyDeleted } from './deleted-store.ts';
import { useUndelete } from './resource-actions.ts';

/** Resources deleted from this tab, with a way back: deleted ones no longer appear in lists. */
export function RecentlyDeleted() {
  const items = useRecentlyDeleted();
  const undelete = useUndelete();
  if (items.length === 0) return null;
  return (
    <section className="card recently-deleted" aria-labelledby="recently-deleted-title">
      <div className="section-head">
        <h2 id="recently-deleted-title">Recently deleted</h2>
        <button
          type="button"
          className="button button-quiet button-small"
          onClick={() => deletedStore.clear()}
        >
          Hide
        </button>
      </div>
      <ul className="plain-list">
        {items.map((item) => (
          <li key={item.id} className="row">
            <span>
              <strong>{item.name}</strong>{' '}
              <span className="muted small">
                deleted <Time iso={item.deletedAt} relative />
              </span>
            </span>
            <button
              type="button"
              className="button button-small"
              disabled={undelete.isPending}
              onClick={() => undelete.mutate(item.id)}
            >
              Restore
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
