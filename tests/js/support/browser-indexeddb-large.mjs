// Page (and worker) side of tests/js/indexeddb-large-browser.test.mjs:
// chunked IndexedDB saves (database `model-artifacts`, stores `models` and
// `chunks`, chunk keys [modelPath, saveId, index]) in each real engine. Models
// are generated from a seed (xorshift32: incompressible, so quotas are
// really met, and reproducible in any page or worker of the test). Each
// exported function returns plain data (problems as strings) for the Node
// side to assert on. Raw IndexedDB reads here never create a database the
// package has not created (an empty v1 database would lack its stores).

import {joinParts, sameBytes, streamOnly} from './page-helpers.mjs';

export const KiB = 1 << 10;
export const MiB = 1 << 20;

const errInfo = e => ({name: e?.name, code: e?.code, message: String(e?.message ?? e),
  needed: e?.needed, available: e?.available, isClass: null});
async function outcome(p, ma) {
  try {
    await p;
    return {ok: true};
  } catch (e) {
    return {ok: false, error: {...errInfo(e), isClass: !!ma && e instanceof ma.ModelArtifactsError}};
  }
}
const kind = v => Object.prototype.toString.call(v);

// ------------------------------------------------------------------ models

/** `n` reproducible random bytes for `seed`. */
export function randomBytes(seed, n) {
  const out = new Uint8Array(n);
  const words = new Uint32Array(out.buffer, 0, n >>> 2);
  let x = (Math.imul(seed + 1, 2654435761) >>> 0) || 1;
  for (let i = 0; i < words.length; i++) {
    x = (x ^ (x << 13)) >>> 0;
    x = (x ^ (x >>> 17)) >>> 0;
    x = (x ^ (x << 5)) >>> 0;
    words[i] = x;
  }
  for (let i = words.length * 4; i < n; i++) out[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return out;
}

/**
 * Model `seed` with `bytes` (a multiple of 4, >= 64) of weights: an int32
 * kernel of random bytes and a float32 bias of 16 finite values. `cuts`
 * split weightData into ArrayBuffer shards at those byte offsets (else one
 * ArrayBuffer).
 */
export function makeModel(seed, bytes, cuts = []) {
  const data = randomBytes(seed, bytes);
  const bias = new Float32Array(data.buffer, bytes - 64, 16);
  for (let i = 0; i < 16; i++) bias[i] = seed + i / 8 - 1;
  const bounds = [0, ...cuts, bytes];
  const weightData = cuts.length ? bounds.slice(1).map((end, i) => data.slice(bounds[i], end).buffer) : data.buffer;
  return {
    modelTopology: {class_name: 'Sequential', config: {name: `model-${seed}`, layers: []}, keras_version: '2.15.0', backend: 'tensor_flow.js'},
    format: 'layers-model',
    generatedBy: 'indexeddb-large test',
    convertedBy: null,
    weightSpecs: [
      {name: `m${seed}/kernel`, dtype: 'int32', shape: [(bytes - 64) / 4]},
      {name: `m${seed}/bias`, dtype: 'float32', shape: [16]},
    ],
    weightData,
  };
}
/** The seed of a model made by makeModel, from its topology. */
const seedOf = artifacts => Number(/^model-(\d+)$/.exec(artifacts?.modelTopology?.config?.name ?? '')?.[1] ?? NaN);

async function readStream(stream) {
  const reader = stream.getReader();
  const parts = [];
  for (;;) {
    const {done, value} = await reader.read();
    if (done) return joinParts(parts);
    parts.push(value);
  }
}

/** Problems of loaded artifacts against model `seed` of `bytes`. */
export async function modelProblems(loaded, seed, bytes, label) {
  const want = makeModel(seed, bytes);
  const problems = [];
  if (JSON.stringify(loaded.modelTopology) !== JSON.stringify(want.modelTopology)) problems.push(`${label}: modelTopology differs`);
  if (JSON.stringify(loaded.weightSpecs) !== JSON.stringify(want.weightSpecs)) problems.push(`${label}: weightSpecs differ`);
  for (const k of ['format', 'generatedBy', 'convertedBy']) {
    if (loaded[k] !== want[k]) problems.push(`${label}: ${k} ${loaded[k]} != ${want[k]}`);
  }
  let got;
  if (loaded.weightData !== undefined) got = joinParts(loaded.weightData);
  else if (typeof loaded.getWeightStream === 'function') got = await readStream(loaded.getWeightStream());
  else return [...problems, `${label}: neither weightData nor getWeightStream`];
  if (!sameBytes(got, want.weightData)) problems.push(`${label}: weight bytes differ (${got.byteLength} loaded, ${bytes} saved)`);
  return problems;
}

/**
 * Which of the candidate models ({seed, bytes}) `path` loads, and whether
 * whole: {seed, whole, problems} or {error}.
 */
export async function loadWhich(ma, path, candidates) {
  let loaded;
  try {
    loaded = await ma.browserIndexedDB(`indexeddb://${path}`).load();
  } catch (e) {
    return {error: errInfo(e)};
  }
  const seed = seedOf(loaded);
  const c = candidates.find(m => m.seed === seed);
  if (!c) return {seed, whole: false, problems: [`loaded a model that is none of the candidates (${seed})`]};
  const problems = await modelProblems(loaded, c.seed, c.bytes, `model ${seed}`);
  return {seed, whole: problems.length === 0, problems};
}

// ------------------------------------------------------------- raw storage

const OWN = ['model-artifacts', {models: 'modelPath', chunks: null}];
const TFJS = ['tensorflowjs', {models_store: 'modelPath', model_info_store: 'modelPath'}];
function req(r) {
  return new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
}
/** Opens a database at v1; creates it with the stores the package gives it
 * if `create`, else resolves null when it does not exist. */
async function openRaw([name, stores], create) {
  const r = indexedDB.open(name, 1);
  r.onupgradeneeded = () => {
    if (!create) { r.transaction.abort(); return; }
    for (const [s, keyPath] of Object.entries(stores)) r.result.createObjectStore(s, keyPath ? {keyPath} : undefined);
  };
  try {
    return await req(r);
  } catch (e) {
    if (!create && e?.name === 'AbortError') return null;
    throw e;
  }
}
async function withTx(spec, mode, create, work) {
  const db = await openRaw(spec, create);
  if (!db) return undefined;
  try {
    const tx = db.transaction(Object.keys(spec[1]), mode);
    const done = new Promise((resolve, reject) => { tx.oncomplete = resolve; tx.onabort = () => reject(tx.error); });
    const result = await work(...Object.keys(spec[1]).map(n => tx.objectStore(n)));
    await done;
    return result;
  } finally {
    db.close();
  }
}
const pathRange = path => IDBKeyRange.bound([path], [path, []], true, true);

/** {saveId: number of chunk records} at `path` in `model-artifacts`. */
export async function chunkCounts(path) {
  const keys = await withTx(OWN, 'readonly', false, (models, chunks) => req(chunks.getAllKeys(pathRange(path)))) ?? [];
  const out = {};
  for (const [, id] of keys) out[id] = (out[id] ?? 0) + 1;
  return out;
}
/** The `models` record at `path` in `model-artifacts` (without artifacts). */
export async function ownRecord(path) {
  const r = await withTx(OWN, 'readonly', false, models => req(models.get(path)));
  if (!r) return null;
  return {saveId: r.saveId, chunks: r.chunks, weightDataBytes: r.modelArtifactsInfo?.weightDataBytes,
    hasWeightData: 'weightData' in (r.modelArtifacts ?? {})};
}
/** Whether tfjs's database holds records at `path`. */
export async function tfjsRecord(path) {
  const r = await withTx(TFJS, 'readonly', false, (m, i) => Promise.all([req(m.get(path)), req(i.get(path))]));
  return {hasModel: !!r?.[0], hasInfo: !!r?.[1]};
}
/** Everything stored at `path`, both layouts. */
export async function raw(path) {
  return {own: await ownRecord(path), chunks: await chunkCounts(path), tfjs: await tfjsRecord(path)};
}
/** Writes chunk records directly, as an interrupted save leaves them. */
export async function writeLeftovers(path, saveId, count, size = 1000) {
  await withTx(OWN, 'readwrite', true, (models, chunks) => {
    for (let i = 0; i < count; i++) chunks.put(randomBytes(i, size).buffer, [path, saveId, i]);
  });
  return chunkCounts(path);
}

/**
 * Holds a readwrite transaction over every store of a database until
 * release() (kept alive by a chain of requests), so that transactions
 * created after it wait. With `until`, first retries (one transaction at a
 * time) until `until(stores)` resolves truthy inside the transaction, then
 * holds that same one. Resolves once the hold is in place with
 * {value, release}.
 */
async function hold(spec, until) {
  const db = await openRaw(spec, true);
  const names = Object.keys(spec[1]);
  for (;;) {
    const tx = db.transaction(names, 'readwrite');
    const stores = names.map(n => tx.objectStore(n));
    const finished = new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onabort = () => reject(tx.error);
    });
    const value = until ? await until(...stores) : await req(stores[0].count()).then(() => true);
    if (!value) {
      await finished;
      await new Promise(r => setTimeout(r, 2));
      continue;
    }
    let released = false;
    const spin = () => { if (!released) stores[0].count().onsuccess = spin; };
    spin();
    return {value, release: async () => { released = true; await finished; db.close(); }};
  }
}
/** Holds `model-artifacts` once `path` has >= `min` chunks of saves other
 * than `oldSaveId` (or another save committed there). */
