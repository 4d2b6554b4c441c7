import { defineConfig } from 'vite';

export default defineConfig({
  // The repository's embedded model (www/models/human-selfie-f16/), served
  // at /human-selfie-f16/ and copied into dist/.
  publicDir: '../../www/models',
  // index.browser.js instantiates the wasm with top-level await.
  build: { target: 'es2022' },
  // Keep the package out of dependency pre-bundling so its
  // `new URL('model_artifacts_bg.wasm', import.meta.url)` still points at the wasm.
  optimizeDeps: { exclude: ['model-artifacts'] },
  // `file:../..` is a symlink to the repository: let the dev server read it.
  server: { fs: { allow: ['../..'] } },
});
