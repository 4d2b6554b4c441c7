// Shared helpers for the JS tests: fixture loading (the way tf.io.http's
// loader builds artifacts), hashing of decoded tensors, and assertions for
// ModelArtifactsError.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import * as ma from 'model-artifacts';

/** The shared fixtures folder (read only). */
export const FIXTURES_URL = new URL('../../../../shared/fixtures/', import.meta.url);
export const FIXTURES_DIR = fileURLToPath(FIXTURES_URL);
/** The repository root (for the static server: /index.browser.js, /pkg/). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export const LARGE_FIXTURE = 'large-64mb-generated';

/** Every fixture folder that has an expected.json, sorted. */
export function fixtureNames() {
  return fs.readdirSync(FIXTURES_DIR, {withFileTypes: true})
    .filter(d => d.isDirectory() && fs.existsSync(path.join(FIXTURES_DIR, d.name, 'expected.json')))
    .map(d => d.name)
    .sort();
}

export function readExpected(name) {
  return JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, name, 'expected.json'), 'utf8'));
}

/** A fresh ArrayBuffer holding exactly the bytes of `u8` (an ArrayBuffer
 * or a view). */
export function toArrayBuffer(u8) {
  const out = new ArrayBuffer(u8.byteLength);
  new Uint8Array(out).set(asU8(u8));
  return out;
}

/** The paths of a manifest, in manifest order (groups, then their paths). */
export function manifestPaths(manifest) {
  return manifest.flatMap(g => g.paths);
}

/**
 * Loads one fixture as tf.io.http(...).load() would: modelJSON parsed,
 * weightSpecs flattened, weightData = ArrayBuffer[] of the shards in
 * manifest order. For the bare-manifest fixture, modelFile names the
 * manifest array and artifacts hold only weightSpecs/weightData.
 * The large fixture is generated in memory.
 */
export async function loadFixture(name) {
  const expected = readExpected(name);
  let modelJSON = null;
  let manifest;
  let modelText;
  let shards;
  if (name === LARGE_FIXTURE) {
    const gen = await import(new URL(`${LARGE_FIXTURE}/gen-large-model.mjs`, FIXTURES_URL).href);
    const {modelJSON: mj, shards: genShards} = gen.generateLargeModel();
    modelText = JSON.stringify(mj);
    modelJSON = JSON.parse(modelText);
    manifest = modelJSON.weightsManifest;
    const byPath = new Map(genShards.map(s => [s.path, s.data]));
    shards = manifestPaths(manifest).map(p => toArrayBuffer(byPath.get(p)));
  } else {
    modelText = fs.readFileSync(path.join(FIXTURES_DIR, name, expected.modelFile), 'utf8');
    const parsed = JSON.parse(modelText);
    if (Array.isArray(parsed)) {
      manifest = parsed;
    } else {
      modelJSON = parsed;
      manifest = parsed.weightsManifest;
    }
    shards = manifestPaths(manifest).map(p => {
      const b = fs.readFileSync(path.join(FIXTURES_DIR, name, p));
      return toArrayBuffer(b);
    });
  }
  const specs = manifest.flatMap(g => g.weights);
  let artifacts;
  if (modelJSON) {
    // What tf.io.getModelArtifactsForJSONSync builds for the http loader.
    artifacts = {
      modelTopology: modelJSON.modelTopology,
      format: modelJSON.format,
      generatedBy: modelJSON.generatedBy,
      convertedBy: modelJSON.convertedBy,
    };
    for (const k of ['trainingConfig', 'signature', 'userDefinedMetadata', 'modelInitializer',
      'initializerSignature']) {
      if (modelJSON[k] != null) artifacts[k] = modelJSON[k];
    }
    artifacts.weightSpecs = specs;
    artifacts.weightData = shards;
  } else {
    artifacts = {weightSpecs: specs, weightData: shards};
  }
  return {name, expected, modelText, modelJSON, manifest, specs, shards, artifacts};
}

