import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export const defaultWebDist = () =>
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

/**
 * Serves the built console at `/` in the one-process mode (the not-found handler falls back to
 * index.html for client-side routes).
 */
export const hasWebBuild = (distDir: string) => existsSync(path.join(distDir, 'index.html'));

export async function installWeb(app: FastifyInstance, distDir: string): Promise<void> {
  await app.register(fastifyStatic, { root: distDir, prefix: '/', wildcard: false, index: ['index.html'] });
}

/**
 * The console's own client-side routes (apps/web/src/routes/routes.tsx), which a reload or a shared
 * link asks the server for. Anything else unknown is a real 404 in the error shape, and so is a file
 * that is not there (a segment with a dot).
 */
const CLIENT_ROUTE =
  /^\/(?:(?:login|register|audit|api-keys|webhooks)|(?:resources|admin)(?:\/[^./?]+)*)?\/?(?:\?.*)?$/;

export const isSpaRoute = (method: string, url: string) => method === 'GET' && CLIENT_ROUTE.test(url);
