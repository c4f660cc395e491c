// Audit verification benchmark (issue #4): seeds N hash-chained audit entries straight into a
// throwaway PostgreSQL database, seals them into signed checkpoints with the CLI, then times
// `ledgerbase audit verify` (the bar: 1,000,000 entries in under 30 s) and, with the API running on
// that database, `GET /resources/:id/versions/1000` on a resource with 1,000 versions.
//
//   npx tsx bench/audit-verify.ts                  # N = 1,000,000
//   BENCH_AUDIT_ENTRIES=200000 npx tsx bench/audit-verify.ts
//   BENCH_KEEP=1 …                                 # keep the database and DATA_DIR to experiment
//
// Like the load bench, it imports nothing from apps/ or packages/: it writes rows with pg, computes
// the RFC 8785 hashes itself (an independent implementation of ADR 0005's hash), and runs the CLI
// and the API as child processes.
import { execFile } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { createBenchDatabase, dropBenchDatabase } from './lib/db.ts';
import { freePort, startChild, stopChild, waitReady } from './lib/process.ts';

const run = promisify(execFile);
const repoRoot = path.resolve(import.meta.dirname, '..');
const adminUrl = process.env.BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const total = Number(process.env.BENCH_AUDIT_ENTRIES ?? 1_000_000);
const perResource = Number(process.env.BENCH_AUDIT_VERSIONS ?? 100);
const checkpointEvery = Number(process.env.BENCH_AUDIT_CHECKPOINT_EVERY ?? 100_000);
const LONG_HISTORY = 1_000;
const BATCH = 5_000;
const log = (line: string) => process.stderr.write(`[audit-bench] ${line}\n`);

type Row = {
  id: string;
  resourceId: string;
  action: 'create' | 'update';
  changes: string;
  snapshot: string;
  version: number;
  createdAt: string;
  hash: string;
  prevHash: string | null;
};

const json = (value: string) => JSON.stringify(value);

/** JCS of ADR 0005's hashed fields, written out for this fixed shape (keys in code-unit order). */
function entryHash(e: Omit<Row, 'hash' | 'snapshot'>, actorId: string, requestId: string): string {
  const canonical =
    `{"action":${json(e.action)},"actorId":${json(actorId)},"actorType":"user","changes":${e.changes}` +
    `,"createdAt":${json(e.createdAt)},"id":${json(e.id)},"prevHash":${e.prevHash === null ? 'null' : json(e.prevHash)}` +
    `,"requestId":${json(requestId)},"resourceId":${json(e.resourceId)},"version":${e.version}}`;
  return createHash('sha256').update(canonical).digest('hex');
}

function entryFor(
  resourceId: string,
  version: number,
  prevHash: string | null,
  at: number,
  actorId: string,
): Row {
  const name = `r ${resourceId.slice(0, 8)} v${version}`;
  const changes =
    version === 1
      ? `[{"op":"add","path":"/metadata","value":{"n":1}},{"op":"add","path":"/name","value":${json(name)}}]`
      : `[{"op":"replace","path":"/metadata/n","value":${version}},{"op":"replace","path":"/name","value":${json(name)}}]`;
  const base = {
    id: randomUUID(),
    resourceId,
    action: version === 1 ? ('create' as const) : ('update' as const),
    changes,
    version,
    createdAt: new Date(at).toISOString(),
    prevHash,
  };
  return {
    ...base,
    snapshot: JSON.stringify({ name, metadata: { n: version } }),
    hash: entryHash(base, actorId, `bench-${version}`),
  };
}

