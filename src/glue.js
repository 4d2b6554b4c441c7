// The JavaScript side of the wasm bindings, in one module (every inline
// snippet would be a module of its own for the browser to fetch): small
// helpers that are simpler and smaller here than through js-sys, called
// from the Rust files named above each part. Decisions stay in Rust, but
// for the IndexedDB part: its transaction bodies (src/handlers/indexed_db.rs
// says which decide what, and why they are not Rust).

// ---- src/bindings/error.rs (also exported by the package, through pkg/start.js)
export class ModelArtifactsError extends Error {
  constructor(code, message, weight, url, status, path, cause, needed, available) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ModelArtifactsError';
    this.code = code;
    if (weight !== undefined) this.weight = weight;
    if (url !== undefined) this.url = url;
    if (status !== undefined) this.status = status;
    if (path !== undefined) this.path = path;
    if (needed !== undefined) this.needed = needed;
    if (available !== undefined) this.available = available;
  }
}

// ---- src/bindings/js.rs: property access in one crossing each.
export function field(obj, key) {
  if ((typeof obj !== 'object' || obj === null) && typeof obj !== 'function') return undefined;
  try {
    return obj[key];
  } catch {
    return undefined;
  }
}
export function setField(obj, key, value) {
  obj[key] = value;
}

// ---- src/bindings/weights.rs
export function quantParams(specs) {
  const out = new Float64Array(2 * specs.length);
  specs.forEach((spec, i) => {
    const q = spec && spec.quantization;
    out[2 * i] = q && typeof q.scale === 'number' ? q.scale : NaN;
    out[2 * i + 1] = q && typeof q.min === 'number' ? q.min : NaN;
  });
  return out;
}

// ---- src/bindings/weights.rs
const ARRAYS = [Float32Array, Int32Array, Uint8Array];
function entry(out, spec, data) {
  out[spec.name] = { name: spec.name, dtype: spec.dtype, shape: Array.from(spec.shape), data };
}
export function putCopy(out, specs, i, kind, bytes, start, end) {
  entry(out, specs[i], new ARRAYS[kind](bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + end)));
}
export function putWrapped(out, specs, i, kind, bytes) {
  const T = ARRAYS[kind];
  entry(out, specs[i], new T(bytes.buffer, bytes.byteOffset, bytes.byteLength / T.BYTES_PER_ELEMENT));
}
export function putCopyOf(out, specs, i, values) { entry(out, specs[i], values.slice()); }
export function putValue(out, specs, i, data) { entry(out, specs[i], data); }
/** out[name] over string elements: one view each into one copy of their
 * bytes (`bounds`: each element's start and end in `bytes`), so memory is
 * one object per element, not an ArrayBuffer each. */
export function putStrings(out, specs, i, bytes, bounds) {
  const data = new Array(bounds.length / 2);
  for (let k = 0; k < data.length; k++) data[k] = bytes.subarray(bounds[2 * k], bounds[2 * k + 1]);
  entry(out, specs[i], data);
}

