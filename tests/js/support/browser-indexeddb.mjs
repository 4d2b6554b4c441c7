// Page side of tests/js/indexeddb-browser.test.mjs: the package and real
// TensorFlow.js 4.22 (the classic tf.min.js script, `globalThis.tf`) in one
// page of each engine, sharing one real IndexedDB. Each function returns plain
// data (problems as strings) for the Node side to assert on.

import {sameBytes, denseModel, predictionBytes, capturedArtifacts, weightProblems} from './page-helpers.mjs';

const tf = () => globalThis.tf;
const kind = v => Object.prototype.toString.call(v);
const errInfo = e => ({name: e?.name, code: e?.code, message: String(e?.message ?? e)});
async function rejection(p) {
  try { await p; } catch (e) { return errInfo(e); }
  return null;
}

/** Small layers models with fixed weights, kept by name for later tests. */
const models = {};
function buildModel(key, seed) {
  models[key] = denseModel(tf(), seed);
  return models[key];
}
const predictBytes = model => predictionBytes(tf(), model);

/** Reads a models_store record directly (what is really stored). */
function rawRecord(path) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('tensorflowjs', 1);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const tx = db.transaction(['models_store', 'model_info_store'], 'readonly');
      const m = tx.objectStore('models_store').get(path);
      const i = tx.objectStore('model_info_store').get(path);
      tx.oncomplete = () => { db.close(); resolve({model: m.result, info: i.result}); };
      tx.onerror = () => { db.close(); reject(tx.error); };
    };
  });
}
function describeRecord(r) {
  const wd = r?.model?.modelArtifacts?.weightData;
  return {
    hasModel: !!r?.model, hasInfo: !!r?.info,
    weightDataKind: kind(wd),
    shardKinds: Array.isArray(wd) ? wd.map(kind) : null,
    shardLengths: Array.isArray(wd) ? wd.map(b => b.byteLength) : null,
    modelStoreInfo: r?.model?.modelArtifactsInfo ?? null,
    infoStoreInfo: r?.info?.modelArtifactsInfo ?? null,
  };
}

export async function setup() {
  await tf().setBackend('cpu');
  await tf().ready();
  return {backend: tf().getBackend(), version: tf().version.tfjs, hasIDB: typeof indexedDB};
}

// 1. tfjs saves -> we load the same bytes.
export async function tfjsSavesWeLoad(ma) {
  const problems = [];
  const model = buildModel('tfjs', 1);
  const saved = await model.save('indexeddb://tfjs-saved');
  const viaHandler = await ma.browserIndexedDB('indexeddb://tfjs-saved').load();
  const viaRouter = await ma.load('indexeddb://tfjs-saved');
  const viaPlainPath = await ma.browserIndexedDB('tfjs-saved').load();
  problems.push(...weightProblems(ma, viaHandler, model, 'browserIndexedDB().load()'));
  problems.push(...weightProblems(ma, viaRouter, model, "load('indexeddb://')"));
  problems.push(...weightProblems(ma, viaPlainPath, model, "browserIndexedDB('tfjs-saved')"));
  const topology = JSON.stringify(model.toJSON(null, false));
  for (const [label, a] of [['handler', viaHandler], ['router', viaRouter]]) {
    if (JSON.stringify(a.modelTopology) !== topology) problems.push(`${label}: modelTopology differs from model.toJSON()`);
    if (a.format !== 'layers-model') problems.push(`${label}: format ${a.format}`);
  }
  return {problems, tfjsInfo: saved.modelArtifactsInfo, predict: predictBytes(model)};
}