export async function holdOwnWhenChunks(path, min, oldSaveId) {
  const h = await hold(OWN, async (models, chunks) => {
    const [record, keys] = await Promise.all([req(models.get(path)), req(chunks.getAllKeys(pathRange(path)))]);
    const fresh = keys.filter(k => k[1] !== oldSaveId).length;
    return fresh >= min || record?.saveId !== oldSaveId ? {fresh, committedSaveId: record?.saveId ?? null} : null;
  });
  globalThis.__hold = h;
  return h.value;
}
export async function releaseHold() {
  await globalThis.__hold.release();
  globalThis.__hold = null;
  return true;
}

/**
 * Calls `onPut(store, value, key, tx)` after every put / delete on an object
 * store in this realm (observing what the package really does, not
 * changing it), until restore().
 */
function observeStores(onPut, onDelete = () => {}, realms = [globalThis]) {
  const restores = realms.map(realm => {
    const P = realm.IDBObjectStore.prototype;
    const put = P.put, del = P.delete;
    P.put = function (value, key) {
      const r = key === undefined ? put.call(this, value) : put.call(this, value, key);
      onPut(this.name, value, key, this.transaction);
      return r;
    };
    P.delete = function (key) {
      const r = del.call(this, key);
      onDelete(this.name, key, this.transaction);
      return r;
    };
    return () => { P.put = put; P.delete = del; };
  });
  return () => restores.forEach(restore => restore());
}