// ---- src/handlers/fetch.rs
export function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) return reject(signal.reason);
    const onAbort = () => { clearTimeout(timer); reject(signal.reason); };
    const timer = setTimeout(() => {
      if (signal) signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (signal) signal.addEventListener('abort', onAbort, { once: true });
  });
}
// The init of one request attempt: the caller's, aborted by the caller's
// signal, `signal` (loadOptions.signal) or `stop` (the attempt's own
// controller, for a stall).
export function requestInit(base, signal, stop, rangeStart) {
  const init = Object.assign({}, base);
  const signals = [base && base.signal, signal, stop.signal].filter(Boolean);
  if (signals.length === 1 || typeof AbortSignal.any === 'function') {
    init.signal = signals.length === 1 ? signals[0] : AbortSignal.any(signals);
  } else {
    for (const s of signals) if (s !== stop.signal) s.addEventListener('abort', () => stop.abort(s.reason), { once: true });
    init.signal = stop.signal;
  }
  if (rangeStart > 0) {
    const headers = new Headers(base && base.headers);
    headers.set('Range', `bytes=${rangeStart}-`);
    init.headers = headers;
  }
  return init;
}
export function abortController() { return new AbortController(); }
export function abort(controller) { controller.abort(); }
// A request or body is stalled when less than STALL_BYTES arrive in `ms` of
// waiting for them: a drip of a few bytes is no progress. Only time spent
// waiting counts (a consumer that pauses is no stall). `ms` 0: never.
const STALL_BYTES = 1024;
const STALLED = Symbol('stalled');
export function stallWatch(ms) { return { ms, waited: 0, got: 0 }; }
export function isStalled(e) { return e === STALLED; }
// `promise`, or a rejection with STALLED once the watch runs out first.
export function watched(promise, watch) {
  if (!(watch.ms > 0)) return promise;
  return new Promise((resolve, reject) => {
    const start = Date.now();
    const timer = setTimeout(() => reject(STALLED), Math.max(0, watch.ms - watch.waited));
    const settle = (f) => (v) => { clearTimeout(timer); watch.waited += Date.now() - start; f(v); };
    Promise.resolve(promise).then(settle(resolve), settle(reject));
  });
}
// Counts `n` bytes that arrived; each full STALL_BYTES starts a new window.
export function arrived(watch, n) {
  watch.got += n;
  if (watch.got >= STALL_BYTES) { watch.got = 0; watch.waited = 0; }
}
export function globalFetch() {
  return typeof fetch === 'function' ? fetch.bind(globalThis) : undefined;
}
export function quiet(promise) {
  Promise.resolve(promise).catch(() => {});
  return promise;
}
export function discardResponse(promise) {
  Promise.resolve(promise).then((r) => r && r.body && r.body.cancel(), () => {}).catch(() => {});
}
export function cancelReader(reader) {
  try { Promise.resolve(reader.cancel()).catch(() => {}); } catch (e) { /* already released */ }
}
// Reads a body to its end, first error or stall in JS: `{chunks, done,
// error, stalled, stopped}`. `onBytes(n)` gets the bytes of each chunk past
// the first `skip` (re-sent ones) and returns false to stop (over a budget).
export async function drain(reader, skip, onBytes, watch) {
  const chunks = [];
  try {
    for (;;) {
      const { done, value } = await watched(reader.read(), watch);
      if (done) return { chunks, done: true };
      chunks.push(value);
      const n = (value && value.byteLength) || 0;
      arrived(watch, n);
      const fresh = n - Math.min(skip, n);
      skip -= n - fresh;
      if (onBytes && fresh > 0 && onBytes(fresh) === false) return { chunks, done: false, stopped: true };
    }
  } catch (error) {
    return { chunks, done: false, error, stalled: error === STALLED };
  }
}
export function parseHttpDate(text) {
  const t = Date.parse(text);
  return Number.isNaN(t) ? undefined : t;
}
export function header(response, name) {
  const headers = response && response.headers;
  const value = headers && typeof headers.get === 'function' ? headers.get(name) : null;
  return value == null ? undefined : String(value);
}

// ---- src/handlers/http.rs
export function multipart(modelJson, parts) {
  const form = new FormData();
  form.append('model.json', new Blob([modelJson], { type: 'application/json' }), 'model.json');
  if (parts != null) {
    form.append('model.weights.bin', new Blob(parts, { type: 'application/octet-stream' }), 'model.weights.bin');
  }
  return form;
}
export function utf8(buffer) { return new TextDecoder().decode(buffer); }
export function saveInit(requestInit, body, signal) {
  const init = Object.assign({ method: 'POST' }, requestInit, { body });
  if (signal) init.signal = signal;
  return init;
}

