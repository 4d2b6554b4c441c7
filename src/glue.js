// The JavaScript side of the wasm bindings, in one module (every inline
// snippet would be a module of its own for the browser to fetch): small
// helpers that are simpler and smaller here than through js-sys, called
// from the Rust files named above each part. They decide nothing: the
// decisions are in Rust.

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
// A request or body is stalled when fewer than `bytes` arrive in `ms` of
// waiting for them (src/handlers/limits.rs). Only time spent waiting
// counts (a consumer that pauses is no stall). `ms` 0: never.
const STALLED = Symbol('stalled');
export function stallWatch(ms, bytes) { return { ms, bytes, waited: 0, got: 0 }; }
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
// Counts `n` bytes that arrived; each full `watch.bytes` starts a new window.
export function arrived(watch, n) {
  watch.got += n;
  if (watch.got >= watch.bytes) { watch.got = 0; watch.waited = 0; }
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
export function appendBlob(blob, parts) {
  return new Blob(blob ? [blob, ...parts] : parts);
}
export function utf8(buffer) { return new TextDecoder().decode(buffer); }
export function saveInit(requestInit, body, signal) {
  const init = Object.assign({ method: 'POST' }, requestInit, { body });
  if (signal) init.signal = signal;
  return init;
}

// ---- src/handlers/indexed_db.rs: IndexedDB's events as promises, a
// callback each (the protocol, what is opened, read, written and deleted
// when, is all there).
export function idbFactory() {
  return globalThis.indexedDB || undefined;
}
function requestResult(request) {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}
// Makes the requests `ops` describes in `tx`, [store, method, ...arguments]
// each; resolves to their results once all have succeeded. When one throws
// (the transaction was aborted meanwhile, a value cannot be cloned), the
// requests made before it fail with the transaction, unheard.
export function perform(tx, ops) {
  const results = [];
  try {
    for (const [store, method, ...args] of ops) results.push(requestResult(tx.objectStore(store)[method](...args)));
  } catch (e) {
    for (const result of results) result.catch(() => {});
    throw e;
  }
  return Promise.all(results);
}
// The database the open `request` opens, or null when it does not exist
// and `create` is false (the upgrade that would create it is aborted);
// the upgrade creates `stores`, [name, keyPath or null] each. The
// connection closes at once when another page upgrades or deletes the
// database, which it must never block.
export function opened(request, stores, create) {
  request.onupgradeneeded = () => {
    if (!create) return request.transaction.abort();
    for (const [store, keyPath] of stores) {
      if (!request.result.objectStoreNames.contains(store)) request.result.createObjectStore(store, keyPath ? { keyPath } : undefined);
    }
  };
  return requestResult(request).then((db) => {
    db.onversionchange = () => db.close();
    return db;
  }, (e) => {
    if (!create && e && e.name === 'AbortError') return null;
    throw e;
  });
}
// Resolves once `tx` has committed; rejects once it aborted, with the
// reason of `signal` when that aborted it. Never an unhandled rejection:
// a transaction abandoned after a failed request is not awaited.
export function finished(tx, signal) {
  const abort = () => { try { tx.abort(); } catch { /* already finished */ } };
  const settled = new Promise((resolve, reject) => {
    const finish = (settle) => () => {
      if (signal) signal.removeEventListener('abort', abort);
      settle();
    };
    tx.oncomplete = finish(resolve);
    tx.onabort = finish(() => reject(signal && signal.aborted ? signal.reason : tx.error || new DOMException('transaction aborted', 'AbortError')));
  });
  if (signal) {
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
  }
  settled.catch(() => {});
  return settled;
}
export function now() {
  return performance.timeOrigin + performance.now();
}

// ---- src/handlers/store.rs (IndexedDB's chunked saves, OPFS)
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
// The parts go in one write, joined: a write each (a stream's small
// chunks) made Chromium 2.5x slower (256 MiB in 64 KiB chunks: 5.0 s, 2.0 s
// joined; Firefox the same either way). Joined in a Uint8Array, not a
// Blob: V8 counts its bytes, so it is collected as soon (a Blob per file
// grew Chromium's RSS by 475 MiB over a 1 GiB save, 292 MiB joined). Chromium
// may report a write past the quota as the AbortError of its broken data
// pipe; with no room left for the bytes, it is the quota's.
export async function opfsWrite(dir, name, parts, signal) {
  const writable = await (await dir.getFileHandle(name, { create: true })).createWritable();
  try {
    if (signal && signal.aborted) throw signal.reason;
    let data = parts[0];
    if (parts.length > 1) {
      data = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
      let at = 0;
      for (const p of parts) { data.set(p, at); at += p.byteLength; }
    }
    await writable.write(data);
    await writable.close();
  } catch (e) {
    await writable.abort().catch(() => {});
    if (e && e.name === 'AbortError' && !(signal && signal.aborted)) {
      const bytes = parts.reduce((n, p) => n + (p.byteLength ?? p.length ?? 0), 0);
      const { quota, usage } = await navigator.storage.estimate().catch(() => ({}));
      if (quota - usage < bytes) throw new DOMException(e.message, 'QuotaExceededError');
    }
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
