import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// In development Vite serves the SPA and forwards API and operational routes to the API
// server, so the browser sees one origin exactly as in production (where the API serves dist/).
const apiTarget = process.env.LEDGERBASE_API_URL ?? 'http://127.0.0.1:3000';
const proxied = ['/api', '/.well-known', '/healthz', '/readyz'];

export default defineConfig({
  plugins: [react()],
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
