import { defineConfig } from 'vite';

// Static build for Tauri's frontendDist: no dev server, no inline scripts
// (the CSP forbids them), everything bundled (no runtime fetch).
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
});
