/**
 * Vite builds the dashboard (web/) into dist/web/, which the Hono server serves at `/`
 * (src/server/web-assets.ts). `npm run dev:web` serves it with hot reload and forwards the API to a
 * running `npm start` (PORT, default 3000).
 */
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const api = `http://localhost:${process.env.PORT ?? '3000'}`;

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // Every browser that runs ES2022 supports module preloading: no polyfill in the entry chunk.
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 700,
  },
  server: {
    proxy: { '/api': api, '/v1': api },
  },
});
