import { useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import { useId } from 'react';
import { type AdminUser, api, ROLES, type Role } from '../../lib/api.ts';
import { isApiStatus } from '../../lib/errors.ts';
import {
  ConfirmButton,
  CopyButton,
  EmptyState,
  ErrorAlert,
  Loading,
  NotAvailable,
  PageHeader,
  TableScroll,
  Time,
} from '../../lib/ui.tsx';
import { useUser } from '../auth/auth-context.tsx';

function UserRow({ user, self }: { user: AdminUser; self: boolean }) {
  const id = useId();
  const client = useQueryClient();
  const update = useMutation({
    mutationFn: (patch: { role?: Role; disabled?: boolean }) => api.updateUser(user.id, patch),
    onSuccess: () => void client.invalidateQueries({ queryKey: ['users'] }),
  });
  const { disabled } = user;
  return (
    <tr>
      <td>
        <strong>{user.name}</strong>
        {self ? <span className="badge">you</span> : null}
        {disabled ? <span className="badge badge-delete">disabled</span> : null}
        <div className="muted small">{user.email}</div>
        {update.isError ? <ErrorAlert error={update.error} /> : null}
      </td>
      <td>
        <label className="visually-hidden" htmlFor={`${id}-role`}>
          Role of {user.name}
        </label>
        {/* Admins cannot demote themselves here: it would lock them out of this very page. */}
        <select
          id={`${id}-role`}
          value={user.role}
          disabled={self || update.isPending}
          onChange={(event) => update.mutate({ role: event.target.value as Role })}
        >
          {ROLES.map((role) => (
            <option key={role} value={role}>
              {role}
            </option>
          ))}
        </select>
      </td>
      <td>
        <Time iso={user.createdAt} relative />
      </td>
      <td>
        <span className="row">
          <CopyButton text={user.id} label="Copy ID" />
          {self ? null : disabled ? (
            <button
              type="button"
              className="button button-small"
              disabled={update.isPending}
              onClick={() => update.mutate({ disabled: false })}
            >
              Enable
            </button>
          ) : (
            <ConfirmButton
              label="Disable"
              confirmLabel="Disable user"
              busy={update.isPending}
              question={`Disable ${user.name}? Their sessions and keys stop working at once.`}
              onConfirm={() => update.mutate({ disabled: true })}
            />
          )}
        </span>
      </td>
    </tr>
  );
}

export function UsersPage() {
  const me = useUser();
  const users = useInfiniteQuery({
    queryKey: ['users'],
    queryFn: ({ pageParam }) => api.listUsers(pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled: me.role === 'admin',
  });
  const rows = users.data?.pages.flatMap((page) => page.data) ?? [];

  if (me.role !== 'admin') {
    return (
      <>
        <PageHeader title="Users" />
        <EmptyState title="Only admins can manage users." />
      </>
    );
  }
  if (users.isError && isApiStatus(users.error, 404)) {
    return (
      <>
        <PageHeader title="Users" />
        <NotAvailable feature="User management" />
      </>
    );
  }
  return (
    <>
      <PageHeader title="Users">
        <p className="muted">Change roles, or disable an account to end its sessions and keys at once.</p>
      </PageHeader>
      {users.isPending ? <Loading label="Loading users…" /> : null}
      {users.isError ? <ErrorAlert error={users.error} onRetry={() => void users.refetch()} /> : null}
      {users.isSuccess && rows.length === 0 ? <EmptyState title="No users." /> : null}
      {rows.length > 0 ? (
        <TableScroll label="Users" className="card">
          <table>
            <caption className="visually-hidden">Users</caption>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Role</th>
                <th scope="col">Joined</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((user) => (
                <UserRow key={user.id} user={user} self={user.id === me.id} />
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
      {users.hasNextPage ? (
        <div className="load-more">
          <button
            type="button"
            className="button"
            disabled={users.isFetchingNextPage}
            onClick={() => void users.fetchNextPage()}
          >
            {users.isFetchingNextPage ? 'Loading…' : 'Load more'}
          </button>
        </div>
      ) : null}
    </>
  );
}