// ---- src/handlers/indexed_db.rs
// Two databases: TensorFlow.js's (its layout, version 1 forever) and ours,
// for models stored as chunk records (keys [modelPath, saveId, index]).
const TFJS = ['tensorflowjs', { models_store: 'modelPath', model_info_store: 'modelPath' }];
const OWN = ['model-artifacts', { models: 'modelPath', chunks: null }];
function factory() {
  const f = globalThis.indexedDB;
  if (!f) throw Object.assign(new Error('this environment has no IndexedDB'), { name: 'NotSupportedError' });
  return f;
}
function done(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}
// The database, created if `create`; null when it does not exist and
// `create` is false (the upgrade that would create it is aborted).
async function openDb([name, stores], create) {
  const request = factory().open(name, 1);
  request.onupgradeneeded = () => {
    if (!create) return request.transaction.abort();
    for (const [store, keyPath] of Object.entries(stores)) {
      if (!request.result.objectStoreNames.contains(store)) request.result.createObjectStore(store, keyPath ? { keyPath } : undefined);
    }
  };
  try {
    return await done(request);
  } catch (e) {
    if (!create && e && e.name === 'AbortError') return null;
    throw e;
  }
}
// One connection per database, opened once and reused (opening costs a
// round trip to the browser's storage process each time). It is dropped
// when the browser closes it, and closed at once when another page
// upgrades or deletes the database, which it must never block; and it is
// not used once `globalThis.indexedDB` is another factory (tests that reset
// fake-indexeddb between cases).
const connections = new Map();
async function connect(spec, create = true) {
  const [name] = spec;
  const cached = connections.get(name);
  if (cached && cached.factory === factory()) {
    const db = await cached.opening;
    if (db || !create) return db;
  }
  const entry = { factory: factory(), opening: openDb(spec, create) };
  connections.set(name, entry);
  let db;
  try {
    db = await entry.opening;
  } finally {
    if (!db && connections.get(name) === entry) connections.delete(name);
  }
  if (db) {
    const drop = () => {
      if (connections.get(name) === entry) connections.delete(name);
      db.close();
    };
    db.onversionchange = drop;
    db.onclose = drop;
  }
  return db;
}
// A transaction over every store of the database (null when it does not
// exist and `create` is false); once more on a new connection when the
// cached one was closing.
async function transaction(spec, mode, create) {
  for (let attempt = 0; ; attempt++) {
    const db = await connect(spec, create);
    if (!db) return null;
    try {
      return db.transaction(Object.keys(spec[1]), mode);
    } catch (e) {
      if (attempt > 0 || e.name !== 'InvalidStateError') throw e;
      connections.delete(spec[0]);
    }
  }
}
// Runs `work(...stores)` in one transaction over every store of the
// database; resolves with its result once the transaction has committed.
// `signal` aborts the transaction.
async function run(spec, mode, work, signal, create = true) {
  const tx = await transaction(spec, mode, create);
  if (!tx) return undefined;
  return new Promise((resolve, reject) => {
    const abort = () => { try { tx.abort(); } catch { /* already finished */ } };
    let result;
    const finish = (settle) => {
      if (signal) signal.removeEventListener('abort', abort);
      settle();
    };
    tx.oncomplete = () => finish(() => resolve(result));
    tx.onabort = () => finish(() => reject(signal && signal.aborted ? signal.reason : tx.error || new DOMException('transaction aborted', 'AbortError')));
    if (signal) {
      if (signal.aborted) abort();
      else signal.addEventListener('abort', abort, { once: true });
    }
    // A throw (e.g. a DataCloneError from put) aborts, so nothing already
    // queued in this transaction commits on its own.
    const failed = (e) => { abort(); reject(e); };
    try {
      Promise.resolve(work(...Object.keys(spec[1]).map((n) => tx.objectStore(n)))).then((r) => { result = r; }, failed);
    } catch (e) {
      failed(e);
    }
  });
}
const pathRange = (path) => IDBKeyRange.bound([path], [path, []], true, true);
export function idbAvailable() { return typeof globalThis.indexedDB === 'object' && globalThis.indexedDB !== null; }
// `savedAt` (ms, sub-millisecond) orders saves across layouts and tabs;
// tfjs reads neither record's extra field.
export function idbPut(path, artifacts, info, savedAt, signal) {
  return run(TFJS, 'readwrite', (models, infos) => {
    models.put({ modelPath: path, modelArtifacts: artifacts, modelArtifactsInfo: info, savedAt });
    infos.put({ modelPath: path, modelArtifactsInfo: info, savedAt });
  }, signal);
}
export function idbGet(path, infoOnly) {
  return run(TFJS, 'readonly', (models, infos) => done((infoOnly ? infos : models).get(path)));
}
export function idbInfos() {
  return run(TFJS, 'readonly', (models, infos) => done(infos.getAll()));
}
export function savedAt(record) {
  if (record && typeof record.savedAt === 'number') return record.savedAt;
  const date = record && record.modelArtifactsInfo && record.modelArtifactsInfo.dateSaved;
  return date instanceof Date ? date.getTime() : 0;
}
export function now() {
  return performance.timeOrigin + performance.now();
}
// Deletes the model at `path`; with `olderThan` (ms), only if it was saved
// before then, decided inside the deleting transaction.
export function idbDelete(path, olderThan) {
  return run(TFJS, 'readwrite', async (models, infos) => {
    if (olderThan !== undefined && !(savedAt(await done(infos.get(path))) < olderThan)) return;
    models.delete(path);
    infos.delete(path);
  });
}
// Save ids start with their start time (base 36 ms): see saveAge.
export function newSaveId() {
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}
// ms since the save whose id starts `name` started; Infinity when `name`
// starts with no save id.
export function saveAge(name) {
  const started = /^[0-9a-z]+-/.test(name) ? parseInt(name, 36) : NaN;
  return Number.isNaN(started) ? Infinity : Date.now() - started;
}
// Removes the chunks of saves that started over `maxAgeMs` ago and never
// committed (their tab closed mid-save), at any path.
export function sweepStale(maxAgeMs) {
  return run(OWN, 'readwrite', async (models, chunks) => {
    const [records, keys] = await Promise.all([done(models.getAll()), done(chunks.getAllKeys())]);
    const live = new Set(records.map((r) => `${r.modelPath}\0${r.saveId}`));
    const stale = new Map();
    for (const [path, saveId] of keys) {
      if (!live.has(`${path}\0${saveId}`) && !(saveAge(String(saveId)) < maxAgeMs)) stale.set(`${path}\0${saveId}`, [path, saveId]);
    }
    for (const [path, saveId] of stale.values()) chunks.delete(IDBKeyRange.bound([path, saveId, 0], [path, saveId, Infinity]));
    return stale.size;
  }, undefined, false);
}
export function chunksPut(path, saveId, first, buffers, signal) {
  return run(OWN, 'readwrite', (models, chunks) => {
    buffers.forEach((b, i) => chunks.put(b, [path, saveId, first + i]));
  }, signal);
}
// Chunks first..first+count-1 of a save, in order (fewer if some are gone).
export function chunksGet(path, saveId, first, count) {
  const range = IDBKeyRange.bound([path, saveId, first], [path, saveId, first + count - 1]);
  return run(OWN, 'readonly', (models, chunks) => done(chunks.getAll(range)), undefined, false).then((r) => r || []);
}
export function ownGet(path) {
  return run(OWN, 'readonly', (models) => done(models.get(path)), undefined, false);
}
export function ownRecords() {
  return run(OWN, 'readonly', (models) => done(models.getAll()), undefined, false).then((r) => r || []);
}
// Makes a chunked save visible: only if all its chunks are there (a racing
// save may have removed them), the record goes in and every other chunk of
// the path goes, in one transaction. Resolves to false when chunks were missing.
export function ownCommit(record, count) {
  const { modelPath: path, saveId } = record;
  return run(OWN, 'readwrite', async (models, chunks) => {
    const have = await done(chunks.count(IDBKeyRange.bound([path, saveId, 0], [path, saveId, Infinity])));
    if (have !== count) return false;
    models.put(record);
    chunks.delete(IDBKeyRange.bound([path], [path, saveId], true, true));
    chunks.delete(IDBKeyRange.bound([path, saveId, Infinity], [path, []], true, true));
    return true;
  });
}
// Removes the chunked model at `path` (record and every chunk, including
// leftovers of interrupted saves); `saveId` limits it to that save's chunks,
// `olderThan` (ms) to a model saved before then.
export function ownDelete(path, saveId, olderThan) {
  return run(OWN, 'readwrite', async (models, chunks) => {
    if (saveId) return chunks.delete(IDBKeyRange.bound([path, saveId, 0], [path, saveId, Infinity]));
    if (olderThan !== undefined && !(savedAt(await done(models.get(path))) < olderThan)) return;
    models.delete(path);
    chunks.delete(pathRange(path));
  }, undefined, false);
}