async function insertEntries(client: pg.Client, rows: Row[], actorId: string): Promise<void> {
  await client.query(
    `INSERT INTO audit_log (id, resource_id, actor_id, actor_type, action, changes, snapshot, version,
                            request_id, created_at, hash, prev_hash)
     SELECT id, resource_id, $1::uuid, 'user', action, changes::jsonb, snapshot::jsonb, version,
            'bench-' || version, created_at, hash, prev_hash
     FROM unnest($2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::int[], $8::timestamptz[],
                 $9::text[], $10::text[])
       AS t(id, resource_id, action, changes, snapshot, version, created_at, hash, prev_hash)`,
    [
      actorId,
      rows.map((r) => r.id),
      rows.map((r) => r.resourceId),
      rows.map((r) => r.action),
      rows.map((r) => r.changes),
      rows.map((r) => r.snapshot),
      rows.map((r) => r.version),
      rows.map((r) => r.createdAt),
      rows.map((r) => r.hash),
      rows.map((r) => r.prevHash),
    ],
  );
}

async function cli(args: string[], env: NodeJS.ProcessEnv) {
  const started = performance.now();
  const result = await run(process.execPath, [path.join(repoRoot, 'apps/cli/bin/ledgerbase.mjs'), ...args], {
    cwd: repoRoot,
    env,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { ...result, seconds: (performance.now() - started) / 1000 };
}

async function seed(url: string, env: NodeJS.ProcessEnv): Promise<{ longId: string; checkpoints: number }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const ownerId = randomUUID();
    await client.query(
      `INSERT INTO users (id, email, name, password_hash, role, created_at, updated_at)
       VALUES ($1, 'bench-owner@example.com', 'Bench Owner', 'x', 'member', now(), now())`,
      [ownerId],
    );
    const resources = Math.max(1, Math.floor((total - LONG_HISTORY) / perResource));
    const longId = randomUUID();
    const ids = [longId, ...Array.from({ length: resources }, () => randomUUID())];
    const heads = new Map<string, { version: number; hash: string | null }>(
      ids.map((id) => [id, { version: 0, hash: null }]),
    );
    await client.query(
      `INSERT INTO resources (id, owner_id, name, metadata, version, head_hash, created_at, updated_at)
       SELECT id, $1, 'seeding', '{}', 1, '', now(), now() FROM unnest($2::uuid[]) AS t(id)`,
      [ownerId, ids],
    );
    // Seq order: the long history first, then round-robin over the rest (version 1 of every
    // resource, then version 2, ...), so the verifier holds every resource's chain at once.
    const plan: string[] = Array.from({ length: LONG_HISTORY }, () => longId);
    for (let v = 0; v < perResource && plan.length < total; v++) {
      for (let r = 1; r < ids.length && plan.length < total; r++) plan.push(ids[r]!);
    }
    let at = Date.now() - plan.length;
    let checkpoints = 0;
    const started = performance.now();
    for (let offset = 0; offset < plan.length; offset += BATCH) {
      const rows = plan.slice(offset, offset + BATCH).map((resourceId) => {
        const head = heads.get(resourceId)!;
        const row = entryFor(resourceId, head.version + 1, head.hash, at++, ownerId);
        head.version = row.version;
        head.hash = row.hash;
        return row;
      });
      await insertEntries(client, rows, ownerId);
      const done = offset + rows.length;
      if (done % checkpointEvery === 0 || done === plan.length) {
        await cli(['audit', 'seal', '--margin-seconds', '0'], env);
        checkpoints++;
        log(
          `seeded ${done.toLocaleString('en-US')} entries, ${checkpoints} checkpoints (${((performance.now() - started) / 1000).toFixed(0)} s)`,
        );
      }
    }
    const final = [...heads].filter(([, h]) => h.version > 0);
    await client.query(
      `UPDATE resources r SET version = t.version, head_hash = t.hash,
              name = 'r ' || left(r.id::text, 8) || ' v' || t.version, metadata = jsonb_build_object('n', t.version)
       FROM unnest($1::uuid[], $2::int[], $3::text[]) AS t(id, version, hash) WHERE r.id = t.id`,
      [final.map(([id]) => id), final.map(([, h]) => h.version), final.map(([, h]) => h.hash)],
    );
    await client.query(`DELETE FROM resources WHERE version = 1 AND head_hash = ''`);
    await client.query('VACUUM ANALYZE audit_log');
    await client.query('VACUUM ANALYZE resources');
    return { longId, checkpoints };
  } finally {
    await client.end();
  }
}

