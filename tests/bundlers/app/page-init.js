// The explicit start-up (`model-artifacts/init`), as a CDN page or a strict
// host uses it: a start-up from a missing file is a typed error the page
// catches, a second call with the right URL starts the package, and a
// classic (iife) worker does the same.
import { ModelArtifactsError, browserIndexedDB, decodeWeights, http, init } from 'model-artifacts/init';
import { report, runChecks } from './checks.js';

const missing = new URL('/no-such-folder/model_artifacts_bg.wasm', location.href).href;
try {
  await init(missing);
  window.__startFailure = 'init() resolved for a missing file';
} catch (err) {
  window.__startFailure = { isModelArtifactsError: err instanceof ModelArtifactsError, code: err.code,
    url: err.url, status: err.status, message: err.message };
}
await init(new URL('/wasm/model_artifacts_bg.wasm', location.href));
report((url, where) => runChecks({ browserIndexedDB, decodeWeights, http }, url, where),
  new Worker(new URL('./classic-worker.js', import.meta.url)));