// ---- src/handlers/order.rs
// Resolves when `signal` aborts; `cancel()` drops the listener once the
// wait it races has ended.
export function whenAborted(signal) {
  let cancel = () => {};
  const aborted = new Promise((resolve) => {
    if (signal.aborted) return resolve();
    if (typeof signal.addEventListener !== 'function') return;
    signal.addEventListener('abort', resolve, { once: true });
    cancel = () => signal.removeEventListener('abort', resolve);
  });
  aborted.cancel = () => cancel();
  return aborted;
}

// ---- src/handlers/indexed_db.rs, local_storage.rs
export async function storageEstimate() {
  const storage = globalThis.navigator && navigator.storage;
  if (!storage || typeof storage.estimate !== 'function') return undefined;
  const [estimate, persisted] = await Promise.all([
    storage.estimate(),
    typeof storage.persisted === 'function' ? storage.persisted() : false,
  ]);
  return { usage: estimate.usage, quota: estimate.quota, persisted };
}
export async function persistStorage() {
  const storage = globalThis.navigator && navigator.storage;
  return Boolean(storage && typeof storage.persist === 'function' && await storage.persist());
}

// ---- src/handlers/local_storage.rs
export function localStore() {
  try { return globalThis.localStorage || undefined; } catch { return undefined; } // a SecurityError where storage is blocked
}
function joined(parts) {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.byteLength; }
  return out;
}
// Base64 with the platform's encoder (Uint8Array.prototype.toBase64), else
// btoa over 96 KiB pieces (a multiple of 3, so no padding inside).
export function toBase64(parts) {
  const bytes = joined(parts);
  if (typeof bytes.toBase64 === 'function') return bytes.toBase64();
  const pieces = [];
  for (let at = 0; at < bytes.length; at += 98304) {
    pieces.push(btoa(String.fromCharCode.apply(null, bytes.subarray(at, at + 98304))));
  }
  return pieces.join('');
}
export function fromBase64(text) {
  if (typeof Uint8Array.fromBase64 === 'function') return Uint8Array.fromBase64(text).buffer;
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out.buffer;
}