/** Concatenates ArrayBuffers / views / arrays of them into one Uint8Array. */
export function joinBytes(data) {
  const parts = (Array.isArray(data) ? data : [data]).map(asU8);
  const total = parts.reduce((a, p) => a + p.byteLength, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.byteLength; }
  return out;
}

export function asU8(x) {
  if (x instanceof ArrayBuffer) return new Uint8Array(x);
  if (ArrayBuffer.isView(x)) return new Uint8Array(x.buffer, x.byteOffset, x.byteLength);
  throw new TypeError(`not a buffer: ${Object.prototype.toString.call(x)}`);
}

/** The bytes of an ArrayBuffer or view as a plain array (for deepEqual). */
export const bytesOf = x => Array.from(asU8(x));

/** The little-endian bytes of `values` as float32 / int32 / uint16. */
export const f32bytes = values => new Uint8Array(new Float32Array(values).buffer);
export const i32bytes = values => new Uint8Array(new Int32Array(values).buffer);
export const u16bytes = values => new Uint8Array(new Uint16Array(values).buffer);

export function sha256(bytes) {
  return crypto.createHash('sha256').update(asU8(bytes)).digest('hex');
}

/** tf.io string serialization: per element uint32 LE byte length + bytes. */
export function serializeStrings(elements) {
  const parts = [];
  for (const e of elements) {
    const b = typeof e === 'string' ? new TextEncoder().encode(e) : asU8(e);
    const len = new Uint8Array(4);
    new DataView(len.buffer).setUint32(0, b.byteLength, true);
    parts.push(len, b);
  }
  return joinBytes(parts);
}

/** sha256 of a decoded tensor's data as expected.json defines it. */
export function decodedSha256(tensor) {
  if (tensor.dtype === 'string') return sha256(serializeStrings(tensor.data));
  return sha256(tensor.data);
}

const TYPED_FOR_DTYPE = {
  float32: Float32Array, int32: Int32Array, bool: Uint8Array, complex64: Float32Array,
};

/**
 * Checks a decodeWeights / decodeWeightsStream result against
 * expected.weights: every weight present (and nothing else), name, dtype,
 * shape, typed-array class, byte size and sha256.
 */
export function checkDecoded(decoded, expected, label = '') {
  assert.ok(decoded && typeof decoded === 'object', `${label}: result is an object`);
  const names = expected.weights.map(w => w.name);
  assert.deepEqual(Object.keys(decoded).sort(), [...new Set(names)].sort(), `${label}: weight names`);
  for (const w of expected.weights) {
    const t = decoded[w.name];
    const where = `${label}: weight '${w.name}'`;
    assert.ok(t, `${where} missing`);
    assert.equal(t.name, w.name, `${where} name`);
    assert.equal(t.dtype, w.decoded.dtype, `${where} dtype`);
    assert.deepEqual(Array.from(t.shape), w.decoded.shape, `${where} shape`);
    if (w.decoded.dtype === 'string') {
      assert.ok(Array.isArray(t.data), `${where}: string data is an array`);
      const n = w.decoded.shape.reduce((a, b) => a * b, 1);
      assert.equal(t.data.length, n, `${where}: element count`);
      for (const e of t.data) assert.ok(e instanceof Uint8Array, `${where}: element is a Uint8Array`);
    } else {
      const Cls = TYPED_FOR_DTYPE[w.decoded.dtype];
      assert.ok(t.data instanceof Cls, `${where}: data is ${Cls.name}, got ${t.data?.constructor?.name}`);
      assert.equal(t.data.byteLength, w.decoded.bytes, `${where}: decoded byte length`);
    }
    assert.equal(decodedSha256(t), w.decoded.sha256, `${where}: sha256 of decoded data`);
  }
}

