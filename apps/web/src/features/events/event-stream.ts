// Reads GET /api/v1/events as Server-Sent Events over fetch(), because EventSource cannot send
// the Authorization header. Reconnects with back-off and resumes with Last-Event-ID.
import { ApiError, api, type LiveEvent } from '../../lib/api.ts';
import { createSseParser } from '../../lib/sse.ts';

export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'unavailable' | 'stopped';

interface Options {
  onEvent(event: LiveEvent, id: string | null): void;
  onStatus(status: StreamStatus): void;
  signal: AbortSignal;
}

const MIN_DELAY = 1000;
const MAX_DELAY = 30000;

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function readStream(response: Response, options: Options, lastId: { value: string | null }) {
  const parser = createSseParser((message) => {
    lastId.value = message.id ?? lastId.value;
    if (!message.event.startsWith('resource.')) return; // ignore pings and unknown types
    try {
      options.onEvent(JSON.parse(message.data) as LiveEvent, message.id);
    } catch {
      // A malformed event must not end the stream; the next refetch catches up anyway.
    }
  });
  if (!response.body) return null;
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      parser.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return parser.retry;
}

export async function runEventStream(options: Options): Promise<void> {
  const { signal } = options;
  const lastId = { value: null as string | null };
  let delay = MIN_DELAY;
  options.onStatus('connecting');
  while (!signal.aborted) {
    try {
      const response = await api.openEvents(lastId.value, signal);
      options.onStatus('live');
      delay = MIN_DELAY;
      const retry = await readStream(response, options, lastId);
      if (retry) delay = retry;
    } catch (error) {
      if (signal.aborted) break;
      // 404: the server has no event stream (yet). Stay quiet: the console works without it.
      if (error instanceof ApiError && error.status === 404) return options.onStatus('unavailable');
      // 401 after a failed refresh means signed out; 403 will not heal by retrying.
      if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
        return options.onStatus('stopped');
      }
    }
    if (signal.aborted) break;
    options.onStatus('reconnecting');
    // Jitter spreads reconnects of many tabs after a server restart.
    await sleep(delay * (0.75 + Math.random() * 0.5), signal);
    delay = Math.min(delay * 2, MAX_DELAY);
  }
  options.onStatus('stopped');
}
