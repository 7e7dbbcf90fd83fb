// Dev server: `npm -w client run dev` (or `pnpm -F @flowdeck/client dev`) serves the dashboard with
// hot reload and proxies the API (HTTP and the graphql-ws upgrade) to a running `npm start`.
// `vite build` writes client/dist, which the api process serves at /.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const api = globalThis.process?.env.FLOWDECK_API_URL ?? 'http://localhost:4000';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
  server: {
    proxy: {
      '/graphql': { target: api, ws: true, changeOrigin: true },
      '/api': { target: api, changeOrigin: true },
    },
  },
});