/** A ReadableStream that delivers `bytes` in chunks of `chunk` bytes;
 * chunks alternate between fresh ArrayBuffers and Uint8Array views with a
 * non-zero byteOffset into a larger buffer. `stopAt` ends it early. */
export function chunkedStream(bytes, chunk, {stopAt = bytes.byteLength, viewsOnly = false} = {}) {
  const src = asU8(bytes);
  let pos = 0;
  let i = 0;
  return new ReadableStream({
    pull(controller) {
      if (pos >= stopAt) { controller.close(); return; }
      const end = Math.min(stopAt, pos + chunk);
      const piece = src.subarray(pos, end);
      if (!viewsOnly && i % 2 === 0) {
        controller.enqueue(toArrayBuffer(piece));
      } else {
        const holder = new Uint8Array(piece.byteLength + 11);
        holder.set(piece, 5);
        controller.enqueue(holder.subarray(5, 5 + piece.byteLength));
      }
      pos = end;
      i++;
    },
  }, {highWaterMark: 0});
}

/** Copies each buffer into a larger one and returns a Uint8Array view at a
 * non-zero byteOffset (with junk before and after). */
export function offsetView(buf, pad = 7) {
  const src = asU8(buf);
  const big = new Uint8Array(src.byteLength + 2 * pad + 1);
  big.fill(0xAB);
  big.set(src, pad);
  return new Uint8Array(big.buffer, pad, src.byteLength);
}

/** Asserts that `err` is a ModelArtifactsError with `code` (a string or a
 * list of acceptable codes) whose message mentions every string of
 * `mentions`. */
export function assertMaError(err, code, mentions = []) {
  assert.ok(err instanceof Error, `expected an Error, got ${String(err)} (${typeof err})`);
  assert.equal(err.name, 'ModelArtifactsError', `error name (message: ${err.message})`);
  const codes = Array.isArray(code) ? code : [code];
  assert.ok(codes.includes(err.code),
    `error code ${err.code}, expected ${codes.join(' or ')} (message: ${err.message})`);
  for (const m of [].concat(mentions)) {
    assert.ok(String(err.message).includes(m), `message should mention '${m}': ${err.message}`);
  }
  // The class itself is checked by its own test; here only when exported.
  if (typeof ma.ModelArtifactsError === 'function') {
    assert.ok(err instanceof ma.ModelArtifactsError, 'instanceof ModelArtifactsError');
  }
  return err;
}

/** `fn()` must throw synchronously a ModelArtifactsError with `code`. */
export function throwsMa(fn, code, mentions = []) {
  let err;
  let threw = false;
  let result;
  try { result = fn(); } catch (e) { err = e; threw = true; }
  if (!threw && result && typeof result.then === 'function') result.catch(() => {});
  assert.ok(threw, `expected a synchronous throw with code ${code}`);
  return assertMaError(err, code, mentions);
}

/** `fn()` must return a promise that rejects with a ModelArtifactsError
 * (a synchronous throw from a promise-returning API is a failure). */
export async function rejectsMa(fn, code, mentions = []) {
  let p;
  try { p = fn(); } catch (e) {
    assert.fail(`expected a rejected promise, got a synchronous throw: ${e && e.message}`);
  }
  assert.ok(p && typeof p.then === 'function', 'expected a promise');
  let err;
  let threw = false;
  try { await p; } catch (e) { err = e; threw = true; }
  assert.ok(threw, `expected a rejection with code ${code}`);
  return assertMaError(err, code, mentions);
}

/** Web Storage's interface over a Map, for Node-side tests of
 * localstorage:// (Node has no localStorage; browsers test the real one). */
export class MemoryStorage {
  #items = new Map();
  get length() { return this.#items.size; }
  key(i) { return [...this.#items.keys()][i] ?? null; }
  getItem(k) { return this.#items.has(k) ? this.#items.get(k) : null; }
  setItem(k, v) { this.#items.set(String(k), String(v)); }
  removeItem(k) { this.#items.delete(k); }
}
