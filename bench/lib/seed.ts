// Seeds the same data shape on both servers: N users, each owning M resources, each user with a
// bearer token. The floor does it in one call; Ledgerbase goes through its public API, so the
// rows it serves are the rows its own write path produced (with their audit entries).
import { mapLimit, requestJson, stringField } from './http.ts';

export interface BenchUser {
  token: string;
  ids: string[];
}

export async function seedFloor(baseUrl: string, users: number, perUser: number): Promise<BenchUser[]> {
  const body = await requestJson(`${baseUrl}/_bench/setup`, {
    method: 'POST',
    body: { users, perUser },
    expect: 200,
    timeoutMs: 300_000,
  });
  const list = (body as { users?: unknown }).users;
  if (!Array.isArray(list)) throw new Error('floor /_bench/setup: no users array');
  return list.map((u: unknown, i) => {
    const ids = (u as { ids?: unknown }).ids;
    if (!Array.isArray(ids) || ids.length === 0) throw new Error(`floor /_bench/setup: user ${i} has no ids`);
    return { token: stringField(u, 'token', 'floor /_bench/setup'), ids: ids.map(String) };
  });
}

export interface LedgerbaseAccount {
  email: string;
  password: string;
}

/** Deterministic accounts: the database is fresh per run, so there is nothing to clash with. */
export function ledgerbaseAccounts(users: number): LedgerbaseAccount[] {
  return Array.from({ length: users }, (_, i) => ({
    email: `bench-user-${i}@example.com`,
    password: `bench-password-${i}-not-secret`,
  }));
}

// Password hashing is deliberately slow (argon2id), so registering and logging in run with few
// requests in flight; resource creation is cheap and runs wider.
const AUTH_CONCURRENCY = 4;
const CREATE_CONCURRENCY = 32;

export async function registerAll(apiBase: string, accounts: LedgerbaseAccount[]): Promise<void> {
  await mapLimit(accounts, AUTH_CONCURRENCY, (a, i) =>
    requestJson(`${apiBase}/auth/register`, {
      method: 'POST',
      body: { email: a.email, password: a.password, name: `Bench User ${i}` },
      expect: 201,
    }),
  );
}

export async function loginAll(apiBase: string, accounts: LedgerbaseAccount[]): Promise<string[]> {
  return mapLimit(accounts, AUTH_CONCURRENCY, async (a) => {
    const body = await requestJson(`${apiBase}/auth/login`, {
      method: 'POST',
      body: { email: a.email, password: a.password },
      expect: 200,
    });
    return stringField(body, 'accessToken', 'login');
  });
}

/** Creates `perUser` resources for every token, spread over users so no one user is a hot spot. */
export async function createResources(
  apiBase: string,
  tokens: string[],
  perUser: number,
  onProgress: (done: number, total: number) => void,
): Promise<BenchUser[]> {
  const users: BenchUser[] = tokens.map((token) => ({ token, ids: [] }));
  const total = tokens.length * perUser;
  let done = 0;
  const jobs = Array.from({ length: total }, (_, k) => ({
    user: k % tokens.length,
    n: Math.floor(k / tokens.length),
  }));
  await mapLimit(jobs, CREATE_CONCURRENCY, async ({ user, n }) => {
    const owner = users[user] as BenchUser;
    const body = await requestJson(`${apiBase}/resources`, {
      method: 'POST',
      token: owner.token,
      body: { name: `resource ${n + 1}`, metadata: { n: n + 1 } },
      expect: 201,
    });
    owner.ids.push(stringField(body, 'id', 'create resource'));
    done++;
    if (done % 1000 === 0 || done === total) onProgress(done, total);
  });
  return users;
}
