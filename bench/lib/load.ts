// The four measured scenarios and one autocannon run. Every request picks the next user round-robin
// and, for id routes, walks through that user's ids, so load spreads over all users and rows
// instead of hammering one hot row (which would measure lock contention, not the service).
import autocannon from 'autocannon';
import type { ScenarioKey } from './config.ts';
import type { BenchUser } from './seed.ts';
import type { Target } from './servers.ts';

export interface Scenario {
  key: ScenarioKey;
  label: string;
  /** Reads and audited writes have different bars (issue 2, "How it will be checked"). */
  kind: 'read' | 'write';
  method: 'GET' | 'POST' | 'PUT';
  /** Path (under the target's prefix) and body for the n-th request. */
  build(user: BenchUser, round: number, n: number): { path: string; body?: string };
}

const writeBody = (n: number): string => JSON.stringify({ name: `bench ${n}`, metadata: { n } });
const idOf = (user: BenchUser, round: number): string => user.ids[round % user.ids.length] as string;

export const SCENARIOS: Record<ScenarioKey, Scenario> = {
  'get-id': {
    key: 'get-id',
    label: 'GET /resources/:id',
    kind: 'read',
    method: 'GET',
    build: (user, round) => ({ path: `/resources/${idOf(user, round)}` }),
  },
  list: {
    key: 'list',
    label: 'GET /resources?limit=20',
    kind: 'read',
    method: 'GET',
    build: () => ({ path: '/resources?limit=20' }),
  },
  post: {
    key: 'post',
    label: 'POST /resources',
    kind: 'write',
    method: 'POST',
    build: (_user, _round, n) => ({ path: '/resources', body: writeBody(n) }),
  },
  put: {
    key: 'put',
    label: 'PUT /resources/:id',
    kind: 'write',
    method: 'PUT',
    build: (user, round, n) => ({ path: `/resources/${idOf(user, round)}`, body: writeBody(n) }),
  },
};

export interface LoadResult {
  /** Mean responses per second (autocannon's per-second samples). */
  rps: number;
  p50: number;
  p99: number;
  /** Non-2xx responses plus connection errors and timeouts: everything that is not a success. */
  errors: number;
  total: number;
  non2xx: number;
  connectionErrors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  durationSec: number;
}

/** Seconds a single response may take before autocannon counts it as a timeout (an error). */
const REQUEST_TIMEOUT_SEC = 10;

export async function runLoad(
  target: Target,
  scenario: Scenario,
  connections: number,
  durationSec: number,
): Promise<LoadResult> {
  const result = await autocannon({
    url: target.baseUrl,
    connections,
    duration: durationSec,
    timeout: REQUEST_TIMEOUT_SEC,
    requests: [{ setupRequest: requestPicker(target, scenario) }],
  });
  return summarize(result);
}

function requestPicker(target: Target, scenario: Scenario): (req: autocannon.Request) => autocannon.Request {
  const { users, prefix } = target;
  let n = 0;
  return (req) => {
    const i = n++;
    const user = users[i % users.length] as BenchUser;
    const { path, body } = scenario.build(user, Math.floor(i / users.length), i);
    const headers: Record<string, string> = { authorization: `Bearer ${user.token}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    return { ...req, method: scenario.method, path: `${prefix}${path}`, headers, body };
  };
}

function summarize(r: autocannon.Result): LoadResult {
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(r.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.non2xx + r.errors,
    total: r.requests.total,
    non2xx: r.non2xx,
    connectionErrors: r.errors - r.timeouts,
    timeouts: r.timeouts,
    statusCodes,
    durationSec: r.duration,
  };
}