/** The package, and this module, in a second realm (a same-origin iframe of
 * the test page): its own instance and call-order queue, as another tab has.
 * Within one realm, two saves of one model run in call order, so the forced
 * interleavings below put the second save here, as a second tab would. */
let secondTab = null;
function otherTab() {
  secondTab ??= (async () => {
    const frame = document.createElement('iframe');
    frame.src = '/test.html';
    await new Promise((resolve, reject) => {
      frame.onload = resolve;
      frame.onerror = () => reject(new Error('the second tab (iframe) did not load'));
      document.body.append(frame);
    });
    const realm = frame.contentWindow;
    const [ma, support] = await Promise.all([realm.eval("import('model-artifacts')"), realm.eval(`import(${JSON.stringify(import.meta.url)})`)]);
    // WebKitGTK once handed out the namespace before the iframe's start-up
    // (index.browser.js's top-level await) had finished: wait for it here.
    await ma.init();
    return {realm, ma, support};
  })();
  return secondTab;
}
const until = (check, what, ms = 10_000) => new Promise((resolve, reject) => {
  const t0 = performance.now();
  const poll = () => {
    if (check()) return resolve();
    if (performance.now() - t0 > ms) return reject(new Error(`timed out waiting for ${what}`));
    setTimeout(poll, 1);
  };
  poll();
});

