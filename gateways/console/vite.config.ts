import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

// The console is built once into build/console (served at /console by `aiaas identity` and
// `aiaas dev`, gateways/http/console.ts). JSX through Preact's automatic runtime by Vite's own
// transformer: no plugin, nothing fetched at run time (docs/console.md).
const root = fileURLToPath(new URL('.', import.meta.url))

export default defineConfig({
  root,
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../../build/console', import.meta.url)),
    emptyOutDir: true,
    // Hashed file names: served immutable; index.html alone is served no-store.
    assetsDir: 'assets',
    sourcemap: false,
  },
})
