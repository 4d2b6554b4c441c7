// Helpers for the page side of the browser tests (imported by the
// browser-*.mjs modules inside each engine's pages): bytes, canonical JSON and errors
// as plain data for Node to assert on.

/** The bytes of an ArrayBuffer or view, as a Uint8Array view. */
export function bytesOf(x) {
  if (x instanceof ArrayBuffer) return new Uint8Array(x);
  return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
}

/** WeightData (one buffer or view, or an array of them) as one Uint8Array. */
export function joinParts(data) {
  const parts = (Array.isArray(data) ? data : [data]).map(bytesOf);
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.byteLength; }
  return out;
}

/** Whether two WeightData hold the same bytes (word by word when aligned). */
/** `artifacts` with their weights only as `getWeightStream()`: a stream of
 * uneven chunks (1 B to 700 KiB), with `extra` bytes more (negative:
 * fewer; past the data, zeros), an error half way (`fail`), or no end
 * (`endless`); `log` counts pulls past the end and notes a cancel. */
export function streamOnly(artifacts, {extra = 0, fail = false, endless = false, log = {}} = {}) {
  const {weightData, ...rest} = artifacts;
  const data = joinParts(weightData);
  const end = data.byteLength + extra;
  return {
    ...rest,
    getWeightStream() {
      let at = 0, size = 1;
      return new ReadableStream({
        pull(c) {
          if (fail && at > end / 2) return c.error(new TypeError('the disk went away'));
          if (at >= end && !endless) return c.close();
          if (at >= end) log.pastEnd = (log.pastEnd ?? 0) + 1;
          size = (size * 7919 + 13) % (700 * 1024) + 1;
          const n = Math.min(size, Math.max(end - at, 0)) || size;
          const chunk = new Uint8Array(n);
          chunk.set(data.subarray(at, at + n));
          c.enqueue(chunk);
          at += n;
        },
        cancel() { log.cancelled = true; },
      }, {highWaterMark: 0});
    },
  };
}

export function sameBytes(a, b) {
  const x = joinParts(a), y = joinParts(b);
  if (x.byteLength !== y.byteLength) return false;
  if (x.byteLength % 4 === 0 && x.byteOffset % 4 === 0 && y.byteOffset % 4 === 0) {
    const p = new Uint32Array(x.buffer, x.byteOffset, x.byteLength / 4);
    const q = new Uint32Array(y.buffer, y.byteOffset, y.byteLength / 4);
    for (let i = 0; i < p.length; i++) if (p[i] !== q[i]) return false;
    return true;
  }
  for (let i = 0; i < x.byteLength; i++) if (x[i] !== y[i]) return false;
  return true;
}

export async function sha256(data) {
  const d = await crypto.subtle.digest('SHA-256', joinParts(data));
  return Array.from(new Uint8Array(d), b => b.toString(16).padStart(2, '0')).join('');
}

/** JSON with object keys sorted (undefined values dropped, as JSON does). */
export function canon(v) {
  return JSON.stringify(v, (k, x) => (x && typeof x === 'object' && !Array.isArray(x)
    ? Object.fromEntries(Object.keys(x).sort().map(key => [key, x[key]])) : x));
}
/** Every field but weightData, canonical. */
export const withoutWeights = a => canon(Object.fromEntries(Object.entries(a).filter(([k]) => k !== 'weightData')));

let pkg;
/** The package whose ModelArtifactsError class errorInfo checks against. */
export function usePackage(ma) { pkg = ma; }

/** An error as plain data. */
export const errorInfo = e => ({
  name: e?.name, code: e?.code, message: String(e?.message ?? e),
  isMa: typeof pkg?.ModelArtifactsError === 'function' && e instanceof pkg.ModelArtifactsError,
  isError: e instanceof Error, needed: e?.needed, available: e?.available, path: e?.path, weight: e?.weight,
  causeName: e?.cause?.name,
});

/** What `p` rejected with, null if it resolved, {hung: true} after `ms`. */
export async function rejection(p, ms = 20_000) {
  let timer;
  const hang = new Promise(resolve => { timer = setTimeout(() => resolve({hung: true}), ms); });
  try {
    return await Promise.race([Promise.resolve(p).then(() => null), hang]);
  } catch (e) {
    return errorInfo(e);
  } finally {
    clearTimeout(timer);
  }
}

/** What `fn()` threw synchronously, or null. */
export function thrown(fn) {
  try { const r = fn(); if (r && typeof r.then === 'function') r.catch(() => {}); } catch (e) { return errorInfo(e); }
  return null;
}

/** A small two-layer dense tfjs model with fixed, exactly representable
 * weights (k/16: some negative, some zero), different for each seed. */
export function denseModel(tf, seed, {inputs = 4, hidden = 5} = {}) {
  const model = tf.sequential();
  model.add(tf.layers.dense({units: hidden, inputShape: [inputs], activation: 'relu'}));
  model.add(tf.layers.dense({units: 3}));
  model.setWeights(model.getWeights().map((w, i) => tf.tensor(
    Array.from({length: w.size}, (_, j) => (((j * 7 + i * 5 + seed) % 13) - 6) / 16), w.shape)));
  return model;
}
const INPUT_ROWS = [[0.5, -1, 2, 0.25, 1, -3], [1, 1, -0.5, 3, 0, 2], [0, 0, 0, 0, 0, 0]];
/** The bytes of a model's prediction for three fixed rows, as a string to
 * compare ("identical predictions" means these are equal). */
export function predictionBytes(tf, model) {
  const inputs = model.inputs[0].shape[1];
  const x = tf.tensor2d(INPUT_ROWS.map((row) => row.slice(0, inputs)));
  return Array.from(bytesOf(model.predict(x).dataSync())).join(',');
}

/** A tfjs layers model's artifacts, as tfjs hands them to a save handler. */
export async function capturedArtifacts(tf, model) {
  let captured;
  await model.save(tf.io.withSaveHandler(async a => {
    captured = a;
    return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
  }));
  return captured;
}

/** Problems (strings) found comparing artifacts' decoded weights with a
 * tfjs model's own weights: count, names, dtypes, shapes and bytes. */
export function weightProblems(ma, artifacts, model, label) {
  const problems = [];
  const decoded = ma.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
  const values = model.getWeights();
  if (Object.keys(decoded).length !== values.length) {
    problems.push(`${label}: ${Object.keys(decoded).length} decoded weights, model has ${values.length}`);
  }
  model.weights.forEach((w, i) => {
    const d = decoded[w.originalName];
    if (!d) return problems.push(`${label}: ${w.originalName} not decoded`);
    if (d.dtype !== w.dtype) problems.push(`${label}: ${w.originalName} dtype ${d.dtype} != ${w.dtype}`);
    if (JSON.stringify(d.shape) !== JSON.stringify(w.shape)) problems.push(`${label}: ${w.originalName} shape ${d.shape} != ${w.shape}`);
    if (!sameBytes(d.data, values[i].dataSync())) problems.push(`${label}: ${w.originalName} values differ`);
  });
  return problems;
}
