// A dedicated module worker for tests/js/indexeddb-browser.test.mjs: imports
// the package by path (import maps do not reach workers) and runs an
// IndexedDB save + load + list + remove round trip, then keeps one model
// for the page's tfjs to load.
import * as ma from '/index.browser.js';

const bytes = x => (x instanceof ArrayBuffer ? new Uint8Array(x) : new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
function same(a, b) {
  const x = bytes(a), y = bytes(b);
  return x.byteLength === y.byteLength && x.every((v, i) => v === y[i]);
}
const errInfo = e => ({name: e?.name, code: e?.code, message: String(e?.message ?? e)});

self.onmessage = async e => {
  const problems = [];
  const out = {problems};
  try {
    out.scope = typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope ? 'worker' : 'other';
    out.hasIDB = typeof indexedDB;
    const captured = e.data.artifacts;
    const joined = bytes(ma.concatenateArrayBuffers(captured.weightData));
    const half = Math.floor(joined.byteLength / 2) + 1;
    const shards = [joined.slice(0, half).buffer, joined.slice(half).buffer];
    const artifacts = {...captured, weightData: shards};

    const saved = await ma.browserIndexedDB('indexeddb://worker-model').save(artifacts);
    out.saveInfo = saved.modelArtifactsInfo;
    if (artifacts.weightData !== shards || shards.some(s => !(s instanceof ArrayBuffer))) problems.push('save changed the artifacts');

    for (const [label, p] of [['handler', ma.browserIndexedDB('indexeddb://worker-model').load()],
      ['router', ma.load('indexeddb://worker-model')]]) {
      const a = await p;
      if (JSON.stringify(a.modelTopology) !== JSON.stringify(captured.modelTopology)) problems.push(`${label}: topology differs`);
      if (JSON.stringify(a.weightSpecs) !== JSON.stringify(captured.weightSpecs)) problems.push(`${label}: weightSpecs differ`);
      const want = ma.decodeWeights(captured.weightData, captured.weightSpecs);
      const got = ma.decodeWeights(a.weightData, a.weightSpecs);
      for (const k of Object.keys(want)) {
        if (!got[k] || !same(got[k].data, want[k].data)) problems.push(`${label}: weight ${k} differs`);
      }
    }
    const list = await ma.listModels();
    out.listed = list['indexeddb://worker-model'] ?? null;
    out.removed = await ma.removeModel('indexeddb://worker-model');
    out.listedAfterRemove = Object.keys(await ma.listModels());
    try {
      await ma.load('indexeddb://worker-model');
      out.loadAfterRemove = null;
    } catch (x) {
      out.loadAfterRemove = errInfo(x);
    }
    await ma.save(artifacts, 'indexeddb://worker-kept');
    out.kept = true;
  } catch (x) {
    problems.push(`worker threw: ${x && x.name}: ${x && x.code}: ${x && x.message}`);
  }
  self.postMessage(out);
};
self.postMessage({ready: true});
