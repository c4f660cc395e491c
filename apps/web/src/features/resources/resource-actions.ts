import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, type Resource } from '../../lib/api.ts';
import { describeError, isApiStatus } from '../../lib/errors.ts';
import { useToast } from '../../lib/toast.tsx';
import { deletedStore } from './deleted-store.ts';
import { markLocalWrite, resourceChanged, resourceRemoved } from './resource-queries.ts';

/** Undeletes a resource (POST /resources/:id/restore with no version). */
export function useUndelete() {
  const client = useQueryClient();
  const toast = useToast();
  return useMutation({
    mutationFn: (id: string) => api.restoreResource(id),
    onSuccess: (resource) => {
      deletedStore.remove(resource.id);
      resourceChanged(client, resource, 'local');
      toast(`Restored “${resource.name}”.`, { tone: 'success' });
    },
    onError: (error, id) => {
      // 409: it is not deleted (anymore), e.g. restored from another tab. Nothing left to undo.
      if (isApiStatus(error, 409)) deletedStore.remove(id);
      toast(describeError(error).message, { tone: 'error' });
    },
  });
}

/** Deletes with If-Match, remembers the resource for undo, and offers undo right away. */
export function useDeleteResource(onDeleted?: () => void) {
  const client = useQueryClient();
  const toast = useToast();
  const undelete = useUndelete();
  return useMutation({
    mutationFn: (resource: Resource) => api.deleteResource(resource.id, resource.version),
    onSuccess: (_nothing, resource) => {
      markLocalWrite(resource.id, 'deleted');
      deletedStore.add(resource.id, resource.name);
      resourceRemoved(client, resource.id);
      toast(`Deleted “${resource.name}”.`, {
        action: { label: 'Undo', run: () => undelete.mutate(resource.id) },
      });
      onDeleted?.();
    },
  });
}
