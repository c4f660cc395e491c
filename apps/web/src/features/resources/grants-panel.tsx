import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useId, useState } from 'react';
import { api, type Permission } from '../../lib/api.ts';
import { isApiStatus } from '../../lib/errors.ts';
import { ErrorAlert, Loading, Time } from '../../lib/ui.tsx';

const PERMISSION_LABELS: Record<Permission, string> = { read: 'Can view', write: 'Can edit' };

/** Sharing (grants): the owner or an admin gives other users read or write access. */
export function GrantsPanel({ resourceId }: { resourceId: string }) {
  const id = useId();
  const client = useQueryClient();
  const key = ['resources', 'grants', resourceId];
  const grants = useQuery({ queryKey: key, queryFn: () => api.listGrants(resourceId) });
  const [userId, setUserId] = useState('');
  const [permission, setPermission] = useState<Permission>('read');

  const put = useMutation({
    mutationFn: (grant: { userId: string; permission: Permission }) =>
      api.putGrant(resourceId, grant.userId, grant.permission),
    onSuccess: () => {
      setUserId('');
      void client.invalidateQueries({ queryKey: key });
    },
  });
  const remove = useMutation({
    mutationFn: (grantee: string) => api.deleteGrant(resourceId, grantee),
    onSuccess: () => void client.invalidateQueries({ queryKey: key }),
  });

  // Grants arrive with the access issue; until then this panel stays out of the way.
  if (grants.isError && isApiStatus(grants.error, 404)) return null;

  const share = (event: FormEvent) => {
    event.preventDefault();
    if (userId.trim()) put.mutate({ userId: userId.trim(), permission });
  };

  return (
    <section className="card" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Sharing</h2>
      {grants.isPending ? <Loading label="Loading access list…" /> : null}
      {grants.isError ? <ErrorAlert error={grants.error} /> : null}
      {grants.isSuccess && grants.data.data.length === 0 ? (
        <p className="muted">Only you (and admins) can see this resource.</p>
      ) : null}
      {grants.isSuccess && grants.data.data.length > 0 ? (
        <ul className="plain-list">
          {grants.data.data.map((grant) => (
            <li key={grant.userId} className="row">
              <span>
                <code>{grant.userId}</code>{' '}
                <span className="muted small">
                  since <Time iso={grant.createdAt} relative />
                </span>
              </span>
              <span className="row">
                <label className="visually-hidden" htmlFor={`${id}-${grant.userId}`}>
                  Access for {grant.userId}
                </label>
                <select
                  id={`${id}-${grant.userId}`}
                  value={grant.permission}
                  onChange={(event) =>
                    put.mutate({ userId: grant.userId, permission: event.target.value as Permission })
                  }
                >
                  <option value="read">{PERMISSION_LABELS.read}</option>
                  <option value="write">{PERMISSION_LABELS.write}</option>
                </select>
                <button
                  type="button"
                  className="button button-small button-danger-quiet"
                  onClick={() => remove.mutate(grant.userId)}
                >
                  Remove
                </button>
              </span>
            </li>
          ))}
        </ul>
      ) : null}
      <form className="inline-form" onSubmit={share}>
        <div className="field">
          <label htmlFor={`${id}-user`}>User ID</label>
          <input
            id={`${id}-user`}
            className="code"
            value={userId}
            autoComplete="off"
            placeholder="UUID of the user"
            onChange={(event) => setUserId(event.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${id}-permission`}>Access</label>
          <select
            id={`${id}-permission`}
            value={permission}
            onChange={(event) => setPermission(event.target.value as Permission)}
          >
            <option value="read">{PERMISSION_LABELS.read}</option>
            <option value="write">{PERMISSION_LABELS.write}</option>
          </select>
        </div>
        <button type="submit" className="button" disabled={!userId.trim() || put.isPending}>
          Share
        </button>
      </form>
      {put.isError ? <ErrorAlert error={put.error} /> : null}
      {remove.isError ? <ErrorAlert error={remove.error} /> : null}
    </section>
  );
}