// 2. we save -> tfjs loads and predicts identically.
export async function weSaveTfjsLoads(ma) {
  const problems = [];
  const model = buildModel('ours', 2);
  const captured = await capturedArtifacts(tf(), model);
  const {files} = ma.shardArtifacts(captured, {shardSizeBytes: 32});
  const shards = files.map(f => f.data);
  const artifacts = {...captured, weightData: shards};
  // What the caller holds, to check the save leaves it alone.
  const before = {keys: Object.keys(artifacts).join(','), shards: shards.slice(), lengths: shards.map(s => s.byteLength),
    topology: JSON.stringify(artifacts.modelTopology), specs: JSON.stringify(artifacts.weightSpecs)};
  const saved = await ma.browserIndexedDB('indexeddb://ours').save(artifacts);
  const notMutated = artifacts.weightData === shards && Array.isArray(artifacts.weightData)
    && shards.length === before.shards.length && shards.every((s, i) => s === before.shards[i])
    && shards.every((s, i) => s instanceof ArrayBuffer && s.byteLength === before.lengths[i])
    && Object.keys(artifacts).join(',') === before.keys
    && JSON.stringify(artifacts.modelTopology) === before.topology
    && JSON.stringify(artifacts.weightSpecs) === before.specs;
  if (!notMutated) problems.push('save changed the caller\'s artifacts');
  const tfjsInfoForSame = tf().io.getModelArtifactsInfoForJSON(artifacts);

  const loaded = await tf().loadLayersModel('indexeddb://ours');
  const want = predictBytes(model), got = predictBytes(loaded);
  if (JSON.stringify(want) !== JSON.stringify(got)) problems.push('tfjs prediction of our saved model differs');

  // A hand split at odd byte boundaries (not multiples of 4).
  const joined = new Uint8Array(ma.concatenateArrayBuffers(captured.weightData));
  const cuts = [0, 5, 38, 39, joined.byteLength];
  const odd = cuts.slice(1).map((end, i) => joined.slice(cuts[i], end).buffer);
  await ma.save({...captured, weightData: odd}, 'indexeddb://ours-odd');
  const loadedOdd = await tf().loadLayersModel('indexeddb://ours-odd');
  if (JSON.stringify(predictBytes(loadedOdd)) !== JSON.stringify(want)) problems.push('tfjs prediction of the odd split differs');

  // Views into a larger buffer (only their bytes are stored), sizes
  // 50 + 30 + rest (not equal, see lastShardLarger for why that matters).
  const padded = new Uint8Array(joined.byteLength + 16);
  padded.set(joined.subarray(0, 80), 3);
  padded.set(joined.subarray(80), 3 + 80 + 5);
  const views = [padded.subarray(3, 53), padded.subarray(53, 83), new Uint8Array(padded.buffer, 88, joined.byteLength - 80)];
  await ma.save({...captured, weightData: views}, 'indexeddb://ours-views');
  if (JSON.stringify(predictBytes(await tf().loadLayersModel('indexeddb://ours-views'))) !== JSON.stringify(want)) {
    problems.push('tfjs prediction of the Uint8Array-view split differs');
  }
  if (views[0].byteOffset !== 3 || views[0].byteLength !== 50 || views[2].byteOffset !== 88) problems.push('save changed the views');
  await ma.save(captured, 'indexeddb://ours-single');
  if (!(captured.weightData instanceof ArrayBuffer)) problems.push('save changed a plain ArrayBuffer weightData');
  if (JSON.stringify(predictBytes(await tf().loadLayersModel('indexeddb://ours-single'))) !== JSON.stringify(want)) {
    problems.push('tfjs prediction of the single-buffer save differs');
  }

  return {
    problems,
    saveInfo: saved.modelArtifactsInfo,
    rawViews: describeRecord(await rawRecord('ours-views')),
    rawSingle: describeRecord(await rawRecord('ours-single')),
    viewLengths: views.map(v => v.byteLength),
    tfjsInfoForSame,
    numShards: shards.length,
    shardLengths: shards.map(s => s.byteLength),
    raw: describeRecord(await rawRecord('ours')),
    rawOdd: describeRecord(await rawRecord('ours-odd')),
    oddLengths: odd.map(b => b.byteLength),
    predict: want,
  };
}

// 2a. Shards of equal size followed by a larger last one (a hand split such
// as 64 + 108). TensorFlow.js 4.22's CompositeArrayBuffer, when all shards
// but the last have one size, finds a byte's shard by division, which is
// wrong when the last shard is larger; its own IndexedDB save joins the
// shards first, so only what is stored shard by shard meets this. Reports,
// per split, whether tfjs loads the exact weights from our save, from its
// own save, and (the cause) straight from memory.
export async function lastShardLarger(ma) {
  const model = buildModel('larger', 4);
  const captured = await capturedArtifacts(tf(), model);
  const joined = new Uint8Array(captured.weightData);
  const want = JSON.stringify(predictBytes(model));
  const wantWeights = JSON.stringify(model.getWeights().map(t => Array.from(t.dataSync())));
  const exact = m => JSON.stringify(m.getWeights().map(t => Array.from(t.dataSync()))) === wantWeights
    && JSON.stringify(predictBytes(m)) === want;
  const out = {};
  for (const cuts of [[64], [50, 100]]) {
    const bounds = [0, ...cuts, joined.byteLength];
    const shards = bounds.slice(1).map((end, i) => joined.slice(bounds[i], end).buffer);
    const label = shards.map(b => b.byteLength).join('+');
    await ma.browserIndexedDB(`indexeddb://larger-${label}`).save({...captured, weightData: shards});
    const ours = exact(await tf().loadLayersModel(`indexeddb://larger-${label}`));
    await tf().io.getSaveHandlers('indexeddb://larger-tfjs')[0].save({...captured, weightData: shards.slice()});
    const tfjsOwn = exact(await tf().loadLayersModel('indexeddb://larger-tfjs'));
    const fromMemory = exact(await tf().loadLayersModel(tf().io.fromMemory({...captured, weightData: shards})));
    out[label] = {ours, tfjsOwn, fromMemory};
    await ma.removeModel(`indexeddb://larger-${label}`);
  }
  await ma.removeModel('indexeddb://larger-tfjs');
  return out;
}

