#!/usr/bin/env node
// `npm start` serves the console from apps/web/dist: build it when it is missing or older than its
// sources, so a fresh clone's first start shows the web app and later starts cost nothing.
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const web = path.join(root, 'apps/web');
const built = path.join(web, 'dist/index.html');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

if (!existsSync(path.join(web, 'src'))) process.exit(0);
// The console bundles the generated SDK too: a regenerated client must rebuild it.
const sdk = path.join(root, 'packages/sdk/src');
const sources = Math.max(
  newestMtime(path.join(web, 'src')),
  existsSync(sdk) ? newestMtime(sdk) : 0,
  statSync(path.join(web, 'index.html')).mtimeMs,
);
if (existsSync(built) && statSync(built).mtimeMs >= sources) process.exit(0);

process.stdout.write('Building the web console (first start only)...\n');
execSync('npm run build -w apps/web', { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
