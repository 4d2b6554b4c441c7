// A classic worker (built as iife: no top-level await, no import.meta),
// started explicitly from the wasm's URL.
import { browserIndexedDB, decodeWeights, http, init } from 'model-artifacts/init';
import { runChecks, serve } from './checks.js';

serve(async (url, where) => {
  await init(new URL('/wasm/model_artifacts_bg.wasm', location.href));
  return runChecks({ browserIndexedDB, decodeWeights, http }, url, `classic-${where}`);
});