const handler = (ma, path, options) => ma.browserIndexedDB(`indexeddb://${path}`, options);

// ------------------------------------------------------------------ cases

/** Saves model `seed` at `path`; resolves to the save's info and what is stored. */
export async function saveModel(ma, path, seed, bytes, options = {}, cuts = []) {
  const saved = await handler(ma, path, options).save(makeModel(seed, bytes, cuts));
  return {info: saved.modelArtifactsInfo, raw: await raw(path)};
}
/** Makes model `seed` and readies its save at `path`; fire() starts it,
 * background() resolves to how it ended. */
export function armSave(ma, path, seed, bytes, options = {}) {
  const model = makeModel(seed, bytes);
  globalThis.__armed = () => outcome(handler(ma, path, options).save(model), ma);
  return true;
}
export function fire() {
  globalThis.__background = globalThis.__armed();
  return true;
}
export function background() {
  return globalThis.__background;
}

// 1. A chunked save, loaded as buffers, as a stream and through the router.
export async function chunkedRoundTrip(ma, path, seed, bytes, cuts, options) {
  const problems = [];
  const artifacts = makeModel(seed, bytes, cuts);
  const shards = artifacts.weightData;
  const saved = await handler(ma, path, options).save(artifacts);
  const bounds = [0, ...cuts, bytes];
  const lengths = Array.isArray(shards) ? shards.map(s => s.byteLength) : [shards.byteLength];
  if (artifacts.weightData !== shards || lengths.some((n, i) => n !== bounds[i + 1] - bounds[i])) {
    problems.push('save changed the caller\'s weightData');
  }
  const stored = await raw(path);

  const loaded = await handler(ma, path).load();
  const weightDataKind = kind(loaded.weightData);
  const bufferKinds = Array.isArray(loaded.weightData) ? [...new Set(loaded.weightData.map(kind))] : null;
  problems.push(...await modelProblems(loaded, seed, bytes, 'load()'));
  // decodeWeights over the loaded buffers equals decodeWeights of the original.
  const want = ma.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
  const got = ma.decodeWeights(loaded.weightData, loaded.weightSpecs);
  for (const [name, w] of Object.entries(want)) {
    if (!got[name] || got[name].dtype !== w.dtype || JSON.stringify(got[name].shape) !== JSON.stringify(w.shape) || !sameBytes(got[name].data, w.data)) {
      problems.push(`decodeWeights of load(): ${name} differs`);
    }
  }

  const streamed = await handler(ma, path, {streamWeights: true}).load();
  const streamShape = {hasWeightData: streamed.weightData !== undefined, getWeightStream: typeof streamed.getWeightStream};
  problems.push(...await modelProblems(streamed, seed, bytes, 'streamWeights'));
  const fromStream = await ma.decodeWeightsStream(streamed.getWeightStream(), streamed.weightSpecs);
  for (const [name, w] of Object.entries(want)) {
    if (!fromStream[name] || !sameBytes(fromStream[name].data, w.data)) problems.push(`decodeWeightsStream: ${name} differs`);
  }
  if (Object.keys(fromStream).length !== Object.keys(want).length) problems.push('decodeWeightsStream: other weights');

  problems.push(...await modelProblems(await ma.load(`indexeddb://${path}`), seed, bytes, 'ma.load(indexeddb://)'));
  problems.push(...await modelProblems(await ma.load(`indexeddb://${path}`, {streamWeights: true}), seed, bytes, 'ma.load(streamWeights)'));
  return {problems, info: saved.modelArtifactsInfo, raw: stored, weightDataKind, bufferKinds, streamShape};
}

