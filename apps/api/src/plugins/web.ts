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

export const isSpaRoute = (method: string, url: string) =>
  method === 'GET' && !/^\/(api|\.well-known|healthz|readyz|metrics|openapi\.json|docs)(\/|\?|$)/.test(url);
