import { gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

// In development Vite serves the SPA and forwards API and operational routes to the API
// server, so the browser sees one origin exactly as in production (where the API serves dist/).
const apiTarget = process.env.LEDGERBASE_API_URL ?? 'http://127.0.0.1:3000';
const proxied = ['/api', '/.well-known', '/healthz', '/readyz'];

const kB = (bytes: number): string => `${(bytes / 1000).toFixed(2)} kB`;

/**
 * Prints what a first visit downloads (the entry chunk, its static imports and their CSS) and
 * what waits in lazy chunks, gzip-sized like Vite's own table, so `npm run build -w apps/web`
 * measures the bundle every time (README "Bundle").
 */
function firstLoadReport(): Plugin {
  return {
    name: 'ledgerbase:first-load-report',
    apply: 'build',
    generateBundle(_options, bundle) {
      const gzip = (name: string): number => {
        const file = bundle[name];
        if (!file) return 0;
        return gzipSync(file.type === 'chunk' ? file.code : file.source).length;
      };
      const entries = Object.values(bundle).filter((file) => file.type === 'chunk' && file.isEntry);
      const initial = new Set<string>();
      const css = new Set<string>();
      const visit = (name: string): void => {
        const chunk = bundle[name];
        if (chunk?.type !== 'chunk' || initial.has(name)) return;
        initial.add(name);
        for (const style of chunk.viteMetadata?.importedCss ?? []) css.add(style);
        for (const imported of chunk.imports) visit(imported);
      };
      for (const entry of entries) visit(entry.fileName);
      const lazy = Object.values(bundle).filter(
        (file) => file.type === 'chunk' && !initial.has(file.fileName),
      );
      const sum = (names: Iterable<string>): number =>
        [...names].reduce((total, name) => total + gzip(name), 0);
      const lines = [
        `first load: ${kB(sum(initial))} gzip JS in ${initial.size} chunks + ${kB(sum(css))} gzip CSS`,
        `lazy: ${kB(sum(lazy.map((chunk) => chunk.fileName)))} gzip JS in ${lazy.length} chunks (${lazy
          .map((chunk) => `${chunk.name} ${kB(gzip(chunk.fileName))}`)
          .join(', ')})`,
      ];
      this.info(lines.join('\n'));
    },
  };
}

export default defineConfig({
  plugins: [react(), firstLoadReport()],
  server: {
    host: '127.0.0.1',
    proxy: Object.fromEntries(proxied.map((path) => [path, { target: apiTarget, changeOrigin: false }])),
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
});