// 1b. A small model through ma.save with the default threshold, and listModels.
export async function smallViaRouterAndList(ma, path, seed, bytes, chunkedPath) {
  const saved = await ma.save(makeModel(seed, bytes), `indexeddb://${path}`);
  const problems = await modelProblems(await ma.load(`indexeddb://${path}`), seed, bytes, 'small via router');
  const list = await ma.listModels();
  const pick = info => info && {weightDataBytes: info.weightDataBytes, weightSpecsBytes: info.weightSpecsBytes,
    modelTopologyType: info.modelTopologyType, dateSaved: info.dateSaved instanceof Date};
  return {problems, info: saved.modelArtifactsInfo, raw: await raw(path),
    listed: {[path]: pick(list[`indexeddb://${path}`]), [chunkedPath]: pick(list[`indexeddb://${chunkedPath}`])},
    listKeys: Object.keys(list).sort()};
}

// 2. Layout switches at one path.
export async function layoutSwitch(ma, path, opts) {
  const steps = [];
  const candidates = [{seed: 21, bytes: 3 * MiB}, {seed: 22, bytes: 64 * KiB}, {seed: 23, bytes: 2 * MiB + 4}];
  await handler(ma, path, opts).save(makeModel(21, 3 * MiB));
  steps.push({step: 'chunked', raw: await raw(path), load: await loadWhich(ma, path, candidates)});
  await handler(ma, path).save(makeModel(22, 64 * KiB));
  steps.push({step: 'then small', raw: await raw(path), load: await loadWhich(ma, path, candidates),
    listed: (await ma.listModels())[`indexeddb://${path}`]?.weightDataBytes});
  await handler(ma, path, opts).save(makeModel(23, 2 * MiB + 4));
  steps.push({step: 'then chunked', raw: await raw(path), load: await loadWhich(ma, path, candidates),
    listed: (await ma.listModels())[`indexeddb://${path}`]?.weightDataBytes});
  return steps;
}

// 2b. removeModel of a chunked model, of leftovers only; a save cleans leftovers.
export async function removals(ma, path, opts) {
  const out = {};
  await handler(ma, path, opts).save(makeModel(31, 2 * MiB));
  out.before = await raw(path);
  const removed = await ma.removeModel(`indexeddb://${path}`);
  out.removedBytes = removed?.weightDataBytes;
  out.after = await raw(path);
  out.loadAfter = (await loadWhich(ma, path, [])).error ?? 'loaded';
  out.listedAfter = `indexeddb://${path}` in await ma.listModels();

  // Only leftovers of an interrupted save; at neighbour paths, those of a
  // save that may still be running (its id starts with the time it began)
  // and those of one that began long ago (its tab closed mid-save).
  out.leftovers = await writeLeftovers(path, 'x', 3);
  out.freshId = `${Date.now().toString(36)}-fresh`;
  out.neighbour = await writeLeftovers(`${path}x`, out.freshId, 2);
  out.staleNeighbour = await writeLeftovers(`${path}s`, `${(Date.now() - 2 * 3600e3).toString(36)}-stale`, 2);
  out.removeLeftovers = await outcome(ma.removeModel(`indexeddb://${path}`), ma);
  out.afterRemoveLeftovers = await chunkCounts(path);
  out.neighbourAfter = await chunkCounts(`${path}x`);
  out.staleNeighbourAfter = await chunkCounts(`${path}s`);

  // A later chunked save at the path removes leftovers; so does a small one.
  await writeLeftovers(path, 'y', 4);
  await handler(ma, path, opts).save(makeModel(32, 2 * MiB));
  out.afterChunkedSave = await raw(path);
  await writeLeftovers(path, 'z', 2);
  await handler(ma, path).save(makeModel(33, 4 * KiB));
  out.afterSmallSave = await raw(path);
  out.loadSmall = await loadWhich(ma, path, [{seed: 33, bytes: 4 * KiB}]);
  await ma.removeModel(`indexeddb://${path}`);
  await ma.removeModel(`indexeddb://${path}x`).catch(() => {});
  out.neighbourCleaned = await chunkCounts(`${path}x`);
  return out;
}

