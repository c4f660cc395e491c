import {
  type InfiniteData,
  keepPreviousData,
  type QueryClient,
  useInfiniteQuery,
  useQuery,
} from '@tanstack/react-query';
import { api, type Page, type Resource, type ResourceSort } from '../../lib/api.ts';

export interface ResourceFilters {
  q: string;
  sort: ResourceSort;
  metadata: string;
}

// One key tree, so a change can refresh exactly the lists, one resource, or its history.
export const resourceKeys = {
  lists: ['resources', 'list'] as const,
  list: (filters: ResourceFilters) => ['resources', 'list', filters] as const,
  detail: (id: string) => ['resources', 'detail', id] as const,
  history: (id: string) => ['resources', 'history', id] as const,
  version: (id: string, version: number) => ['resources', 'version', id, version] as const,
};

export function useResourceList(filters: ResourceFilters) {
  return useInfiniteQuery({
    queryKey: resourceKeys.list(filters),
    queryFn: ({ pageParam }) =>
      api.listResources({
        q: filters.q || undefined,
        sort: filters.sort,
        metadata: filters.metadata || undefined,
        cursor: pageParam,
      }),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // While a new search loads, keep showing the previous results instead of a blank page.
    placeholderData: keepPreviousData,
  });
}

export function useResource(id: string) {
  return useQuery({ queryKey: resourceKeys.detail(id), queryFn: () => api.getResource(id) });
}

// Versions this tab wrote itself, so the live stream does not announce them back as news.
const localWrites = new Set<string>();
export const markLocalWrite = (id: string, version: number | 'deleted'): void => {
  localWrites.add(`${id}@${version}`);
};
export const isLocalWrite = (id: string, version: number | 'deleted'): boolean =>
  localWrites.has(`${id}@${version}`);

/** After a write we know the new state: store it, and let lists and history catch up. */
export function resourceChanged(
  client: QueryClient,
  resource: Resource,
  origin: 'local' | 'remote' = 'remote',
): void {
  if (origin === 'local') markLocalWrite(resource.id, resource.version);
  const key = resourceKeys.detail(resource.id);
  const cached = client.getQueryData<Resource>(key);
  // Events and responses can arrive out of order; never step back to an older version.
  if (!cached || cached.version <= resource.version) client.setQueryData(key, resource);
  // Show it in loaded pages at once; the refetch below then settles order and filters.
  client.setQueriesData<InfiniteData<Page<Resource>>>({ queryKey: resourceKeys.lists }, (data) =>
    data
      ? {
          ...data,
          pages: data.pages.map((page) => ({
            ...page,
            data: page.data.map((r) => (r.id === resource.id && r.version < resource.version ? resource : r)),
          })),
        }
      : data,
  );
  void client.invalidateQueries({ queryKey: resourceKeys.lists });
  void client.invalidateQueries({ queryKey: resourceKeys.history(resource.id) });
}

export function resourceRemoved(client: QueryClient, id: string): void {
  client.removeQueries({ queryKey: resourceKeys.detail(id) });
  // Drop it from loaded pages at once, so it does not linger until the refetch lands.
  client.setQueriesData<InfiniteData<Page<Resource>>>({ queryKey: resourceKeys.lists }, (data) =>
    data
      ? {
          ...data,
          pages: data.pages.map((page) => ({ ...page, data: page.data.filter((r) => r.id !== id) })),
        }
      : data,
  );
  void client.invalidateQueries({ queryKey: resourceKeys.lists });
  void client.invalidateQueries({ queryKey: resourceKeys.history(id) });
}
