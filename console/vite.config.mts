import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The console: built into console/dist and served by the API at /console (same origin, no CDN). */
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 2000 },
});
