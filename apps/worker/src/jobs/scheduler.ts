import type { Logger } from '@ledgerbase/platform';

/**
 * A recurring job. Runs of one job never overlap; jobs must tolerate running on several workers at
 * once (idempotent deletes, SKIP LOCKED claims, or their own advisory lock).
 */
export type Job = Readonly<{ name: string; everyMs: number; run(): Promise<unknown> }>;

/** Waits `ms`, or less when woken; resolves at once when stopped. */
function createPause() {
  let wake: (() => void) | undefined;
  let woken = false;
  return {
    wait(ms: number): Promise<void> {
      if (woken) {
        woken = false;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wake = undefined;
          woken = false;
          resolve();
        }
        wake = done;
      });
    },
    wake(): void {
      woken = true;
      wake?.();
    },
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;

export function createScheduler(logger: Logger) {
  const loops: Array<{ job: Job; pause: ReturnType<typeof createPause>; done?: Promise<void> }> = [];
  let stopped = false;

  async function loop(entry: (typeof loops)[number]): Promise<void> {
    while (!stopped) {
      try {
        await entry.job.run();
      } catch (error) {
        logger.error({ err: error, job: entry.job.name }, 'job failed');
      }
      if (!stopped) await entry.pause.wait(entry.job.everyMs);
    }
  }

  return {
    start(jobs: readonly Job[]): void {
      for (const job of jobs) {
        const entry: (typeof loops)[number] = { job, pause: createPause() };
        entry.done = loop(entry);
        loops.push(entry);
      }
    },
    /** Runs a job now instead of at its next tick. */
    nudge(name: string): void {
      for (const entry of loops) if (entry.job.name === name) entry.pause.wake();
    },
    /** Lets the running jobs finish; starts no new runs. */
    async stop(): Promise<void> {
      stopped = true;
      for (const entry of loops) entry.pause.wake();
      await Promise.all(loops.map((entry) => entry.done));
    },
  };
}

export { createPause };
