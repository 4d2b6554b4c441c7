// Under a Content Security Policy (the page's <meta>): the start-up fails
// with a caught E_WASM_INIT when 'wasm-unsafe-eval' is missing, and works
// when it is there.
import { ModelArtifactsError, browserIndexedDB, decodeWeights, http, init } from 'model-artifacts/init';
import { runChecks } from './checks.js';

try {
  await init(new URL('/wasm/model_artifacts_bg.wasm', location.href));
  const url = new URL('/fixtures/synth-layers-f32-sharded/model.json', location.href).href;
  window.__result = { started: true, page: await runChecks({ browserIndexedDB, decodeWeights, http }, url, 'page') };
} catch (err) {
  window.__result = { started: false, isModelArtifactsError: err instanceof ModelArtifactsError, code: err.code,
    url: err.url, causeName: err.cause?.name, message: err.message };
}