// 2b. A real graph model: http load -> our IndexedDB save -> tfjs loads.
export async function graphFixture(ma, url) {
  const problems = [];
  const artifacts = await ma.http(url).load();
  const saved = await ma.browserIndexedDB('indexeddb://selfie').save(artifacts);
  const gm = await tf().loadGraphModel('indexeddb://selfie');
  const input = gm.inputs[0];
  const shape = input.shape.map(d => (d == null || d < 0 ? 1 : d));
  const t0 = performance.now();
  const x = tf().zeros(shape, input.dtype);
  const out = gm.execute(x);
  const ms = performance.now() - t0;
  const y = Array.isArray(out) ? out[0] : out;
  const values = await y.data();
  const finite = values.every(Number.isFinite);
  // tfjs's own load of the same URL, same input: the same output bytes.
  const ref = await tf().loadGraphModel(url);
  const refOut = ref.execute(tf().zeros(shape, input.dtype));
  const refY = Array.isArray(refOut) ? refOut[0] : refOut;
  if (!sameBytes(values, await refY.data())) problems.push('selfie output differs from tfjs\'s own http load');
  return {problems, saveInfo: saved.modelArtifactsInfo, inputShape: shape, outShape: y.shape, finite, ms,
    raw: describeRecord(await rawRecord('selfie'))};
}

// 3. listing, removing, missing paths.
export async function lists(ma) {
  return {tf: await tf().io.listModels(), ma: await ma.listModels()};
}
export async function removeOurs(ma) {
  const removed = await ma.removeModel('indexeddb://ours');
  return {
    removed,
    tfAfter: Object.keys(await tf().io.listModels()),
    maAfter: Object.keys(await ma.listModels()),
    raw: describeRecord(await rawRecord('ours')),
    loadAfter: await rejection(ma.browserIndexedDB('indexeddb://ours').load()),
    tfLoadAfter: await rejection(tf().loadLayersModel('indexeddb://ours')),
  };
}
export async function missing(ma) {
  return {
    handler: await rejection(ma.browserIndexedDB('indexeddb://no-such-model').load()),
    router: await rejection(ma.load('indexeddb://no-such-model')),
    remove: await rejection(ma.removeModel('indexeddb://no-such-model')),
    copy: await rejection(ma.copyModel('indexeddb://no-such-model', 'indexeddb://never')),
    neverCreated: describeRecord(await rawRecord('never')),
    empty: await (async () => { try { ma.browserIndexedDB('indexeddb://'); return null; } catch (e) { return errInfo(e); } })(),
  };
}

/** Records put/delete calls on the object stores, in order. */
function spyStores() {
  const log = [];
  const P = IDBObjectStore.prototype;
  const put = P.put, del = P.delete;
  P.put = function (value, ...rest) { log.push(['put', this.name, value?.modelPath]); return put.call(this, value, ...rest); };
  P.delete = function (key) { log.push(['delete', this.name, key]); return del.call(this, key); };
  return {log, restore() { P.put = put; P.delete = del; }};
}

async function loadedEqual(ma, a, b) {
  const x = await ma.load(a), y = await ma.load(b);
  const dx = ma.decodeWeights(x.weightData, x.weightSpecs), dy = ma.decodeWeights(y.weightData, y.weightSpecs);
  return JSON.stringify(x.modelTopology) === JSON.stringify(y.modelTopology)
    && JSON.stringify(x.weightSpecs) === JSON.stringify(y.weightSpecs)
    && x.format === y.format
    && Object.keys(dx).length === Object.keys(dy).length
    && Object.keys(dx).every(k => dy[k] && sameBytes(dx[k].data, dy[k].data));
}

