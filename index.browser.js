// Browser / worker / bundler entry: starts the wasm beside the glue at import
// (a failure rejects the import with an E_WASM_INIT ModelArtifactsError).
// This top-level await is why package.json lists this file in sideEffects.
import { init } from './init.browser.js';

await init();

export * from './init.browser.js';