// ---- src/handlers/browser_files.rs
// Saves `parts` as a file named `name` through a detached <a download>;
// the URL is revoked later (revoking at once can cancel the download).
// Downloads start DOWNLOAD_GAP_MS apart: WebKitGTK drops a download when
// the next one starts before it was accepted (a task apart is not enough
// under load: tests/js/files-browser.test.mjs), and Chromium takes at most
// 10 a second from one frame.
const DOWNLOAD_GAP_MS = 100;
let nextDownloadAt = 0;
export async function download(name, parts, type) {
  const url = URL.createObjectURL(new Blob(parts, { type }));
  do {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, nextDownloadAt - performance.now())));
  } while (performance.now() < nextDownloadAt);
  nextDownloadAt = performance.now() + DOWNLOAD_GAP_MS;
  const a = document.createElement('a');
  a.download = name;
  a.href = url;
  a.dispatchEvent(new MouseEvent('click'));
  setTimeout(() => URL.revokeObjectURL(url), 40000);
}
export function canDownload() {
  return typeof document === 'object' && document !== null && typeof URL.createObjectURL === 'function';
}

// ---- src/handlers/opfs.rs: the origin private file system's handles,
// with "not found" as null (the layout and every decision are there).
export function opfsAvailable() {
  return typeof navigator === 'object' && navigator !== null && !!navigator.storage
    && typeof navigator.storage.getDirectory === 'function';
}
const absent = (e) => e && (e.name === 'NotFoundError' || e.name === 'TypeMismatchError');
// The folder down `names` from the origin's root (each made if `create`),
// or null.
export async function opfsFolder(names, create) {
  let dir = await navigator.storage.getDirectory();
  for (const name of names) {
    try {
      dir = await dir.getDirectoryHandle(name, { create });
    } catch (e) {
      if (!create && absent(e)) return null;
      throw e;
    }
  }
  return dir;
}
// File `name` of `dir` (a File, a snapshot of its bytes), or null.
export async function opfsFile(dir, name) {
  try {
    return await (await dir.getFileHandle(name)).getFile();
  } catch (e) {
    if (absent(e)) return null;
    throw e;
  }
}
// Writes `parts` as file `name` of `dir`. The browser writes aside and
// swaps the file in whole at close(), so nobody sees part of it; a failure
// or `signal` discards what was written.
export async function opfsWrite(dir, name, parts, signal) {
  const writable = await (await dir.getFileHandle(name, { create: true })).createWritable();
  try {
    for (const part of parts) {
      if (signal && signal.aborted) throw signal.reason;
      await writable.write(part);
    }
    await writable.close();
  } catch (e) {
    await writable.abort().catch(() => {});
    throw e;
  }
}
export async function opfsNames(dir) {
  const names = [];
  for await (const name of dir.keys()) names.push(name);
  return names;
}
// Removes entry `name` of `dir` (a folder with everything in it); false
// when there was none.
export async function opfsRemove(dir, name) {
  try {
    await dir.removeEntry(name, { recursive: true });
    return true;
  } catch (e) {
    if (absent(e)) return false;
    throw e;
  }
}

// ---- src/bindings/stream.rs: pull() resolves to the next chunk, or to
// undefined at the end. The default strategy reads one chunk ahead, as
// wasm-streams' did.
export function pullStream(pull, cancel) {
  return new ReadableStream({
    async pull(controller) {
      const chunk = await pull();
      if (chunk === undefined) controller.close();
      else controller.enqueue(chunk);
    },
    cancel() {
      cancel();
    },
  });
}