// 4. copyModel / moveModel.
export async function copyAndMove(ma) {
  const problems = [];
  const copyInfo = await ma.copyModel('indexeddb://tfjs-saved', 'indexeddb://copy');
  if (!await loadedEqual(ma, 'indexeddb://tfjs-saved', 'indexeddb://copy')) problems.push('copy loads differently');
  problems.push(...weightProblems(ma, await ma.load('indexeddb://copy'), models.tfjs, 'copy'));
  const tfCopy = await tf().loadLayersModel('indexeddb://copy');
  if (JSON.stringify(predictBytes(tfCopy)) !== JSON.stringify(predictBytes(models.tfjs))) problems.push('tfjs predicts differently from the copy');
  const listAfterCopy = Object.keys(await tf().io.listModels());

  const spy = spyStores();
  let moveInfo;
  try {
    moveInfo = await ma.moveModel('indexeddb://copy', 'indexeddb://moved');
  } finally {
    spy.restore();
  }
  const listAfterMove = Object.keys(await tf().io.listModels());
  if (!await loadedEqual(ma, 'indexeddb://tfjs-saved', 'indexeddb://moved')) problems.push('moved loads differently');
  const tfMoved = await tf().loadLayersModel('indexeddb://moved');
  if (JSON.stringify(predictBytes(tfMoved)) !== JSON.stringify(predictBytes(models.tfjs))) problems.push('tfjs predicts differently from the moved model');

  // A move whose destination save fails leaves the source whole.
  await ma.copyModel('indexeddb://tfjs-saved', 'indexeddb://move-src');
  const P = IDBObjectStore.prototype, put = P.put;
  P.put = function (value, ...rest) {
    if (value?.modelPath === 'move-fail') throw new DOMException('refused by the test', 'DataError');
    return put.call(this, value, ...rest);
  };
  let failedMove;
  try {
    failedMove = await rejection(ma.moveModel('indexeddb://move-src', 'indexeddb://move-fail'));
  } finally {
    P.put = put;
  }
  const srcAfterFailedMove = describeRecord(await rawRecord('move-src'));
  const dstAfterFailedMove = describeRecord(await rawRecord('move-fail'));
  const srcStillLoads = await loadedEqual(ma, 'indexeddb://tfjs-saved', 'indexeddb://move-src');

  return {problems, copyInfo, moveInfo, listAfterCopy, listAfterMove, log: spy.log,
    copyRaw: describeRecord(await rawRecord('copy')),
    failedMove, srcAfterFailedMove, dstAfterFailedMove, srcStillLoads};
}

// 5. A dedicated module worker: save + load + list + remove there.
export function inWorker(payload) {
  return new Promise((resolve, reject) => {
    const w = new Worker('/tests/js/support/browser-indexeddb-worker.mjs', {type: 'module'});
    const timer = setTimeout(() => { w.terminate(); reject(new Error('worker timed out')); }, 30_000);
    w.onmessage = e => {
      if (e.data && e.data.ready) { w.postMessage(payload); return; }
      clearTimeout(timer);
      w.terminate();
      resolve(e.data);
    };
    w.onerror = e => { clearTimeout(timer); w.terminate(); reject(new Error(`worker error: ${e.message}`)); };
  });
}
export async function workerRoundTrip() {
  // Layers artifacts captured here are sent to the worker, which saves them
  // with the package; tfjs in the page then loads what the worker saved.
  const model = buildModel('worker', 3);
  const captured = await capturedArtifacts(tf(), model);
  const r = await inWorker({artifacts: captured});
  let tfPredictsSame = null;
  if (r.kept) {
    const loaded = await tf().loadLayersModel('indexeddb://worker-kept');
    tfPredictsSame = JSON.stringify(predictBytes(loaded)) === JSON.stringify(predictBytes(model));
  }
  return {...r, tfPredictsSame, tfList: Object.keys(await tf().io.listModels())};
}

// 8. Connections: opened once and reused, and never in the way of a delete.
function deleteDatabase(name) {
  return new Promise(resolve => {
    const request = indexedDB.deleteDatabase(name);
    request.onsuccess = () => resolve('deleted');
    request.onerror = () => resolve(`error: ${request.error?.name}`);
    // Fired while a connection stays open; the delete then waits for it.
    request.onblocked = () => resolve('blocked');
  });
}
export async function connections(ma) {
  const weightData = new Float32Array([1, 2, 3, 4]).buffer;
  const artifacts = {modelTopology: {node: []}, weightSpecs: [{name: 'w', shape: [4], dtype: 'float32'}], weightData};
  const small = ma.browserIndexedDB('conn/small');
  const chunked = ma.browserIndexedDB('conn/chunked', {chunkThreshold: 0, chunkSize: 8});
  await small.save(artifacts);
  await chunked.save(artifacts);
  let opens = 0;
  const open = indexedDB.open;
  indexedDB.open = function (...args) { opens++; return open.apply(this, args); };
  try {
    await small.load();
    await chunked.load();
    await small.save(artifacts);
    await chunked.save(artifacts);
    await ma.listModels();
  } finally {
    indexedDB.open = open;
  }
  const deleted = [await deleteDatabase('tensorflowjs'), await deleteDatabase('model-artifacts')];
  const afterDelete = {small: await rejection(small.load()), chunked: await rejection(chunked.load())};
  await small.save(artifacts);
  await chunked.save(artifacts);
  const bytes = a => [a.weightData].flat().reduce((n, b) => n + b.byteLength, 0);
  const again = [bytes(await small.load()), bytes(await chunked.load())];
  return {opens, deleted, afterDelete, again, listed: Object.keys(await ma.listModels()).sort()};
}
