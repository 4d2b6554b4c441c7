// The JavaScript side of the wasm bindings, in one module (every inline
// snippet would be a module of its own for the browser to fetch): small
// helpers that are simpler and smaller here than through js-sys, called
// from the Rust files named above each part. Decisions stay in Rust.

// ---- src/bindings/error.rs
export class ModelArtifactsError extends Error {
  constructor(code, message, weight, url, status, path, cause) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'ModelArtifactsError';
    this.code = code;
    if (weight !== undefined) this.weight = weight;
    if (url !== undefined) this.url = url;
    if (status !== undefined) this.status = status;
    if (path !== undefined) this.path = path;
  }
}
export function errorClass() { return ModelArtifactsError; }

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
export function requestInit(base, signal, rangeStart) {
  const init = Object.assign({}, base);
  if (signal) {
    init.signal = base && base.signal && typeof AbortSignal.any === 'function'
      ? AbortSignal.any([base.signal, signal]) : signal;
  }
  if (rangeStart > 0) {
    const headers = new Headers(base && base.headers);
    headers.set('Range', `bytes=${rangeStart}-`);
    init.headers = headers;
  }
  return init;
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
export async function drain(reader, onBytes) {
  const chunks = [];
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { chunks, done: true };
      chunks.push(value);
      if (onBytes) onBytes(value.byteLength);
    }
  } catch (error) {
    return { chunks, done: false, error };
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
export function saveInit(requestInit, body, signal) {
  const init = Object.assign({ method: 'POST' }, requestInit, { body });
  if (signal) init.signal = signal;
  return init;
}

// ---- src/handlers/indexed_db.rs
const DB = 'tensorflowjs', MODELS = 'models_store', INFOS = 'model_info_store';
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
function open() {
  const request = factory().open(DB, 1);
  request.onupgradeneeded = () => {
    const db = request.result;
    for (const name of [MODELS, INFOS]) {
      if (!db.objectStoreNames.contains(name)) db.createObjectStore(name, { keyPath: 'modelPath' });
    }
  };
  return done(request);
}
function transaction(db, mode, work) {
  return new Promise((resolve, reject) => {
    const tx = db.transaction([MODELS, INFOS], mode);
    let result;
    tx.oncomplete = () => { db.close(); resolve(result); };
    tx.onerror = () => { db.close(); reject(tx.error); };
    tx.onabort = () => { db.close(); reject(tx.error || new DOMException('transaction aborted', 'AbortError')); };
    Promise.resolve(work(tx.objectStore(MODELS), tx.objectStore(INFOS))).then((r) => { result = r; }, (e) => { try { tx.abort(); } catch {} reject(e); });
  });
}
export function idbAvailable() { return typeof globalThis.indexedDB === 'object' && globalThis.indexedDB !== null; }
export async function idbPut(path, artifacts, info) {
  const db = await open();
  return transaction(db, 'readwrite', (models, infos) => {
    infos.put({ modelPath: path, modelArtifactsInfo: info });
    models.put({ modelPath: path, modelArtifacts: artifacts, modelArtifactsInfo: info });
  });
}
export async function idbGet(path, infoOnly) {
  const db = await open();
  return transaction(db, 'readonly', (models, infos) => done((infoOnly ? infos : models).get(path)));
}
export async function idbInfos() {
  const db = await open();
  return transaction(db, 'readonly', (models, infos) => done(infos.getAll()));
}
export async function idbDelete(path) {
  const db = await open();
  return transaction(db, 'readwrite', (models, infos) => {
    models.delete(path);
    infos.delete(path);
  });
}
