// Loaded by /test.html through the import map ("model-artifacts" →
// /index.browser.js). Exposes the checks to browser.test.mjs.
import * as ma from 'model-artifacts';
import {checkFixture} from './browser-checks.mjs';

async function directResponseBody(base) {
  // A single-shard fixture streamed straight from fetch's Response body.
  const expected = await (await fetch(base + 'expected.json')).json();
  const modelJSON = await (await fetch(base + expected.modelFile)).json();
  const specs = ma.getWeightSpecs(modelJSON.weightsManifest);
  const [path] = modelJSON.weightsManifest[0].paths;
  const res = await fetch(new URL(path, new URL(base, location.href)));
  const decoded = await ma.decodeWeightsStream(res.body, specs);
  const out = {};
  for (const w of expected.weights) {
    const t = decoded[w.name];
    const u8 = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    const d = await crypto.subtle.digest('SHA-256', u8);
    out[w.name] = [Array.from(new Uint8Array(d), b => b.toString(16).padStart(2, '0')).join(''), w.decoded.sha256];
  }
  return out;
}

function errorCase() {
  try {
    ma.decodeWeights(new ArrayBuffer(4), [{name: 'short/w', dtype: 'float32', shape: [2]}]);
  } catch (e) {
    return {name: e.name, code: e.code, message: e.message, isClass: e instanceof ma.ModelArtifactsError,
      isError: e instanceof Error};
  }
  return null;
}

function runWorker(base) {
  return new Promise((resolve, reject) => {
    const w = new Worker('/tests/js/support/browser-worker.mjs', {type: 'module'});
    const timer = setTimeout(() => { w.terminate(); reject(new Error('worker timed out')); }, 60_000);
    // The worker says when its imports (and the wasm) are ready.
    w.onmessage = e => {
      if (e.data && e.data.ready) { w.postMessage({base}); return; }
      clearTimeout(timer);
      w.terminate();
      resolve(e.data);
    };
    w.onerror = e => { clearTimeout(timer); w.terminate(); reject(new Error(`worker error: ${e.message}`)); };
  });
}

window.__suite = {
  checkFixture: (base, opts) => checkFixture(ma, base, opts),
  directResponseBody,
  errorCase,
  runWorker,
  isWindow: typeof window !== 'undefined',
};
window.__ready = true;
