// Small HTTP helpers for seeding (not for the measured load, which autocannon drives).

export interface JsonRequest {
  method?: 'GET' | 'POST' | 'PUT';
  token?: string;
  body?: unknown;
  /** The one status that counts as success; anything else throws with the response body. */
  expect: number;
  timeoutMs?: number;
}

export async function requestJson(url: string, req: JsonRequest): Promise<unknown> {
  const headers: Record<string, string> = {};
  if (req.token) headers.authorization = `Bearer ${req.token}`;
  if (req.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, {
    method: req.method ?? 'GET',
    headers,
    body: req.body === undefined ? undefined : JSON.stringify(req.body),
    signal: AbortSignal.timeout(req.timeoutMs ?? 30_000),
  });
  const text = await res.text();
  if (res.status !== req.expect) {
    throw new Error(
      `${req.method ?? 'GET'} ${url} → ${res.status} (expected ${req.expect}): ${text.slice(0, 500)}`,
    );
  }
  return text === '' ? undefined : JSON.parse(text);
}

/** Reads a string field from an untrusted JSON value, failing loudly if it is not there. */
export function stringField(value: unknown, field: string, what: string): string {
  const v =
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[field] : undefined;
  if (typeof v !== 'string') throw new Error(`${what}: response has no string "${field}"`);
  return v;
}

/**
 * Runs `fn` over `items` with at most `limit` in flight, keeping order. Stops taking new items
 * after the first failure so a broken server does not get thousands more doomed requests.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i] as T, i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
