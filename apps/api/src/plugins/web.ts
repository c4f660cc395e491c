import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export const defaultWebDist = () =>
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

/**
 * Serves the built console at `/` in the one-process mode. Client-side routes fall back to
 * index.html; API and operational paths keep their JSON 404.
 */
export async function installWeb(app: FastifyInstance, distDir: string): Promise<boolean> {
  if (!existsSync(path.join(distDir, 'index.html'))) return false;
  await app.register(fastifyStatic, { root: distDir, prefix: '/', wildcard: false, index: ['index.html'] });
  app.addHook('onRequest', async () => {});
  return true;
}

export const isSpaRoute = (method: string, url: string) =>
  method === 'GET' && !/^\/(api|\.well-known|healthz|readyz|metrics|openapi\.json|docs)(\/|\?|$)/.test(url);