// 3. Quota (the Node side has lowered this origin's quota over CDP).
export async function quota(ma, path, chunkedPath) {
  const out = {};
  out.estimateBefore = await ma.storageEstimate();
  await handler(ma, path).save(makeModel(41, 128 * KiB));
  await handler(ma, chunkedPath, {chunkThreshold: 32 * KiB, chunkSize: 64 * KiB}).save(makeModel(42, 128 * KiB));
  out.small = await raw(path);
  out.smallChunked = await raw(chunkedPath);
  const big = () => makeModel(43, 16 * MiB);
  const candidates = [{seed: 41, bytes: 128 * KiB}, {seed: 42, bytes: 128 * KiB}, {seed: 43, bytes: 16 * MiB}];
  out.cases = {};
  for (const [label, p, options] of [
    ['tfjs layout', path, {}],
    ['chunked over a tfjs-layout model', path, {chunkThreshold: MiB, chunkSize: 256 * KiB}],
    ['chunked over a chunked model', chunkedPath, {chunkThreshold: MiB, chunkSize: 256 * KiB}],
  ]) {
    const chunkPuts = new Set();
    const restore = observeStores((store, v, key) => { if (store === 'chunks' && key?.[0] === p) chunkPuts.add(key[1]); });
    let result;
    try {
      result = await outcome(handler(ma, p, options).save(big()), ma);
    } finally {
      restore();
    }
    out.cases[label] = {result, triedChunkSaves: chunkPuts.size, raw: await raw(p), load: await loadWhich(ma, p, candidates)};
  }
  out.estimate = await ma.storageEstimate();
  out.persist = await ma.requestPersistentStorage();
  return out;
}

// 4. Aborts: before the save, between chunk transactions, inside one, and
// inside the tfjs-layout transaction.
export async function aborts(ma, path, tfjsPath) {
  const out = {};
  const opts = {chunkThreshold: MiB, chunkSize: MiB};
  const m1 = {seed: 51, bytes: 2 * MiB};
  await handler(ma, path, opts).save(makeModel(m1.seed, m1.bytes));
  await handler(ma, tfjsPath).save(makeModel(52, 64 * KiB));
  out.before = await raw(path);
  const candidates = [m1, {seed: 52, bytes: 64 * KiB}, {seed: 53, bytes: 32 * MiB}, {seed: 54, bytes: 4 * MiB}];
  const after = async p => ({raw: await raw(p), load: await loadWhich(ma, p, candidates)});

  // Already aborted: chunked and tfjs layout.
  for (const [label, p, options] of [['aborted before, chunked', path, opts], ['aborted before, tfjs layout', tfjsPath, {}]]) {
    const ac = new AbortController();
    ac.abort(new Error('stop'));
    let puts = 0;
    const restore = observeStores((store, v, key) => { if ((key?.[0] ?? v?.modelPath) === p) puts++; });
    try {
      out[label] = {result: await outcome(handler(ma, p, {...options, signal: ac.signal}).save(makeModel(54, 4 * MiB)), ma)};
    } finally {
      restore();
    }
    Object.assign(out[label], {puts}, await after(p));
  }

  // Aborted once the first chunk transaction has committed (before the next).
  // And aborted inside the third chunk transaction, while it is running.
  for (const [label, when] of [['aborted after the first chunk transaction', 'complete'], ['aborted inside a chunk transaction', 'put']]) {
    const ac = new AbortController();
    const seen = new Set();
    let abortedAt = null;
    const restore = observeStores((store, v, key, tx) => {
      if (store !== 'chunks' || key?.[0] !== path || key[1] === out.before.own.saveId) return;
      seen.add(key[2]);
      if (when === 'complete' && key[2] === 0) {
        // Ahead of the package's own oncomplete (set before its first put),
        // so the abort lands between the two transactions: once that handler
        // runs, the next transaction starts at once on the cached connection.
        const ours = tx.oncomplete;
        tx.oncomplete = function (event) {
          abortedAt = seen.size;
          ac.abort(new Error('stop'));
          return ours?.call(this, event);
        };
      }
      if (when === 'put' && key[2] === 2 && abortedAt === null) { abortedAt = seen.size; ac.abort(new Error('stop')); }
    });
    try {
      out[label] = {result: await outcome(handler(ma, path, {...opts, signal: ac.signal}).save(makeModel(53, 32 * MiB)), ma)};
    } finally {
      restore();
    }
    Object.assign(out[label], {abortedAt, chunksPut: seen.size}, await after(path));
  }

  // Aborted inside the tfjs-layout transaction.
  {
    const ac = new AbortController();
    const restore = observeStores((store, v) => { if (store === 'models_store' && v?.modelPath === tfjsPath) ac.abort(new Error('stop')); });
    try {
      out['aborted inside the tfjs-layout transaction'] = {result: await outcome(handler(ma, tfjsPath, {signal: ac.signal}).save(makeModel(54, 4 * MiB)), ma)};
    } finally {
      restore();
    }
    Object.assign(out['aborted inside the tfjs-layout transaction'], await after(tfjsPath));
  }

  // A timer abort: whichever way it lands, one model whole, no stray chunks.
  {
    const ac = new AbortController();
    const p = handler(ma, path, {...opts, signal: ac.signal}).save(makeModel(53, 32 * MiB));
    setTimeout(() => ac.abort(new Error('stop')), 5);
    out['aborted by a timer'] = {result: await outcome(p, ma), ...await after(path)};
  }
  return out;
}

