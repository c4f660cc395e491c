import { once } from 'node:events';
import { readFileSync, statSync } from 'node:fs';
import {
  type AuditKeys,
  exportAuditLog,
  loadAuditKeys,
  loadSigningKeys,
  type NoteKey,
  parseVerifierKey,
  purgeAuditLog,
  sealAuditLog,
  type VerifyReport,
  verifyDatabase,
  verifyExportFile,
} from '@ledgerbase/core';
import { countEntries } from '@ledgerbase/core/audit/audit-stream.repository';
import { migrateToLatest } from '@ledgerbase/db';
import { type Config, createLogger, systemClock } from '@ledgerbase/platform';
import { withDatabase } from '../database.ts';
import { progressBar } from '../progress.ts';

export type AuditOptions = {
  file?: string | undefined;
  checkpoint?: string[] | undefined;
  'public-key'?: string[] | undefined;
  since?: string | undefined;
  until?: string | undefined;
  'margin-seconds'?: string | undefined;
  'retention-days'?: string | undefined;
};

export const AUDIT_USAGE = `usage:
  ledgerbase audit verify [--file <export.ndjson>] [--checkpoint <note.txt>]... [--public-key <vkey>]...
  ledgerbase audit export [--since <ISO 8601>] [--until <ISO 8601>] > export.ndjson
  ledgerbase audit seal [--margin-seconds <n>]
  ledgerbase audit purge [--retention-days <n>]`;

const fail = (message: string): number => {
  process.stderr.write(`${message}\n${AUDIT_USAGE}\n`);
  return 1;
};

/** The configured checkpoint keys (AUDIT_SIGNING_KEY, or derived from the JWT key in DATA_DIR). */
async function configuredAuditKeys(config: Config): Promise<AuditKeys> {
  const signingKeys = await loadSigningKeys({ pem: config.jwtPrivateKey, dataDir: config.dataDir });
  return loadAuditKeys({ pem: config.auditSigningKey, signingKeys, trusted: config.auditTrustedKeys });
}

/** `--public-key` makes the verifier trust exactly those keys: an auditor needs no server secret. */
async function verifierKeys(
  config: Config,
  vkeys: readonly string[],
): Promise<Pick<AuditKeys, 'trusted' | 'origin'>> {
  const configured = vkeys.length === 0 ? await configuredAuditKeys(config) : undefined;
  const trusted: NoteKey[] = configured
    ? [...configured.trusted]
    : vkeys.map((vkey) => parseVerifierKey(vkey));
  return { trusted, origin: configured?.origin ?? trusted[0]!.name };
}

function printReport(report: VerifyReport, seconds: number): number {
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  const summary = report.valid
    ? `audit log valid: ${report.checked.toLocaleString('en-US')} entries, ${report.checkpoints} checkpoints`
    : `audit log INVALID at ${report.firstInvalid?.id ?? 'an entry'} (seq ${report.firstInvalid?.seq ?? '?'}): ${report.firstInvalid?.reason}`;
  process.stderr.write(`${summary} (${seconds.toFixed(1)} s)\n`);
  return report.valid ? 0 : 1;
}

async function verify(config: Config, options: AuditOptions): Promise<number> {
  const started = performance.now();
  const keys = await verifierKeys(config, options['public-key'] ?? []);
  const externalCheckpoints = (options.checkpoint ?? []).map((file) => readFileSync(file, 'utf8'));
  if (options.file) {
    const bar = progressBar('verifying', statSync(options.file).size);
    const report = await verifyExportFile(options.file, keys, {
      externalCheckpoints,
      onProgress: (bytes) => bar.update(bytes),
    });
    bar.finish();
    return printReport(report, (performance.now() - started) / 1000);
  }
  return withDatabase(config, async (handle) => {
    let bar = progressBar('verifying', 0);
    const report = await verifyDatabase(
      { db: handle.db, keys },
      {
        snapshot: handle.mode === 'postgres',
        parallel: config.databaseUrl ? { databaseUrl: config.databaseUrl } : undefined,
        externalCheckpoints,
        onStart: (total) => {
          bar = progressBar('verifying', total);
        },
        onProgress: (checked) => bar.update(checked),
      },
    );
    bar.finish();
    return printReport(report, (performance.now() - started) / 1000);
  });
}

function parseInstant(value: string | undefined, name: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new Error(`--${name} must be an ISO 8601 date-time`);
  return date;
}

/** Streams NDJSON to stdout, waiting for it to drain: memory stays flat whatever the size. */
async function exportLog(config: Config, options: AuditOptions): Promise<number> {
  const filter = { since: parseInstant(options.since, 'since'), until: parseInstant(options.until, 'until') };
  return withDatabase(config, async (handle) => {
    const total = await countEntries(handle.db);
    const bar = progressBar('exporting', total);
    const entries = await exportAuditLog(
      handle.db,
      filter,
      async (chunk) => {
        if (!process.stdout.write(`${chunk}\n`)) await once(process.stdout, 'drain');
      },
      {
        snapshot: handle.mode === 'postgres',
        exportedAt: systemClock.now(),
        onProgress: (done) => bar.update(Math.min(done, total)),
      },
    );
    bar.finish();
    process.stderr.write(`exported ${entries.toLocaleString('en-US')} entries\n`);
    return 0;
  });
}

function positiveInteger(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new Error(`--${name} must be a non-negative integer`);
  return Number(value);
}

async function runJob(config: Config, job: 'seal' | 'purge', options: AuditOptions): Promise<number> {
  const logger = createLogger(config.logLevel, 'ledgerbase-cli');
  const keys = await configuredAuditKeys(config);
  return withDatabase(config, async ({ db }) => {
    await migrateToLatest(db);
    const deps = { db, clock: systemClock, keys, logger };
    if (job === 'seal') {
      const margin = positiveInteger(options['margin-seconds'], 'margin-seconds');
      const sealed = await sealAuditLog(deps, margin === undefined ? {} : { marginMs: margin * 1000 });
      process.stdout.write(sealed ? sealed.note : 'nothing new to seal\n');
      return 0;
    }
    const days = positiveInteger(options['retention-days'], 'retention-days') ?? config.auditRetentionDays;
    if (!days) return fail('audit purge needs AUDIT_RETENTION_DAYS or --retention-days (at least 1)');
    const result = await purgeAuditLog(deps, { retentionDays: days });
    process.stdout.write(
      `purged ${result.entries} entries and ${result.resources} deleted resources; tree size ${result.treeSize}\n`,
    );
    return 0;
  });
}

export function runAudit(config: Config, action: string | undefined, options: AuditOptions): Promise<number> {
  switch (action) {
    case 'verify':
      return verify(config, options);
    case 'export':
      return exportLog(config, options);
    case 'seal':
    case 'purge':
      return runJob(config, action, options);
    default:
      return Promise.resolve(fail(`unknown audit command "${action ?? ''}"`));
  }
}
