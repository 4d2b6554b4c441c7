// The ~1 GiB float32 model of bench/memory-stream.mjs, generated on the fly:
// nothing is stored, every byte is computed from its position.
//
//  - tensors "layer_NNN/kernel": every 32nd (i % 32 === 5) is [4096, 1024]
//    (16 MiB, the largest); the others alternate [1023, 1024] / [1025, 1024]
//    (~4 MiB, so tensors straddle shard boundaries), until 1 GiB is reached;
//  - value k of tensor i: a stateless integer hash of (i, k) mapped to
//    float32 in [-1, 1) (any byte range can be produced on its own);
//  - one group of 4 MiB shards "group1-shard{k}of{N}.bin" (the converter's
//    names and size), the last one shorter;
//  - checksum of a tensor: FNV-1a style over its float32 bit patterns
//    (32-bit words), seeded with the element count.
export const SHARD_BYTES = 4 * 1024 * 1024;
export const TARGET_BYTES = 1024 * 1024 * 1024;

export function layout() {
  const weights = [], tensors = [];
  let total = 0;
  for (let i = 0; total < TARGET_BYTES; i++) {
    const rows = i % 32 === 5 ? 4096 : (i % 2 ? 1025 : 1023);
    const shape = [rows, 1024];
    const n = rows * 1024;
    weights.push({name: `layer_${String(i).padStart(3, '0')}/kernel`, shape, dtype: 'float32'});
    tensors.push({i, start: total, n});
    total += n * 4;
  }
  const numShards = Math.ceil(total / SHARD_BYTES);
  const shards = [];
  for (let k = 0; k < numShards; k++) {
    shards.push({path: `group1-shard${k + 1}of${numShards}.bin`, start: k * SHARD_BYTES, end: Math.min(total, (k + 1) * SHARD_BYTES)});
  }
  const modelJSON = {
    format: 'graph-model', generatedBy: 'bench/gen1g.mjs', convertedBy: null,
    modelTopology: {node: [], library: {}, versions: {producer: 1482}},
    weightsManifest: [{paths: shards.map(s => s.path), weights}],
  };
  const largest = Math.max(...tensors.map(t => t.n * 4));
  return {modelJSON, weights, tensors, shards, totalBytes: total, largestTensorBytes: largest};
}

/** Value k of a tensor (float32-exact: 24 random bits). */
function valueAt(seed, k) {
  let x = Math.imul(k + 1, 0x9e3779b1) ^ seed;
  x ^= x >>> 16; x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13; x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return ((x >>> 8) / 16777216) * 2 - 1;
}
const seedOf = i => Math.imul(i + 1, 0x27d4eb2f) >>> 0;

/** Fills `f32` with values k0.. of tensor i. */
export function fillValues(i, k0, f32) {
  const seed = seedOf(i);
  for (let j = 0; j < f32.length; j++) f32[j] = valueAt(seed, k0 + j);
}

/** Writes model bytes [offset, offset + out.byteLength) into `out` (offset and length multiples of 4). */
export function fillBytes(lay, offset, out) {
  const f32 = new Float32Array(out.byteLength / 4);
  let pos = offset, j = 0;
  // Binary search the first tensor holding `offset`.
  const ts = lay.tensors;
  let lo = 0, hi = ts.length - 1;
  while (lo < hi) { const mid = (lo + hi + 1) >> 1; if (ts[mid].start <= pos) lo = mid; else hi = mid - 1; }
  for (let t = lo; j < f32.length; t++) {
    const {i, start, n} = ts[t];
    const k0 = (pos - start) / 4;
    const m = Math.min(n - k0, f32.length - j);
    fillValues(i, k0, f32.subarray(j, j + m));
    j += m; pos += m * 4;
  }
  new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(new Uint8Array(f32.buffer));
}

/** Checksum of float32 data given as its 32-bit words. */
export function checksumWords(u32, h = 0x811c9dc5 ^ u32.length) {
  for (let j = 0; j < u32.length; j++) h = Math.imul(h ^ u32[j], 0x01000193);
  return h >>> 0;
}

/** Checksum of a Float32Array (copied first if its offset is not 4-aligned). */
export function checksumF32(f32) {
  const a = f32.byteOffset % 4 ? f32.slice() : f32;
  return checksumWords(new Uint32Array(a.buffer, a.byteOffset, a.length));
}

/** Every tensor's checksum, from the generator (1M values at a time). */
export function expectedChecksums(lay) {
  const out = {};
  const CH = 1 << 20;
  const f32 = new Float32Array(CH), u32 = new Uint32Array(f32.buffer);
  for (const [idx, {i, n}] of lay.tensors.entries()) {
    let h = 0x811c9dc5 ^ n;
    for (let k = 0; k < n; k += CH) {
      const m = Math.min(CH, n - k);
      fillValues(i, k, f32.subarray(0, m));
      for (let j = 0; j < m; j++) h = Math.imul(h ^ u32[j], 0x01000193);
    }
    out[lay.weights[idx].name] = h >>> 0;
  }
  return out;
}
