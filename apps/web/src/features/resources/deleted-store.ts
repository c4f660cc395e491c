// Resources deleted from this tab, so the user can undo a delete after leaving the page.
// Deleted resources read as 404 everywhere, so the console cannot list them from the API.
import { useSyncExternalStore } from 'react';
import { session } from '../../lib/api.ts';

export interface DeletedResource {
  id: string;
  name: string;
  deletedAt: string;
}

const STORAGE_KEY = 'ledgerbase.recentlyDeleted';
const listeners = new Set<() => void>();

function load(): DeletedResource[] {
  try {
    return JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? '[]') as DeletedResource[];
  } catch {
    return [];
  }
}

let items = load();

function save(next: DeletedResource[]): void {
  items = next.slice(0, 10);
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(items));
  } catch {
    // Storage unavailable: the list lives until reload.
  }
  for (const listener of listeners) listener();
}

export const deletedStore = {
  add(id: string, name: string): void {
    save([{ id, name, deletedAt: new Date().toISOString() }, ...items.filter((item) => item.id !== id)]);
  },
  remove(id: string): void {
    save(items.filter((item) => item.id !== id));
  },
  clear(): void {
    save([]);
  },
  has: (id: string): boolean => items.some((item) => item.id === id),
};

export function useRecentlyDeleted(): DeletedResource[] {
  return useSyncExternalStore(
    (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    () => items,
  );
}

// Names of another session's deletions are not this session's business.
session.subscribe((_user, reason) => {
  if (reason === 'ended') deletedStore.clear();
});