async function versionsLatency(url: string, dataDir: string, longId: string, tempDir: string) {
  const port = await freePort();
  const email = 'bench-admin@example.com';
  const password = 'bench-admin-password-not-secret';
  const child = startChild('ledgerbase', ['--import', 'tsx', path.join(repoRoot, 'apps/api/src/main.ts')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: url,
      DATA_DIR: dataDir,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      RATE_LIMIT_ENABLED: 'false',
      ADMIN_EMAIL: email,
      ADMIN_PASSWORD: password,
    },
    logDir: tempDir,
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitReady(child, `${base}/readyz`, 120_000);
    const login = await fetch(`${base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const url1000 = `${base}/api/v1/resources/${longId}/versions/1000`;
    const times: number[] = [];
    for (let i = 0; i < 300; i++) {
      const started = performance.now();
      const res = await fetch(url1000, { headers: { authorization: `Bearer ${accessToken}` } });
      const body = (await res.json()) as { version?: number };
      if (res.status !== 200 || body.version !== 1000) throw new Error(`versions/1000 → ${res.status}`);
      if (i >= 50) times.push(performance.now() - started);
    }
    times.sort((a, b) => a - b);
    const pct = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(2);
    return { p50: pct(0.5), p95: pct(0.95), max: times.at(-1)!.toFixed(2) };
  } finally {
    await stopChild(child);
  }
}

async function dbLookupMs(url: string, longId: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `EXPLAIN (ANALYZE, FORMAT JSON) SELECT * FROM audit_log WHERE resource_id = $1 AND version = 1000`,
      [longId],
    );
    const plan = rows[0]['QUERY PLAN'][0] as { 'Execution Time': number; Plan: { 'Node Type': string } };
    return `${plan['Execution Time'].toFixed(3)} ms (${plan.Plan['Node Type']})`;
  } finally {
    await client.end();
  }
}

async function main() {
  const tempDir = mkdtempSync(path.join(tmpdir(), 'lb-audit-bench-'));
  const database = await createBenchDatabase(adminUrl);
  const env = {
    ...process.env,
    DATABASE_URL: database.url,
    DATA_DIR: tempDir,
    LOG_LEVEL: 'warn',
  };
  try {
    log(
      `database ${database.name} (PostgreSQL ${database.serverVersion}); ${total.toLocaleString('en-US')} entries`,
    );
    await cli(['migrate', 'up'], env);
    const { longId, checkpoints } = await seed(database.url, env);
    const verified = await cli(['audit', 'verify'], env);
    const report = JSON.parse(verified.stdout) as { valid: boolean; checked: number; checkpoints: number };
    if (!report.valid || report.checked !== total) throw new Error(`verify failed: ${verified.stdout}`);
    const inner = /\(([\d.]+) s\)\s*$/.exec(verified.stderr)?.[1];
    const lookup = await dbLookupMs(database.url, longId);
    const latency = await versionsLatency(database.url, tempDir, longId, tempDir);
    const lines = [
      `audit verify: ${report.checked.toLocaleString('en-US')} entries, ${report.checkpoints}/${checkpoints} checkpoints, valid`,
      `  wall time ${verified.seconds.toFixed(1)} s (process start included); verification itself ${inner} s`,
      `versions/1000 on a 1,000-version resource: DB lookup ${lookup}; HTTP p50 ${latency.p50} ms, p95 ${latency.p95} ms, max ${latency.max} ms`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    if (process.env.BENCH_KEEP === '1') {
      log(`kept: DATABASE_URL=${database.url} DATA_DIR=${tempDir}`);
    } else {
      await dropBenchDatabase(adminUrl, database.name);
      rmSync(tempDir, { recursive: true, force: true });
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[audit-bench] failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
