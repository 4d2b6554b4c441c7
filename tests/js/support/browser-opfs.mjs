// Page side of tests/js/opfs-browser.test.mjs: browserOPFS / opfs:// in a
// real engine's origin private file system, looked at directly through
// navigator.storage.getDirectory() as well. Each function returns plain
// data (problems as strings, errors as {name, code, isMa, ...}).

import {joinParts, sameBytes, usePackage, rejection, streamOnly} from './page-helpers.mjs';

const ROOT = 'model-artifacts';
const MiB = 2 ** 20;

/** Artifacts of one float32 weight of `bytes` random bytes (`seed` picks
 * them), like a user's: random, not smooth. */
function artifacts(bytes, seed = 1) {
  const data = new Uint8Array(bytes);
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5;
    data[i] = x & 0xff;
  }
  return {
    modelTopology: {node: [{name: 'w', op: 'Const'}], seed},
    format: 'graph-model', generatedBy: 'browser-opfs.mjs', convertedBy: null,
    weightSpecs: [{name: 'w', shape: [bytes / 4], dtype: 'float32'}],
    weightData: data.buffer,
  };
}

/** The folder of a model path, as the package names it. */
const folderName = path => [...new TextEncoder().encode(path)]
  .map(b => (/[A-Za-z0-9_-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`))
  .join('');

async function modelDir(path) {
  const root = await navigator.storage.getDirectory();
  const models = await root.getDirectoryHandle(ROOT);
  return models.getDirectoryHandle(folderName(path));
}

/** The names in a model's folder, sorted; null when it has no folder. */
async function files(path) {
  try {
    const names = [];
    for await (const name of (await modelDir(path)).keys()) names.push(name);
    return names.sort();
  } catch (e) {
    if (e.name === 'NotFoundError') return null;
    throw e;
  }
}

/** Problems with `loaded` as a copy of `saved`. */
function differences(saved, loaded) {
  const problems = [];
  if (JSON.stringify(loaded.modelTopology) !== JSON.stringify(saved.modelTopology)) problems.push('topology');
  if (JSON.stringify(loaded.weightSpecs) !== JSON.stringify(saved.weightSpecs)) problems.push('specs');
  if (loaded.format !== saved.format || loaded.generatedBy !== saved.generatedBy) problems.push('metadata');
  if ('modelArtifactsInfo' in loaded) problems.push('the stored info leaked into the artifacts');
  if (!sameBytes(joinParts(loaded.weightData), saved.weightData)) problems.push('weight bytes');
  return problems;
}

async function streamed(artifacts) {
  const reader = artifacts.getWeightStream().getReader();
  const parts = [];
  for (;;) {
    const {done, value} = await reader.read();
    if (done) return joinParts(parts);
    parts.push(value);
  }
}

export async function clear() {
  const root = await navigator.storage.getDirectory();
  await root.removeEntry(ROOT, {recursive: true}).catch(() => {});
  indexedDB.deleteDatabase('tensorflowjs');
}

/** Save and load: through the handler, the router and a weight stream. */
export async function roundTrip(ma) {
  usePackage(ma);
  const a = artifacts(10 * MiB + 12);
  const events = [];
  const saved = await ma.browserOPFS('rt/a model').save(a);
  const byHandler = await ma.browserOPFS('opfs://rt/a model').load();
  const byRouter = await ma.load('opfs://rt/a model', {onProgress: (f, d) => events.push([f, d?.loadedBytes])});
  const stream = await ma.load('opfs://rt/a model', {streamWeights: true});
  return {
    info: saved.modelArtifactsInfo,
    problems: [
      ...differences(a, byHandler).map(p => `handler: ${p}`),
      ...differences(a, byRouter).map(p => `router: ${p}`),
      ...(sameBytes(await streamed(stream), a.weightData) ? [] : ['stream: weight bytes']),
    ],
    shards: Array.isArray(byHandler.weightData) ? byHandler.weightData.length : 1,
    lastProgress: events.at(-1),
    files: await files('rt/a model'),
  };
}

/** Models without weight bytes: empty weights, and a topology alone. */
export async function noWeights(ma) {
  usePackage(ma);
  const empty = {modelTopology: {node: []}, weightSpecs: [], weightData: new ArrayBuffer(0)};
  const bare = {modelTopology: {node: [{name: 'x'}]}, format: 'graph-model'};
  await ma.save(empty, 'opfs://nw/empty');
  await ma.save(bare, 'opfs://nw/bare');
  const [a, b] = [await ma.load('opfs://nw/empty'), await ma.load('opfs://nw/bare')];
  const size = x => (x.weightData === undefined ? null : joinParts(x.weightData).byteLength);
  return {
    empty: {topology: JSON.stringify(a.modelTopology) === JSON.stringify(empty.modelTopology), specs: a.weightSpecs, bytes: size(a)},
    bare: {topology: JSON.stringify(b.modelTopology) === JSON.stringify(bare.modelTopology), bytes: size(b)},
    files: [await files('nw/empty'), await files('nw/bare')],
  };
}

/** A second save replaces the first: its files only, the old ones gone. */
export async function replace(ma) {
  usePackage(ma);
  await ma.browserOPFS('rp/m').save(artifacts(5 * MiB, 1));
  const first = await files('rp/m');
  const b = artifacts(MiB, 2);
  await ma.save(b, 'opfs://rp/m');
  const second = await files('rp/m');
  return {first, second, problems: differences(b, await ma.load('opfs://rp/m'))};
}

export async function listAndRemove(ma) {
  usePackage(ma);
  await ma.browserOPFS('lr/one').save(artifacts(MiB, 3));
  await ma.browserOPFS('lr/two').save(artifacts(4, 4));
  const listed = await ma.listModels();
  const removed = await ma.removeModel('opfs://lr/one');
  return {
    listed: Object.fromEntries(Object.entries(listed).filter(([k]) => k.startsWith('opfs://lr/'))
      .map(([k, v]) => [k, {bytes: v.weightDataBytes, date: v.dateSaved instanceof Date}])),
    removed: {bytes: removed.weightDataBytes, date: removed.dateSaved instanceof Date},
    after: Object.keys(await ma.listModels()).filter(k => k.startsWith('opfs://lr/')),
    folder: await files('lr/one'),
    loadRemoved: await rejection(ma.load('opfs://lr/one')),
    removeAgain: await rejection(ma.removeModel('opfs://lr/one')),
    never: await rejection(ma.browserOPFS('lr/never').load()),
  };
}

/** copyModel IndexedDB -> OPFS and moveModel OPFS -> IndexedDB. */
export async function copyAndMove(ma) {
  usePackage(ma);
  const a = artifacts(6 * MiB, 5);
  await ma.save(a, 'indexeddb://cm/src');
  await ma.copyModel('indexeddb://cm/src', 'opfs://cm/copy');
  const copied = differences(a, await ma.load('opfs://cm/copy'));
  await ma.moveModel('opfs://cm/copy', 'indexeddb://cm/moved');
  return {
    copied,
    moved: differences(a, await ma.load('indexeddb://cm/moved')),
    sourceGone: await rejection(ma.load('opfs://cm/copy')),
    same: await rejection(ma.copyModel('opfs://cm/x', 'opfs://cm/x')),
  };
}

/** A save aborted after its first file leaves the model before it whole,
 * and none of its own files. */
export async function interrupted(ma) {
  usePackage(ma);
  const a = artifacts(MiB, 6);
  await ma.browserOPFS('ab/m').save(a);
  const before = await files('ab/m');
  const controller = new AbortController();
  const onProgress = fraction => { if (fraction > 0) controller.abort(new Error('stop')); };
  const error = await rejection(ma.browserOPFS('ab/m', {signal: controller.signal, onProgress}).save(artifacts(9 * MiB, 7)));
  return {error, before, after: await files('ab/m'), problems: differences(a, await ma.load('opfs://ab/m'))};
}

/** Files changed behind the package's back: a short shard, a missing one,
 * a model.json that is not JSON. */
export async function tampered(ma) {
  usePackage(ma);
  await ma.browserOPFS('tm/m').save(artifacts(5 * MiB, 8));
  const dir = await modelDir('tm/m');
  const shard = (await files('tm/m')).find(n => n.endsWith('.bin'));
  const w = await (await dir.getFileHandle(shard)).createWritable();
  await w.write(new Uint8Array(100));
  await w.close();
  const short = await rejection(ma.load('opfs://tm/m'));
  const shortStream = await rejection(ma.load('opfs://tm/m', {streamWeights: true}));
  await dir.removeEntry(shard);
  const missing = await rejection(ma.load('opfs://tm/m'));
  const j = await (await dir.getFileHandle('model.json')).createWritable();
  await j.write('{"modelTopology": ');
  await j.close();
  return {short, shortStream, missing, notJson: await rejection(ma.load('opfs://tm/m'))};
}

/** Files of saves that never committed: an hour-old one goes with the next
 * save, a fresh one (another tab's save in progress) stays. */
export async function leftovers(ma) {
  usePackage(ma);
  await ma.browserOPFS('lo/m').save(artifacts(4, 9));
  const dir = await modelDir('lo/m');
  const old = `${(Date.now() - 2 * 3600_000).toString(36)}-abc.group1-shard1of1.bin`;
  const fresh = `${Date.now().toString(36)}-def.group1-shard1of1.bin`;
  for (const name of [old, fresh]) {
    const w = await (await dir.getFileHandle(name, {create: true})).createWritable();
    await w.write(new Uint8Array(8));
    await w.close();
  }
  await ma.browserOPFS('lo/m').save(artifacts(8, 10));
  const names = await files('lo/m');
  return {oldKept: names.includes(old), freshKept: names.includes(fresh), count: names.length};
}

/** A save past the origin's small quota: E_QUOTA_EXCEEDED, the model
 * before kept. */
export async function overQuota(ma, bytes) {
  usePackage(ma);
  const a = artifacts(4, 11);
  await ma.browserOPFS('q/m').save(a);
  const error = await rejection(ma.browserOPFS('q/m').save(artifacts(bytes, 12)));
  return {error, problems: differences(a, await ma.load('opfs://q/m')), files: await files('q/m')};
}

/** A dedicated worker saves, loads, streams, lists and removes; the page
 * then loads the model the worker kept. */
export async function workerRoundTrip(ma) {
  usePackage(ma);
  const a = artifacts(5 * MiB, 13);
  const worker = new Worker('/tests/js/support/browser-opfs-worker.mjs', {type: 'module'});
  try {
    const r = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the worker timed out')), 60_000);
      worker.onmessage = e => {
        if (e.data?.ready) return worker.postMessage({artifacts: a});
        clearTimeout(timer);
        resolve(e.data);
      };
      worker.onerror = e => { clearTimeout(timer); reject(new Error(`worker: ${e.message}`)); };
    });
    return {...r, pageProblems: differences(a, await ma.load('opfs://wk/kept'))};
  } finally {
    worker.terminate();
  }
}


/** Saves of weights that exist only as a stream: a user's stream, then
 * streams that end short, run on forever, or fail; every failure leaves the
 * model before whole and no files behind. */
export async function streamedSaves(ma) {
  usePackage(ma);
  const a = artifacts(9 * MiB + 8, 14);
  const events = [];
  const saved = await ma.browserOPFS('st/m', {onProgress: (f, d) => events.push([f, d.loadedBytes])}).save(streamOnly(a));
  const kept = await files('st/m');
  const b = artifacts(5 * MiB, 15);
  const endless = {}, short = {};
  const failures = {
    short: await rejection(ma.save(streamOnly(b, {extra: -3, log: short}), 'opfs://st/m')),
    long: await rejection(ma.save(streamOnly(b, {extra: 5}), 'opfs://st/m')),
    endless: await rejection(ma.save(streamOnly(b, {endless: true, log: endless}), 'opfs://st/m')),
    failing: await rejection(ma.save(streamOnly(b, {fail: true}), 'opfs://st/m')),
  };
  return {
    info: saved.modelArtifactsInfo,
    lastProgress: events.at(-1),
    monotonic: events.every((e, i) => i === 0 || e[0] >= events[i - 1][0]),
    kept,
    failures,
    endless,
    afterFailures: await files('st/m'),
    problems: differences(a, await ma.load('opfs://st/m')),
  };
}

/** copyModel into OPFS streams from http and from IndexedDB's chunked
 * layout; moveModel from OPFS to OPFS reads both back; a model loaded with
 * streamWeights saves as it is. */
export async function streamedCopies(ma, url) {
  usePackage(ma);
  const fromHttp = await ma.load(url);
  await ma.copyModel(url, 'opfs://sc/http');
  const a = artifacts(7 * MiB + 4, 16);
  await ma.browserIndexedDB('sc/idb', {chunkThreshold: 0, chunkSize: MiB}).save(a);
  await ma.copyModel('indexeddb://sc/idb', 'opfs://sc/idb');
  await ma.moveModel('opfs://sc/idb', 'opfs://sc/moved');
  await ma.save(await ma.load(url, {streamWeights: true}), 'opfs://sc/loaded');
  const http = await ma.load('opfs://sc/http');
  const loaded = await ma.load('opfs://sc/loaded');
  return {
    http: [...differences(fromHttp, http), ...(http.modelTopology ? [] : ['no topology'])],
    loaded: differences(fromHttp, loaded),
    moved: differences(a, await ma.load('opfs://sc/moved')),
    sourceGone: await rejection(ma.load('opfs://sc/idb')),
    idbKept: differences(a, await ma.load('indexeddb://sc/idb')),
  };
}

/** Where the engine has no OPFS: typed errors, and listModels still lists. */
export async function unavailable(ma) {
  usePackage(ma);
  return {
    save: await rejection(ma.browserOPFS('na/m').save(artifacts(4))),
    load: await rejection(ma.browserOPFS('na/m').load()),
    router: await rejection(ma.load('opfs://na/m')),
    list: await rejection(ma.listModels()),
  };
}
