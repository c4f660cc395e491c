export type BatchItem<T> = { value: T; resolve: () => void; reject: (error: unknown) => void };

/**
 * Gathers calls for at most `waitMs` or `max` items and handles them together, each caller still
 * awaiting its own outcome (so a message is acknowledged only once its batch is done).
 */
export function createBatcher<T>(
  handle: (items: BatchItem<T>[]) => Promise<void>,
  options: { max: number; waitMs: number },
) {
  let items: BatchItem<T>[] = [];
  let timer: NodeJS.Timeout | undefined;

  function flush(): void {
    clearTimeout(timer);
    timer = undefined;
    const batch = items;
    items = [];
    if (batch.length === 0) return;
    handle(batch).catch((error: unknown) => {
      for (const item of batch) item.reject(error);
    });
  }

  return {
    add(value: T): Promise<void> {
      return new Promise((resolve, reject) => {
        items.push({ value, resolve, reject });
        if (items.length >= options.max) flush();
        else timer ??= setTimeout(flush, options.waitMs);
      });
    },
  };
}