// 6. Races in one page with a forced interleaving.
// (a) A chunked save that loses: X (one chunk) commits while Y is between
// chunk transactions; Y must fail without leaving its later chunks.
export async function chunkedLoser(ma, path) {
  const x = {seed: 61, bytes: 128 * KiB}, y = {seed: 62, bytes: 4 * MiB};
  const tab = await otherTab();
  let xSave = null, yId = null;
  const restore = observeStores((store, v, key, tx) => {
    if (store !== 'chunks' || key?.[0] !== path) return;
    if (yId === null) {
      yId = key[1];
      tx.addEventListener('complete', () => {
        const xOptions = {chunkThreshold: 64 * KiB, chunkSize: 256 * KiB};
        xSave = outcome(handler(tab.ma, path, xOptions).save(tab.support.makeModel(x.seed, x.bytes)), tab.ma);
      });
    }
  });
  let yResult;
  try {
    yResult = await outcome(handler(ma, path, {chunkThreshold: MiB, chunkSize: 64 * KiB}).save(makeModel(y.seed, y.bytes)), ma);
  } finally {
    restore();
  }
  const xResult = await xSave;
  const stored = await raw(path);
  return {xResult, yResult, yId, raw: stored, load: await loadWhich(ma, path, [x, y])};
}

// (b) A chunked save X and a tfjs-layout save Y, interleaved: Y's record
// is written after X's commit but before X removes the tfjs-layout record
// it replaced. Forced by holding tfjs's database while both queue there.
export async function mixedLayouts(ma, path) {
  const x = {seed: 71, bytes: 2 * MiB}, y = {seed: 72, bytes: 64 * KiB};
  const tab = await otherTab();
  const h = await hold(TFJS);
  const log = [];
  const restore = observeStores(
    (store, v, key) => { if ((key?.[0] ?? v?.modelPath) === path) log.push(`put ${store}`); },
    (store, key) => { if (key === path || key?.lower?.[0] === path) log.push(`delete ${store}`); },
    [globalThis, tab.realm]);
  let xSave, ySave;
  try {
    ySave = outcome(handler(ma, path).save(makeModel(y.seed, y.bytes)), ma);
    await until(() => log.includes('put models_store'), "Y's tfjs-layout put");
    const xOptions = {chunkThreshold: MiB, chunkSize: 512 * KiB};
    xSave = outcome(handler(tab.ma, path, xOptions).save(tab.support.makeModel(x.seed, x.bytes)), tab.ma);
    // X has committed while Y's put and X's removal of the older layout
    // both wait on the held tfjs database: Y's put runs first, then X's
    // removal, which must leave Y's newer record alone.
    await until(() => log.includes('put models'), "X's commit");
  } finally {
    await h.release();
  }
  const [xResult, yResult] = await Promise.all([xSave, ySave]);
  restore();
  return {xResult, yResult, log, raw: await raw(path), load: await loadWhich(ma, path, [x, y]), listed: `indexeddb://${path}` in await ma.listModels()};
}

