// A dedicated module worker for tests/js/opfs-browser.test.mjs: imports the
// package by path (import maps do not reach workers), saves, loads (whole
// and streamed), lists and removes in OPFS, saves streamed weights (into
// OPFS, and copied into IndexedDB), and keeps one model for the page to
// load. It says `ready` first: a message sent before its imports
// are done would find no handler.
import * as ma from '/index.browser.js';

const bytes = x => (x instanceof ArrayBuffer ? new Uint8Array(x) : new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
const joined = parts => {
  const list = (Array.isArray(parts) ? parts : [parts]).map(bytes);
  const out = new Uint8Array(list.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of list) { out.set(p, at); at += p.byteLength; }
  return out;
};
const same = (a, b) => a.byteLength === b.byteLength && a.every((v, i) => v === b[i]);

self.onmessage = async e => {
  const problems = [];
  try {
    const artifacts = e.data.artifacts;
    const want = joined(artifacts.weightData);
    await ma.browserOPFS('wk/model').save(artifacts);
    const loaded = await ma.load('opfs://wk/model');
    if (!same(joined(loaded.weightData), want)) problems.push('load: weight bytes differ');
    const streamed = await ma.browserOPFS('wk/model', {streamWeights: true}).load();
    const reader = streamed.getWeightStream().getReader();
    const parts = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(r.value);
    if (!same(joined(parts), want)) problems.push('stream: weight bytes differ');
    const listed = Object.keys(await ma.listModels()).filter(k => k.startsWith('opfs://wk/'));
    await ma.removeModel('opfs://wk/model');
    const afterRemove = Object.keys(await ma.listModels()).filter(k => k.startsWith('opfs://wk/'));
    await ma.save(artifacts, 'opfs://wk/kept');
    // Streamed saves in a worker: a streamWeights load saved as it is, and
    // copyModel streaming into IndexedDB.
    await ma.save(await ma.load('opfs://wk/kept', {streamWeights: true}), 'opfs://wk/streamed');
    if (!same(joined((await ma.load('opfs://wk/streamed')).weightData), want)) problems.push('streamed save: weight bytes differ');
    await ma.copyModel('opfs://wk/kept', 'indexeddb://wk/idb');
    if (!same(joined((await ma.load('indexeddb://wk/idb')).weightData), want)) problems.push('streamed copy into IndexedDB: weight bytes differ');
    await ma.removeModel('opfs://wk/streamed');
    await ma.removeModel('indexeddb://wk/idb');
    self.postMessage({scope: typeof WorkerGlobalScope, problems, listed, afterRemove});
  } catch (error) {
    self.postMessage({problems: [...problems, `${error?.code ?? error?.name}: ${error?.message}`]});
  }
};
self.postMessage({ready: true});