// 7. Workers: dedicated and shared, each a chunked save + load round trip.
export async function workerRoundTrip(kindOfWorker, job) {
  const url = '/tests/js/support/browser-indexeddb-large-worker.mjs';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${kindOfWorker} worker timed out`)), 20_000);
    const finish = (r, w) => { clearTimeout(timer); w?.terminate?.(); resolve(r); };
    if (kindOfWorker === 'dedicated') {
      const w = new Worker(url, {type: 'module', name: 'dedicated'});
      w.onmessage = e => (e.data?.ready ? w.postMessage(job) : finish(e.data, w));
      w.onerror = e => { clearTimeout(timer); reject(new Error(`worker error: ${e.message}`)); };
    } else {
      const w = new SharedWorker(url, {type: 'module', name: `shared-${job.path}`});
      w.port.onmessage = e => (e.data?.ready ? w.port.postMessage(job) : finish(e.data));
      w.onerror = e => { clearTimeout(timer); reject(new Error(`shared worker error: ${e.message}`)); };
      w.port.start();
    }
  });
}
/** The round trip a worker runs (also loadable in the page afterwards). */
export async function workerJob(ma, {path, seed, bytes, chunkThreshold, chunkSize}) {
  const scope = globalThis.constructor?.name;
  const r = await chunkedRoundTrip(ma, path, seed, bytes, [MiB + 4], {chunkThreshold, chunkSize});
  return {scope, hasWindow: typeof window !== 'undefined', ...r};
}

// 7. Streamed saves: weights that exist only as getWeightStream().

/** Model `seed` with its weights only as a stream (see `streamOnly`). */
const streamedModel = (seed, bytes, how) => streamOnly(makeModel(seed, bytes), how);

/** A streamed save into the chunked layout and into tfjs's; then streams
 * that end short, run on, never end or fail, each against the chunked
 * model; then copyModel/moveModel between IndexedDB paths, streamed. */
export async function streamedSaves(ma, path, seed, bytes, options) {
  const events = [];
  const chunked = await handler(ma, path, {...options, onProgress: (f, d) => events.push([f, d.loadedBytes])})
    .save(streamedModel(seed, bytes));
  const problems = await modelProblems(await handler(ma, path).load(), seed, bytes, 'chunked');
  const stored = await raw(path);
  const small = `${path}-small`;
  await handler(ma, small).save(streamedModel(seed, bytes));
  problems.push(...await modelProblems(await handler(ma, small).load(), seed, bytes, 'tfjs layout'));
  const smallRaw = await raw(small);
  const endless = {};
  const failures = {};
  for (const [name, how] of Object.entries({short: {extra: -3}, long: {extra: 5}, endless: {endless: true, log: endless}, failing: {fail: true}})) {
    failures[name] = await outcome(handler(ma, path, options).save(streamedModel(seed + 1, bytes, how)), ma);
  }
  failures.shortSmall = await outcome(handler(ma, small).save(streamedModel(seed + 1, bytes, {extra: -3})), ma);
  const afterFailures = {chunked: await raw(path), small: await raw(small),
    loads: await loadWhich(ma, path, [{seed, bytes}]), smallLoads: await loadWhich(ma, small, [{seed, bytes}])};
  await ma.copyModel(`indexeddb://${path}`, `indexeddb://${path}-copy`);
  await ma.moveModel(`indexeddb://${small}`, `indexeddb://${path}-moved`);
  const copies = {copy: await loadWhich(ma, `${path}-copy`, [{seed, bytes}]),
    moved: await loadWhich(ma, `${path}-moved`, [{seed, bytes}]),
    smallGone: await outcome(handler(ma, small).load(), ma)};
  return {info: chunked.modelArtifactsInfo, lastProgress: events.at(-1),
    monotonic: events.every((e, i) => i === 0 || e[0] >= events[i - 1][0]),
    problems, raw: stored, smallRaw, failures, endless, afterFailures, copies};
}
