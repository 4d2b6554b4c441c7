#!/usr/bin/env node
// Side-by-side benchmark: model-artifacts (this package) against
// @tensorflow/tfjs-core 4.22.0 `tf.io` (cpu backend), in ONE Node process, on
// the same input bytes.
//
//   npm run bench                      # = node --expose-gc bench/bench.mjs
//   node --expose-gc bench/bench.mjs --write     # also writes bench/RESULTS.md
//   options: --runs=N (default 15)  --warmup=N (default 2)
//            --only=SUBSTR (case ids/names containing SUBSTR)  --quick (N=3, 1 warm-up)
//
// Method (same as shared/reference/baseline-bench.md): per case, one
// verification run of each side outside timing (our output must equal tfjs's
// bit for bit, else the row says MISMATCH), warm-ups, then N timed rounds; in
// each round ours, tfjs and the floor run one after another (order rotated),
// each preceded by gc(). The median is reported. MiB = 2^20 bytes.
//
// "floor" = the cheapest JS that produces the same output buffers: allocate a
// fresh typed array of each output's size and fill it with .set() from an
// existing array (per tensor for decodes, one buffer for encode/concat), timed
// in the same rounds. ours/floor near 1 means the work left is memory traffic.
//
// HTTP cases (g*): the 64 MiB model is served from memory by bench/http-server.mjs
// in a CHILD process on 127.0.0.1:0 (started only when a g case is selected).
// Their floor is g1: raw parallel fetch() of model.json + the 16 shards with
// text()/arrayBuffer(), timed in the same rounds.
import fs from 'node:fs';
import os from 'node:os';
import zlib from 'node:zlib';
import {execSync, fork} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {performance} from 'node:perf_hooks';

const argv = process.argv.slice(2);
const flag = name => argv.includes(`--${name}`);
const opt = (name, dflt) => {
  const a = argv.find(s => s.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : dflt;
};
const QUICK = flag('quick');
const RUNS = Number(opt('runs', QUICK ? 3 : 15));
const WARMUP = Number(opt('warmup', QUICK ? 1 : 2));
const ONLY = opt('only', null);
const WRITE = flag('write');
const STREAM_TFJS_RUNS = QUICK ? 1 : 2;   // tfjs decodeWeightsStream is quadratic (~5 s a run)
const CASE_TIMEOUT_MS = 120000;

const MiB = 1 << 20;
const here = new URL('.', import.meta.url);
const fixtures = new URL('../../shared/fixtures/', import.meta.url);
const wasmPath = new URL('../pkg/model_artifacts_bg.wasm', import.meta.url);

const loadStart = os.loadavg()[0];
const gc = globalThis.gc ?? (() => {});
if (!globalThis.gc) console.error('warning: run with node --expose-gc (npm run bench does); gc() before runs is skipped');

// ------------------------------------------------------------------ imports
let ma, tf;
try {
  ma = await import('model-artifacts');
} catch (e) {
  console.error(`cannot import model-artifacts (is pkg/ built? npm run build): ${e && e.stack || e}`);
  process.exit(1);
}
try {
  tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-cpu');
  await tf.setBackend('cpu');
  await tf.ready();
} catch (e) {
  console.error(`cannot load @tensorflow/tfjs-core + tfjs-backend-cpu (npm ci?): ${e && e.stack || e}`);
  process.exit(1);
}
const {generateLargeModel} = await import(new URL('large-64mb-generated/gen-large-model.mjs', fixtures));

// ------------------------------------------------------------------ helpers
const median = xs => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x, d = 2) => (x == null || !Number.isFinite(x)) ? '-' : x.toFixed(d);
const errText = e => String(e && (e.code ? `${e.code}: ${e.message}` : e.message) || e)
  .replace(/\s+/g, ' ').replace(/\|/g, '/').slice(0, 140);

function withTimeout(p, ms, what) {
  if (!(p && typeof p.then === 'function')) return p;
  let t;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise((_, rej) => { t = setTimeout(() => rej(new Error(`${what} timed out after ${ms} ms`)), ms); }),
  ]);
}

/** A fresh standalone ArrayBuffer holding the bytes of a view. */
const toAB = v => v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength);
const u8 = a => a instanceof ArrayBuffer ? new Uint8Array(a) : new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

function joinBytes(weightData) {
  const parts = (Array.isArray(weightData) ? weightData : [weightData]).map(u8);
  const total = parts.reduce((s, p) => s + p.byteLength, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) { out.set(p, off); off += p.byteLength; }
  return out;
}
/** Splits bytes into converter-style shards of `size` bytes (separate ArrayBuffers). */
function reshard(bytes, size = 4 * MiB) {
  const out = [];
  for (let off = 0; off < bytes.byteLength; off += size) out.push(toAB(bytes.subarray(off, Math.min(bytes.byteLength, off + size))));
  return out;
}

function sameBytes(a, b) {
  const x = u8(a), y = u8(b);
  return x.byteLength === y.byteLength && Buffer.from(x.buffer, x.byteOffset, x.byteLength)
    .equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
}

/** Checks our decoded map against tfjs's tensors, spec by spec, bit for bit. */
function compareDecoded(ours, theirs, specs) {
  if (!ours || typeof ours !== 'object') return 'ours returned no map';
  const bad = [];
  let maxAbs = 0;
  for (const spec of specs) {
    const o = ours[spec.name], t = theirs[spec.name];
    if (!o) { bad.push(`${spec.name}: missing`); continue; }
    if (o.dtype !== t.dtype) { bad.push(`${spec.name}: dtype ${o.dtype} vs ${t.dtype}`); continue; }
    if (JSON.stringify(o.shape) !== JSON.stringify(t.shape)) { bad.push(`${spec.name}: shape`); continue; }
    const td = t.dataSync();
    if (o.data == null || o.data.constructor !== td.constructor) {
      bad.push(`${spec.name}: data ${o.data && o.data.constructor.name} vs ${td.constructor.name}`); continue;
    }
    if (!sameBytes(o.data, td)) {
      bad.push(spec.name);
      if (td.length === o.data.length) for (let i = 0; i < td.length; i++) {
        const d = Math.abs(o.data[i] - td[i]);
        if (d > maxAbs) maxAbs = d;
      }
    }
  }
  const extra = Object.keys(ours).length - specs.length;
  if (!bad.length && extra === 0) return 'ok';
  return `MISMATCH ${bad.length}/${specs.length} (${bad.slice(0, 2).join('; ')}${maxAbs ? `; max abs diff ${maxAbs.toExponential(2)}` : ''})${extra ? ` extra keys ${extra}` : ''}`;
}

function disposeMap(m) {
  if (m && typeof m === 'object') for (const t of Object.values(m)) if (t && typeof t.dispose === 'function') t.dispose();
}

/** Floor for a decode: allocate each output like the decoder does and .set() it from an existing array. */
function decodeFloor(srcs) {
  return () => {
    const out = new Array(srcs.length);
    for (let i = 0; i < srcs.length; i++) {
      const s = srcs[i];
      const a = new s.constructor(s.length);
      a.set(s);
      out[i] = a;
    }
    return out;
  };
}
/** Touched copies of the decoded outputs, used as the floor's sources. */
function floorSources(oursMap, tfMap, specs) {
  return specs.map(s => {
    const o = oursMap && oursMap[s.name] && oursMap[s.name].data;
    const src = (o && ArrayBuffer.isView(o)) ? o : tfMap[s.name].dataSync();
    return src.slice();
  });
}
/** Floor for producing one buffer from parts: allocate the total and .set() each part. */
function joinFloor(parts) {
  const views = parts.map(u8);
  const total = views.reduce((s, v) => s + v.byteLength, 0);
  return () => {
    const out = new Uint8Array(total);
    let off = 0;
    for (const v of views) { out.set(v, off); off += v.byteLength; }
    return out.buffer;
  };
}

// ------------------------------------------------------------------ runner
const rows = [];
const details = [];

async function timeOnce(fn, cleanup, label) {
  gc();
  const t0 = performance.now();
  const r = await withTimeout(fn(), CASE_TIMEOUT_MS, label);
  const t1 = performance.now();
  if (cleanup) cleanup(r);
  return t1 - t0;
}

/**
 * c: {id, name, setup() -> ctx, ours(ctx), tfjs(ctx), tfjsCleanup?, verify(ctx, o, t) -> string,
 *     floor(ctx, o, t) -> fn, targets: [{kind: 'floor', max} | {kind: 'tfjs', speedup}],
 *     tfjsRuns?, tfjsWarmup?, teardown?(ctx)}
 */
async function runCase(c) {
  if (ONLY && !(`${c.id} ${c.name}`.includes(ONLY))) return;
  const row = {id: c.id, name: c.name, ours: null, tfjs: null, floor: null, check: '-', targets: c.targets || [], err: {}};
  rows.push(row);
  process.stderr.write(`[${c.id}] ${c.name} ... `);
  const tStart = performance.now();
  let ctx;
  try {
    ctx = await c.setup();
  } catch (e) {
    row.err.setup = errText(e);
    process.stderr.write(`setup failed: ${row.err.setup}\n`);
    return;
  }
  const sides = {ours: {fn: () => c.ours(ctx), ok: true, ms: []},
                 tfjs: {fn: () => c.tfjs(ctx), ok: true, ms: [], cleanup: c.tfjsCleanup ?? disposeMap},
                 floor: {fn: null, ok: true, ms: []}};
  // Verification run (also the first warm-up), outside timing.
  // A case without `tfjs` (tfjs has no such function, e.g. file:// in
  // tfjs-core) runs ours and the floor only; verify then gets t = null.
  const hasTfjs = typeof c.tfjs === 'function';
  if (!hasTfjs) sides.tfjs.ok = false;
  let o = null, t = null;
  try { o = await withTimeout(c.ours(ctx), CASE_TIMEOUT_MS, 'ours'); } catch (e) { sides.ours.ok = false; row.err.ours = errText(e); }
  if (hasTfjs) try { t = await withTimeout(c.tfjs(ctx), CASE_TIMEOUT_MS * 2, 'tfjs'); } catch (e) { sides.tfjs.ok = false; row.err.tfjs = errText(e); }
  if (sides.ours.ok && (sides.tfjs.ok || !hasTfjs)) {
    try { row.check = await c.verify(ctx, o, t); } catch (e) { row.check = `verify threw: ${errText(e)}`; }
  } else row.check = 'not verified';
  try { sides.floor.fn = c.floor(ctx, sides.ours.ok ? o : null, sides.tfjs.ok ? t : null); }
  catch (e) { sides.floor.ok = false; row.err.floor = errText(e); }
  if (sides.tfjs.ok) sides.tfjs.cleanup(t);
  // eslint-disable-next-line no-useless-assignment -- drops the results before the timed runs
  o = t = null;

  // Warm-ups and timed runs per side; the verification run above was the first warm-up of ours and tfjs.
  sides.ours.warm = WARMUP - 1; sides.ours.runs = RUNS;
  sides.tfjs.warm = c.tfjsWarmup ?? (WARMUP - 1); sides.tfjs.runs = c.tfjsRuns ?? RUNS;
  sides.floor.warm = WARMUP; sides.floor.runs = RUNS;
  const order = ['ours', 'tfjs', 'floor'];
  for (const s of Object.values(sides)) s.done = 0;
  for (let r = 0; order.some(n => sides[n].ok && sides[n].done < sides[n].warm + sides[n].runs); r++) {
    for (let k = 0; k < 3; k++) {
      const name = order[(r + k) % 3];
      const s = sides[name];
      if (!s.ok || s.done >= s.warm + s.runs) continue;
      try {
        const ms = await timeOnce(s.fn, s.cleanup, name);
        if (s.done >= s.warm) s.ms.push(ms);
        s.done++;
      } catch (e) {
        s.ok = false;
        row.err[name] = errText(e);
      }
    }
  }
  for (const name of order) if (sides[name].ms.length) row[name] = median(sides[name].ms);
  details.push({id: c.id, ours: sides.ours.ms, tfjs: sides.tfjs.ms, floor: sides.floor.ms});
  if (c.teardown) try { c.teardown(ctx); } catch {}
  ctx = null;
  gc();
  process.stderr.write(`${((performance.now() - tStart) / 1000).toFixed(1)} s  ours ${fmt(row.ours)} tfjs ${fmt(row.tfjs)} floor ${fmt(row.floor)}  ${row.check}\n`);
}

function judge(row) {
  const out = [];
  for (const tg of row.targets) {
    if (tg.kind === 'floor') {
      const r = row.ours != null && row.floor ? row.ours / row.floor : null;
      out.push(`≤${tg.max}× floor: ${r == null ? 'n/a' : (r <= tg.max ? 'PASS' : 'MISS')}`);
    } else if (tg.kind === 'tfjs') {
      const sp = row.ours && row.tfjs != null ? row.tfjs / row.ours : null;
      out.push(`≥${tg.speedup}× faster than tfjs: ${sp == null ? 'n/a' : (sp >= tg.speedup ? 'PASS' : 'MISS')} (${fmt(sp, 1)}×)`);
    } else if (tg.kind === 'size') {
      out.push(`≤${tg.maxKiB} KiB gz: ${row.sizeKiB == null ? 'n/a' : (row.sizeKiB <= tg.maxKiB ? 'PASS' : 'MISS')}`);
    }
  }
  return out.join('; ');
}

// ------------------------------------------------------------------ inputs
process.stderr.write('generating the 64 MiB fixture ... ');
const large = generateLargeModel();
const largeSpecs = large.modelJSON.weightsManifest[0].weights;
const largeShards = large.shards.map(s => toAB(s.data));                // 16 x 4 MiB ArrayBuffers
const largeBytes = new Uint8Array(large.totalBytes);
{ let off = 0; for (const s of large.shards) { largeBytes.set(s.data, off); off += s.data.byteLength; } }
const largeF32 = [];                                                     // per-tensor views of the source values
{ let off = 0; for (const w of largeSpecs) { const n = w.shape[0] * w.shape[1]; largeF32.push(new Float32Array(largeBytes.buffer, off, n)); off += n * 4; } }
process.stderr.write('done\n');

const quantized = {};
for (const dtype of ['float16', 'uint8', 'uint16']) {
  try {
    const t0 = performance.now();
    const q = ma.quantizeArtifacts({modelTopology: large.modelJSON.modelTopology, format: 'graph-model',
                                    weightSpecs: largeSpecs, weightData: largeShards}, {dtype});
    const ms = performance.now() - t0;
    const bytes = joinBytes(q.weightData);
    quantized[dtype] = {specs: q.weightSpecs, shards: reshard(bytes), bytes: bytes.byteLength, quantizeMs: ms};
    process.stderr.write(`quantizeArtifacts ${dtype}: ${ms.toFixed(0)} ms, ${(bytes.byteLength / MiB).toFixed(1)} MiB\n`);
  } catch (e) {
    quantized[dtype] = {error: errText(e)};
    process.stderr.write(`quantizeArtifacts ${dtype} failed: ${errText(e)}\n`);
  }
}

/** Sanity of the quantized bytes (decoded by tfjs) against the float32 source: the quantizer, not the decoder. */
function quantSanity(dtype, tfMap) {
  const tol = {float16: 1e-3, uint8: 2 / 255 * 0.51 + 1e-6, uint16: 2 / 65535 * 0.51 + 1e-6}[dtype];
  let maxErr = 0;
  largeSpecs.forEach((s, i) => {
    const d = tfMap[s.name].dataSync(), src = largeF32[i];
    for (let k = 0; k < d.length; k++) { const e = Math.abs(d[k] - src[k]); if (e > maxErr) maxErr = e; }
  });
  return maxErr <= tol ? '' : ` QUANTIZER? max |q-x|=${maxErr.toExponential(2)} > ${tol.toExponential(2)}`;
}

// ------------------------------------------------------------------ cases
function decodeCase(id, name, getInput, targets, sanity) {
  return {
    id, name, targets,
    setup: () => getInput(),
    ours: ctx => ma.decodeWeights(ctx.data, ctx.specs),
    tfjs: ctx => tf.io.decodeWeights(ctx.data, ctx.specs),
    verify: (ctx, o, t) => compareDecoded(o, t, ctx.specs) + (sanity ? sanity(t) : ''),
    floor: (ctx, o, t) => decodeFloor(floorSources(o, t, ctx.specs)),
  };
}
const quantInput = dtype => () => {
  const q = quantized[dtype];
  if (!q || q.error) throw new Error(`no ${dtype} input: ${q && q.error}`);
  return {data: q.shards, specs: q.specs};
};

/** Deterministic xorshift32 words. */
function xorshift(seed) {
  let x = seed >>> 0;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; return (x >>>= 0); };
}
/**
 * The same specs over random codes instead of smooth values: random bytes,
 * where float32 and float16 values are redrawn until finite (exponent not all
 * ones), so about 1/31 of the halves are subnormal, as near zero in real weights.
 */
const randomInput = kind => {
  let made = null;
  return () => {
    if (made) return made;
    const q = kind === 'float32' ? {specs: largeSpecs, bytes: large.totalBytes} : quantized[kind];
    if (!q || q.error) throw new Error(`no ${kind} specs: ${q && q.error}`);
    const next = xorshift(0x2545f491);
    const bytes = new Uint8Array(q.bytes);
    if (kind === 'float32') {
      const v = new Uint32Array(bytes.buffer);
      for (let i = 0; i < v.length; i++) { let w; do w = next(); while ((w & 0x7f800000) === 0x7f800000); v[i] = w; }
    } else if (kind === 'float16') {
      const v = new Uint16Array(bytes.buffer);
      for (let i = 0; i < v.length; i++) { let h; do h = next() >>> 16; while ((h & 0x7c00) === 0x7c00); v[i] = h; }
    } else {
      const v = new Uint32Array(bytes.buffer);
      for (let i = 0; i < v.length; i++) v[i] = next();
    }
    return (made = {data: reshard(bytes), specs: q.specs});
  };
};

// Every decode twice: on smooth values (the 64 MiB model, quantized by ours)
// and on random codes under the same specs; a decoder's speed must not
// depend on the values.
const cases = [];
const floatTargets = [{kind: 'floor', max: 1.2}];
const f16Targets = [{kind: 'tfjs', speedup: 3.5}, {kind: 'floor', max: 2}];
const affineTargets = [{kind: 'tfjs', speedup: 2}, {kind: 'floor', max: 2}];
cases.push(decodeCase('a', 'decodeWeights float32 64 MiB (16 x 4 MiB shards), smooth values',
  () => ({data: largeShards, specs: largeSpecs}), floatTargets));
cases.push(decodeCase('ar', 'decodeWeights float32 64 MiB, random finite values', randomInput('float32'), floatTargets));
cases.push(decodeCase('b1', 'decodeWeights float16 -> f32 (32 MiB in, 64 MiB out), smooth values', quantInput('float16'),
  f16Targets, t => quantSanity('float16', t)));
cases.push(decodeCase('b1r', 'decodeWeights float16 -> f32, random finite halves (~3% subnormal)', randomInput('float16'), f16Targets));
cases.push(decodeCase('b2', 'decodeWeights uint8 -> f32 (16 MiB in, 64 MiB out), smooth values', quantInput('uint8'),
  affineTargets, t => quantSanity('uint8', t)));
cases.push(decodeCase('b2r', 'decodeWeights uint8 -> f32, random codes', randomInput('uint8'), affineTargets));
cases.push(decodeCase('b3', 'decodeWeights uint16 -> f32 (32 MiB in, 64 MiB out), smooth values', quantInput('uint16'),
  affineTargets, t => quantSanity('uint16', t)));
cases.push(decodeCase('b3r', 'decodeWeights uint16 -> f32, random codes', randomInput('uint16'), affineTargets));

cases.push(decodeCase('s', 'decodeWeights 2,000 small float16 tensors (256 values each)', () => {
  const N = 2000, V = 256;
  const vals = new Float32Array(N * V);
  let x = 0x9e3779b9 >>> 0;
  for (let i = 0; i < vals.length; i++) { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; vals[i] = ((x >>> 8) / 16777216) * 4 - 2; }
  const specs = Array.from({length: N}, (_, i) => ({name: `dense_${i}/kernel`, shape: [16, 16], dtype: 'float32'}));
  const q = ma.quantizeArtifacts({modelTopology: {}, weightSpecs: specs, weightData: vals.buffer}, {dtype: 'float16'});
  return {data: toAB(joinBytes(q.weightData)), specs: q.weightSpecs};
}, [{kind: 'tfjs', speedup: 2}]));

cases.push(decodeCase('h', 'decodeWeights real fixture human-handtrack-uint8 (619 weights, 2.8 MiB)', () => {
  const dir = new URL('human-handtrack-uint8/', fixtures);
  const mj = JSON.parse(fs.readFileSync(new URL('model.json', dir), 'utf8'));
  const specs = mj.weightsManifest.flatMap(g => g.weights);
  const data = mj.weightsManifest.flatMap(g => g.paths).map(p => toAB(fs.readFileSync(new URL(p, dir))));
  return {data: data.length === 1 ? data[0] : data, specs};
}, [{kind: 'tfjs', speedup: 2}]));

cases.push({
  id: 'e', name: 'encodeWeights 64 float32 tensors (64 MiB)', targets: [{kind: 'floor', max: 1.2}],
  setup: () => {
    const oursIn = {}, tfIn = {};
    largeSpecs.forEach((s, i) => {
      oursIn[s.name] = {dtype: 'float32', shape: s.shape, data: largeF32[i]};
      tfIn[s.name] = tf.tensor(largeF32[i], s.shape, 'float32');
    });
    return {oursIn, tfIn};
  },
  ours: ctx => ma.encodeWeights(ctx.oursIn),
  tfjs: ctx => tf.io.encodeWeights(ctx.tfIn),
  tfjsCleanup: () => {},
  verify: (ctx, o, t) => {
    const specOk = o.specs.length === t.specs.length && o.specs.every((s, i) =>
      s.name === t.specs[i].name && s.dtype === t.specs[i].dtype && JSON.stringify(s.shape) === JSON.stringify(t.specs[i].shape));
    const dataOk = sameBytes(joinBytes(o.data), joinBytes(t.data));
    return specOk && dataOk ? 'ok' : `MISMATCH (specs ${specOk ? 'ok' : 'differ'}, data ${dataOk ? 'ok' : 'differs'})`;
  },
  floor: () => joinFloor(largeF32),
  teardown: ctx => disposeMap(ctx.tfIn),
});

cases.push({
  id: 'c', name: 'concatenateArrayBuffers 16 x 4 MiB', targets: [{kind: 'floor', max: 1.2}],
  setup: () => ({bufs: largeShards}),
  ours: ctx => ma.concatenateArrayBuffers(ctx.bufs),
  tfjs: ctx => tf.io.concatenateArrayBuffers(ctx.bufs),
  tfjsCleanup: () => {},
  verify: (ctx, o, t) => (o instanceof ArrayBuffer ? '' : `ours returned ${o && o.constructor.name}; `) +
    (sameBytes(o, t) && sameBytes(o, largeBytes) ? 'ok' : 'MISMATCH'),
  floor: ctx => joinFloor(ctx.bufs),
});

cases.push({
  id: 'w', name: 'decodeWeightsStream one 32 MiB float32 tensor, 64 KiB chunks',
  targets: [{kind: 'tfjs', speedup: 50}],
  tfjsRuns: STREAM_TFJS_RUNS, tfjsWarmup: 0,
  setup: () => {
    const bytes = largeBytes.subarray(0, 32 * MiB);
    const CH = 64 * 1024;
    const chunks = [];
    for (let off = 0; off < bytes.byteLength; off += CH) chunks.push(bytes.slice(off, off + CH));   // separate buffers, like fetch
    const specs = [{name: 'big/kernel', shape: [8192, 1024], dtype: 'float32'}];
    const stream = () => {
      let i = 0;
      return new ReadableStream({
        pull(ctrl) {
          if (i < chunks.length) {
            const c = chunks[i++];
            if (c.byteLength === 0) throw new Error('bench input chunk was detached by a previous run');
            ctrl.enqueue(c);
          } else ctrl.close();
        },
      });
    };
    return {chunks, specs, stream, src: new Float32Array(bytes.buffer, 0, 8 * MiB)};
  },
  ours: ctx => ma.decodeWeightsStream(ctx.stream(), ctx.specs),
  tfjs: ctx => tf.io.decodeWeightsStream(ctx.stream(), ctx.specs),
  verify: (ctx, o, t) => {
    const c = compareDecoded(o, t, ctx.specs);
    return c === 'ok' && !sameBytes(o['big/kernel'].data, ctx.src) ? 'MISMATCH vs source' : c;
  },
  // Floor here: JS reads the same fresh stream (reader.read() per chunk) into one
  // output allocated per run; the stream machinery is part of the unavoidable cost.
  floor: ctx => async () => {
    const out = new Float32Array(8 * MiB);
    const b = new Uint8Array(out.buffer);
    const reader = ctx.stream().getReader();
    let off = 0;
    for (;;) {
      const {done, value} = await reader.read();
      if (done) break;
      b.set(value, off);
      off += value.byteLength;
    }
    return out;
  },
});


// ------------------------------------------------------------------ HTTP cases (g)
// Loopback server in a child process: the 64 MiB fixture from memory.
let server = null;
async function startServer() {
  if (server) return server;
  const child = fork(fileURLToPath(new URL('http-server.mjs', here)), ['large64'], {stdio: ['ignore', 'inherit', 'inherit', 'ipc']});
  process.on('exit', () => { try { child.kill(); } catch {} });
  const info = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', code => reject(new Error(`bench/http-server.mjs exited (${code})`)));
  });
  const base = `http://127.0.0.1:${info.port}/`;
  server = {child, info, url: `${base}model.json`, shardUrls: large.shards.map(s => base + s.path)};
  return server;
}
function stopServer() { if (server) { try { server.child.disconnect(); server.child.kill(); } catch {} server = null; } }

/** g1: the cheapest JS that gets the same bytes: every request at once, whole bodies. */
const rawFetch = srv => async () => {
  const [json, ...bufs] = await Promise.all([fetch(srv.url).then(r => r.text()),
                                             ...srv.shardUrls.map(u => fetch(u).then(r => r.arrayBuffer()))]);
  return {json, bufs};
};

/** Our artifacts against tfjs's: topology, specs, other fields, and every weight byte (also against the source). */
function compareArtifacts(o, t) {
  const diffs = [];
  for (const k of ['modelTopology', 'weightSpecs', 'format', 'generatedBy', 'convertedBy', 'trainingConfig', 'signature', 'userDefinedMetadata', 'modelInitializer']) {
    if (JSON.stringify(o[k]) !== JSON.stringify(t[k])) diffs.push(k);
  }
  const ob = joinBytes(o.weightData), tb = joinBytes(t.weightData);
  if (!sameBytes(ob, tb)) diffs.push('weightData');
  else if (!sameBytes(ob, largeBytes)) diffs.push('weightData vs source');
  if (Array.isArray(o.weightData) !== Array.isArray(t.weightData)
      || (Array.isArray(o.weightData) && o.weightData.length !== t.weightData.length)) diffs.push('weightData layout');
  return diffs.length ? `MISMATCH (${diffs.join(', ')})` : 'ok';
}
/** Decoded map check plus the source values. */
function compareDecodedToSource(o, t) {
  const c = compareDecoded(o, t, largeSpecs);
  if (c !== 'ok') return c;
  const bad = largeSpecs.filter((s, i) => !sameBytes(o[s.name].data, largeF32[i])).length;
  return bad ? `MISMATCH vs source (${bad} tensors)` : 'ok';
}

const gSetup = async () => ({srv: await startServer()});
cases.push({
  id: 'g2', name: 'http load: ma.http(url).load() vs tf.io.http(url).load() (64 MiB, 16 shards; floor = g1)',
  targets: [{kind: 'floor', max: 1.15}],
  setup: gSetup,
  ours: ctx => ma.http(ctx.srv.url).load(),
  tfjs: ctx => tf.io.http(ctx.srv.url).load(),
  tfjsCleanup: () => {},
  verify: (ctx, o, t) => compareArtifacts(o, t),
  floor: ctx => rawFetch(ctx.srv),
});
cases.push({
  id: 'g3', name: 'http load + decodeWeights: ours http + ma.decodeWeights vs tf.io.http + tf.io.decodeWeights (floor = g1)',
  targets: [{kind: 'tfjs', speedup: 1.3}],
  setup: gSetup,
  ours: async ctx => { const a = await ma.http(ctx.srv.url).load(); return ma.decodeWeights(a.weightData, a.weightSpecs); },
  tfjs: async ctx => { const a = await tf.io.http(ctx.srv.url).load(); return tf.io.decodeWeights(a.weightData, a.weightSpecs); },
  verify: (ctx, o, t) => compareDecodedToSource(o, t),
  floor: ctx => rawFetch(ctx.srv),
});
cases.push({
  id: 'g5', name: 'http streamed: ours streamWeights + decodeWeightsStream({onTensor}) vs tfjs streamWeights + tf.io.decodeWeightsStream (floor = g1)',
  targets: [],
  setup: async () => ({srv: await startServer(), collect: {}}),
  // The first call (the verification run) keeps what onTensor receives; timed runs drop it.
  ours: async ctx => {
    const keep = ctx.collect;
    ctx.collect = null;
    const a = await ma.http(ctx.srv.url, {streamWeights: true}).load();
    let n = 0;
    const rest = await ma.decodeWeightsStream(a.getWeightStream(), a.weightSpecs, {onTensor: t => { n++; if (keep) keep[t.name] = t; }});
    if (keep) { keep.__count = n; keep.__rest = Object.keys(rest).length; }
    return keep ?? n;
  },
  tfjs: async ctx => { const a = await tf.io.http(ctx.srv.url, {streamWeights: true}).load(); return tf.io.decodeWeightsStream(a.getWeightStream(), a.weightSpecs); },
  verify: (ctx, o, t) => {
    const {__count: n, __rest: rest, ...tensors} = o;
    const c = compareDecodedToSource(tensors, t);
    return n !== largeSpecs.length || rest !== 0 ? `${c}; onTensor got ${n}/${largeSpecs.length}, returned map kept ${rest}` : c;
  },
  floor: ctx => rawFetch(ctx.srv),
});

// ------------------------------------------------------------------ file-system cases (f)
// fileSystem() on the local disk (os.tmpdir(), ext4 here): the 64 MiB model is
// written once into a temp folder; tfjs-core has no file:// handler, so these
// rows have ours and a floor only. Load floor: fs.readFile of model.json + the
// 16 shards, all in parallel. Save floors: fs.writeFile of the same 16 shards +
// model.json in parallel into an existing folder, without (f2) and with (f3)
// fh.sync() per file; our save also fsyncs every file, writes into a temp
// folder beside the target and swaps it in by rename (the old folder removed).
let fsBench = null;
function fsBenchDirs() {
  if (fsBench) return fsBench;
  const base = fs.mkdtempSync(`${os.tmpdir()}/ma-bench-fs-`);
  process.on('exit', () => { try { fs.rmSync(base, {recursive: true, force: true}); } catch {} });
  const src = `${base}/src`;
  fs.mkdirSync(src);
  const modelText = JSON.stringify(large.modelJSON);
  fs.writeFileSync(`${src}/model.json`, modelText);
  for (const sh of large.shards) fs.writeFileSync(`${src}/${sh.path}`, sh.data);
  fs.mkdirSync(`${base}/floor`);
  fsBench = {base, src, save: `${base}/saved`, floor: `${base}/floor`, modelText};
  return fsBench;
}
const largeArtifacts = () => ({modelTopology: large.modelJSON.modelTopology, format: large.modelJSON.format,
  generatedBy: large.modelJSON.generatedBy, convertedBy: large.modelJSON.convertedBy,
  weightSpecs: largeSpecs, weightData: largeShards});
/** What a folder on disk holds, against the source: manifest and every byte. */
function checkFolder(dir) {
  const mj = JSON.parse(fs.readFileSync(`${dir}/model.json`, 'utf8'));
  const paths = mj.weightsManifest.flatMap(g => g.paths);
  const want = large.shards.map(s => s.path);
  if (JSON.stringify(paths) !== JSON.stringify(want)) return `MISMATCH (paths ${paths.join(',')})`;
  if (JSON.stringify(mj.weightsManifest[0].weights) !== JSON.stringify(largeSpecs)) return 'MISMATCH (weights manifest)';
  return sameBytes(joinBytes(paths.map(p => fs.readFileSync(`${dir}/${p}`))), largeBytes) ? 'ok' : 'MISMATCH (bytes)';
}
/** The save floor: every file written at once, optionally fsync'ed. */
const writeFloor = (ctx, sync) => async () => {
  const files = [[`${ctx.floor}/model.json`, Buffer.from(ctx.modelText)],
    ...large.shards.map(s => [`${ctx.floor}/${s.path}`, s.data])];
  if (!sync) return Promise.all(files.map(([p, d]) => fs.promises.writeFile(p, d)));
  return Promise.all(files.map(async ([p, d]) => {
    const fh = await fs.promises.open(p, 'w');
    try { await fh.writeFile(d); await fh.sync(); } finally { await fh.close(); }
  }));
};
cases.push({
  id: 'f1', name: 'file load: ma.fileSystem(dir/model.json).load() (64 MiB, 16 shards; floor = parallel fs.readFile of the 17 files)',
  targets: [{kind: 'floor', max: 1.2}],
  setup: () => fsBenchDirs(),
  ours: ctx => ma.fileSystem(`${ctx.src}/model.json`).load(),
  verify: (ctx, o) => {
    if (JSON.stringify(o.weightSpecs) !== JSON.stringify(largeSpecs)) return 'MISMATCH (weightSpecs)';
    return sameBytes(joinBytes(o.weightData), largeBytes) ? 'ok' : 'MISMATCH (bytes)';
  },
  floor: ctx => async () => {
    const [json, ...bufs] = await Promise.all([fs.promises.readFile(`${ctx.src}/model.json`, 'utf8'),
      ...large.shards.map(s => fs.promises.readFile(`${ctx.src}/${s.path}`))]);
    return {json, bufs};
  },
});
const saveCase = (id, sync) => ({
  id, name: `file save: ma.fileSystem(dir).save(artifacts) (64 MiB -> 16 shards, fsync'ed, swapped in; floor = parallel fs.writeFile of the 17 files${sync ? ' + fh.sync() each' : ', no fsync'})`,
  targets: [{kind: 'floor', max: 1.2}],
  setup: () => ({...fsBenchDirs(), artifacts: largeArtifacts()}),
  ours: ctx => ma.fileSystem(ctx.save).save(ctx.artifacts),
  verify: ctx => checkFolder(ctx.save),
  floor: ctx => writeFloor(ctx, sync),
});
cases.push(saveCase('f2', false));
cases.push(saveCase('f3', true));

// ------------------------------------------------------------------ Chromium storage cases (i, l)
// Headless Chromium (Debian's, through playwright-core), one page holding
// both this package (browser build, import map) and tf.min.js 4.22: the 64
// MiB model is loaded into the page once over HTTP from the file-system
// bench's folder (untimed); each timed run saves and loads it back through
// IndexedDB (i1) or a 3 MiB part of it through localStorage (l1). Timing is
// taken here around one page.evaluate per run (the ~1 ms round trip is in
// every side). Floors: the same bytes through raw IndexedDB (one put of the
// shards array, one get) and raw localStorage (platform base64).
let chromiumBench = null;
async function startChromium() {
  if (chromiumBench) return chromiumBench;
  const {startStaticServer} = await import('../tests/js/support/static-server.mjs');
  const {openTestPage} = await import('../tests/js/support/engines.mjs');
  const root = fileURLToPath(new URL('..', here));
  const srv = await startStaticServer({'/large/': fsBenchDirs().src, '/': root});
  const problems = {pageErrors: [], consoleErrors: [], failedRequests: []};
  // The timed calls go straight to Playwright's page (.pw), not through the
  // layer's cross-engine evaluate codec.
  const {browser, page: {pw: page}} = await openTestPage('chromium', srv.url, problems);
  process.on('exit', () => { try { browser.close(); } catch {} });
  await page.addScriptTag({url: '/node_modules/@tensorflow/tfjs/dist/tf.min.js'});
  await page.evaluate(async () => {
    const ma = await import('model-artifacts');
    await tf.setBackend('cpu');
    const big = await ma.http('/large/model.json').load();
    // 3 MiB, the first three tensors (255 + 257 + 255 rows of 1024 float32):
    // 4 MiB would not fit, as base64 it is 5.6 M characters and Chromium's
    // localStorage holds 5 Mi (for tfjs neither).
    const specs = big.weightSpecs.slice(0, 3);
    const bytes = specs.reduce((n, s) => n + 4 * s.shape[0] * s.shape[1], 0);
    const small = {...big, weightSpecs: specs, weightData: big.weightData[0].slice(0, bytes)};
    const sourceOf = a => {
      const parts = Array.isArray(a.weightData) ? a.weightData : [a.weightData];
      const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
      let at = 0;
      for (const p of parts) { out.set(new Uint8Array(p), at); at += p.byteLength; }
      return out;
    };
    const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
    const idb = (mode, work) => new Promise((resolve, reject) => {
      const open = indexedDB.open('bench-floor', 1);
      open.onupgradeneeded = () => open.result.createObjectStore('s');
      open.onerror = () => reject(open.error);
      open.onsuccess = () => {
        const tx = open.result.transaction('s', mode);
        const r = work(tx.objectStore('s'));
        tx.oncomplete = () => { open.result.close(); resolve(r.result); };
        tx.onerror = () => reject(tx.error);
      };
    });
    const tfSave = (url, a) => tf.io.getSaveHandlers(url)[0].save(a);
    const tfLoad = url => tf.io.getLoadHandlers(url)[0].load();
    const sides = {
      'i1 ours': async a => { await ma.browserIndexedDB('bench/ours').save(a); return ma.browserIndexedDB('bench/ours').load(); },
      'i1 tfjs': async a => { await tfSave('indexeddb://bench/tfjs', a); return tfLoad('indexeddb://bench/tfjs'); },
      'i1 floor': async a => { await idb('readwrite', s => s.put(a.weightData, 'k')); return {weightData: await idb('readonly', s => s.get('k'))}; },
      'l1 ours': async a => { await ma.browserLocalStorage('bench/ours').save(a); return ma.browserLocalStorage('bench/ours').load(); },
      'l1 tfjs': async a => { await tfSave('localstorage://bench/tfjs', a); return tfLoad('localstorage://bench/tfjs'); },
      'l1 floor': async a => {
        localStorage.setItem('bench-floor', new Uint8Array(a.weightData).toBase64());
        return {weightData: Uint8Array.fromBase64(localStorage.getItem('bench-floor')).buffer};
      },
    };
    window.__bench = async (name, verify) => {
      const a = name.startsWith('i') ? big : small;
      const out = await sides[name](a);
      if (name.startsWith('l')) localStorage.clear();
      return verify ? (same(sourceOf(out), sourceOf(a)) ? 'ok' : 'MISMATCH (bytes)') : null;
    };
  });
  chromiumBench = {browser, page, srv, problems};
  return chromiumBench;
}
async function stopChromium() {
  if (!chromiumBench) return;
  await chromiumBench.browser.close();
  await chromiumBench.srv.close();
  chromiumBench = null;
}
const pageRun = (ctx, name) => ctx.page.evaluate(([n, v]) => window.__bench(n, v), [name, false]);
const chromiumCase = (id, name, targets) => ({
  id, name, targets,
  setup: startChromium,
  ours: ctx => pageRun(ctx, `${id} ours`),
  tfjs: ctx => pageRun(ctx, `${id} tfjs`),
  tfjsCleanup: () => {},
  verify: async ctx => {
    const checks = await Promise.all(['ours', 'tfjs'].map(s => ctx.page.evaluate(([n]) => window.__bench(n, true), [`${id} ${s}`])));
    const {pageErrors, consoleErrors} = ctx.problems;
    return [...new Set(checks), ...pageErrors, ...consoleErrors].join('; ');
  },
  floor: ctx => () => pageRun(ctx, `${id} floor`),
});
// n1: float16 decode in Chromium, where the platform has Float16Array: ours
// (browser build) and tfjs 4.22 side by side, and in the floor column the
// native conversion, new Float32Array(new Float16Array(bytes, offset, n)) per
// tensor, on the same random finite halves as b1r (generated in the page by
// the same xorshift). The check also reports whether the native conversion is
// bit-exact over all 65,536 halves (NaN payloads included), as ours is.
const f16PageSetup = async () => {
  const ctx = await startChromium();
  const specs = quantized.float16.specs;
  await ctx.page.evaluate(async ([specs, xorshiftSource]) => {
    const ma = await import('model-artifacts');
    const next = new Function(`return (${xorshiftSource})`)()(0x2545f491);
    const total = specs.reduce((n, s) => n + 2 * s.shape.reduce((a, b) => a * b, 1), 0);
    const bytes = new Uint8Array(total);
    const v = new Uint16Array(bytes.buffer);
    for (let i = 0; i < v.length; i++) { let h; do h = next() >>> 16; while ((h & 0x7c00) === 0x7c00); v[i] = h; }
    const shards = [];
    for (let at = 0; at < total; at += 4 << 20) shards.push(bytes.slice(at, Math.min(total, at + (4 << 20))).buffer);
    const views = [];
    let at = 0;
    for (const s of specs) { const n = s.shape.reduce((a, b) => a * b, 1); views.push([at, n]); at += 2 * n; }
    const native = typeof Float16Array === 'function'
      ? () => views.map(([offset, n]) => new Float32Array(new Float16Array(bytes.buffer, offset, n))) : null;
    const bits = a => new Uint32Array(a.buffer, a.byteOffset, a.length);
    const same = (a, b) => a.length === b.length && bits(a).every((x, i) => x === bits(b)[i]);
    window.__f16 = {
      ours: () => ma.decodeWeights(shards, specs),
      tfjs: () => { const m = tf.io.decodeWeights(shards, specs); Object.values(m).forEach(t => t.dispose()); },
      native,
      verify: () => {
        const o = ma.decodeWeights(shards, specs);
        const t = tf.io.decodeWeights(shards, specs);
        const bad = specs.filter(s => !same(o[s.name].data, t[s.name].dataSync())).length;
        Object.values(t).forEach(x => x.dispose());
        if (!native) return `${bad ? `MISMATCH ${bad} tensors` : 'ok'}; this Chromium has no Float16Array`;
        const n = native();
        const nativeBad = specs.filter((s, i) => !same(o[s.name].data, n[i])).length;
        const all = new Uint16Array(65536).map((_, i) => i);
        const ours = ma.decodeWeights(all.buffer, [{name: 'h', shape: [65536], dtype: 'float32', quantization: {dtype: 'float16'}}]).h.data;
        const theirs = new Float32Array(new Float16Array(all.buffer));
        const differ = [];
        for (let h = 0; h < 65536; h++) if (bits(ours)[h] !== bits(theirs)[h]) differ.push(h);
        const nan = differ.filter(h => (h & 0x7c00) === 0x7c00 && (h & 0x3ff)).length;
        return `${bad ? `MISMATCH ${bad} tensors` : 'ok'}; native = ours on ${nativeBad ? `${specs.length - nativeBad}/${specs.length}` : 'all'} tensors; `
          + `native over all 65536 halves: ${differ.length} differ from ours (${nan} of them NaNs${differ.length ? `, e.g. ${differ[0].toString(16)}: ${bits(theirs)[differ[0]].toString(16)} vs ${bits(ours)[differ[0]].toString(16)}` : ''})`;
      },
    };
  }, [specs, xorshift.toString()]);
  return ctx;
};
cases.push({
  id: 'n1', name: 'float16 -> f32 in Chromium, random finite halves (as b1r): ours vs tfjs; floor column = native new Float32Array(new Float16Array(...)) per tensor',
  targets: [],
  setup: f16PageSetup,
  ours: ctx => ctx.page.evaluate(() => { window.__f16.ours(); return null; }),
  tfjs: ctx => ctx.page.evaluate(() => { window.__f16.tfjs(); return null; }),
  tfjsCleanup: () => {},
  verify: ctx => ctx.page.evaluate(() => window.__f16.verify()),
  floor: ctx => () => ctx.page.evaluate(() => { window.__f16.native(); return null; }),
});
cases.push(chromiumCase('i1', 'IndexedDB save + load in Chromium: ma.browserIndexedDB vs tfjs indexeddb:// (64 MiB, 16 shards; floor = raw IDB put + get of the shards)',
  [{kind: 'tfjs', speedup: 1}]));
cases.push(chromiumCase('l1', 'localStorage save + load in Chromium: ma.browserLocalStorage vs tfjs localstorage:// (3 MiB; floor = setItem/getItem with platform base64)',
  [{kind: 'tfjs', speedup: 10}]));

// ------------------------------------------------------------------ run
const t0 = performance.now();
for (const c of cases) {
  try { await runCase(c); }
  catch (e) { rows.push({id: c.id, name: c.name, targets: [], err: {case: errText(e)}, check: '-'}); }
}
const serverInfo = server && server.info;
stopServer();
await stopChromium();
// g1 (the HTTP floor) as its own row: the floor samples of the first g case that ran.
{
  const i = rows.findIndex(r => /^g\d/.test(r.id) && r.floor != null);
  if (i >= 0) {
    rows.splice(i, 0, {id: 'g1', name: 'raw fetch: model.json + 16 shards in parallel, text()/arrayBuffer() (the floor of g2-g5)',
                       ours: null, tfjs: null, floor: rows[i].floor, targets: [], err: {}, check: '-'});
  }
}

// memcpy ceiling (baseline-bench f1) and the single-buffer alloc+set reference.
const refs = [];
if (!ONLY || 'memcpy'.includes(ONLY)) {
  const src = largeBytes, dst = new Uint8Array(64 * MiB);
  const setMs = [], allocMs = [];
  for (let r = 0; r < RUNS + WARMUP; r++) {
    gc(); let a = performance.now(); dst.set(src); let b = performance.now();
    if (r >= WARMUP) setMs.push(b - a);
    gc(); a = performance.now(); const x = new Uint8Array(64 * MiB); x.set(src); b = performance.now();
    if (r >= WARMUP) allocMs.push(b - a);
  }
  refs.push({name: 'memcpy ceiling: existing Uint8Array(64 MiB).set(src) (baseline f1)', ms: median(setMs)});
  refs.push({name: 'alloc + copy: new Uint8Array(64 MiB).set(src)', ms: median(allocMs)});
}

// wasm size
const sizeRow = {id: 'z', name: 'wasm size: pkg/model_artifacts_bg.wasm, gzip -9', targets: [{kind: 'size', maxKiB: 150}], err: {}, check: '-'};
try {
  const wasm = fs.readFileSync(wasmPath);
  sizeRow.rawKiB = wasm.byteLength / 1024;
  sizeRow.sizeKiB = zlib.gzipSync(wasm, {level: 9}).byteLength / 1024;
} catch (e) { sizeRow.err.size = errText(e); }
rows.push(sizeRow);
const totalS = (performance.now() - t0) / 1000;

// ------------------------------------------------------------------ report
function sh(cmd) { try { return execSync(cmd, {stdio: ['ignore', 'pipe', 'ignore'], cwd: fileURLToPath(here)}).toString().trim(); } catch { return '?'; } }
let pkgVersion = '?';
try { pkgVersion = JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version; } catch {}
const cpu = os.cpus()[0];
const info = [
  `- date: ${new Date().toISOString()}`,
  `- machine: ${sh('nproc')} CPUs (nproc), ${cpu ? cpu.model.trim() : '?'}, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${os.platform()} ${os.release()}`,
  `- node ${process.version}; model-artifacts ${pkgVersion} (git ${sh('git rev-parse --short HEAD')}${sh('git status --porcelain -- src pkg') ? ', dirty src' : ''}); @tensorflow/tfjs-core ${tf.version_core}, backend ${tf.getBackend()}`,
  `- method: one process; per case one verification run outside timing (our output compared bit for bit with tfjs's), ${WARMUP} warm-up(s), then median of ${RUNS} timed rounds (ours, tfjs, floor interleaved, order rotated, gc() before each); tfjs decodeWeightsStream: ${STREAM_TFJS_RUNS} timed run(s) (it is quadratic). Whole bench: ${totalS.toFixed(0)} s.`,
  `- 1-min load average at start / end: ${loadStart.toFixed(2)} / ${os.loadavg()[0].toFixed(2)} (above ~0.5 means other work shared the 2 cores)`,
  `- HTTP (g): bench/http-server.mjs in a child process on 127.0.0.1, the 64 MiB model served from memory${serverInfo ? ` (payload ${((serverInfo.totalBytes + serverInfo.modelJSONBytes) / MiB).toFixed(2)} MiB: 16 shards + ${serverInfo.modelJSONBytes} B model.json)` : ''}; both sides use Node's global fetch (undici); floor = g1, raw parallel fetch of all 17 files with text()/arrayBuffer(); ours and tfjs at default options (ours: concurrency 6, retries 3, status and size checks).`,
  `- file system (f): the 64 MiB model on the local disk (${sh(`df -T ${os.tmpdir()} | tail -1 | awk '{print $2}'`)} under ${os.tmpdir()}); no tfjs side (tfjs-core has no file:// handler); f1 floor = parallel fs.readFile of model.json + 16 shards; f2/f3 floor = parallel fs.writeFile of the same 17 files into an existing folder, f3 with fh.sync() per file (our save fsyncs every file, writes a temp folder and swaps it in by rename).`,
  `- floor: allocate a fresh typed array of each output's size and .set() it from an existing array, timed in the same rounds (decode: per tensor, as the decoder allocates; encode/concat: one total buffer + a .set() per part; stream: JS reads the same fresh ReadableStream with reader.read() into one output, a .set() per chunk).`,
];

const lines = [];
lines.push('| id | case | ours ms | tfjs ms | ours/tfjs | floor ms | ours/floor | targets | output check |');
lines.push('|---|---|---:|---:|---:|---:|---:|---|---|');
for (const r of rows) {
  const errs = Object.entries(r.err || {}).map(([k, v]) => `${k} threw: ${v}`).join('; ');
  if (r.id === 'z') {
    lines.push(`| z | ${r.name} | ${r.sizeKiB != null ? `${r.sizeKiB.toFixed(1)} KiB (raw ${r.rawKiB.toFixed(1)} KiB)` : '-'} | | | | | ${judge(r)} | ${errs || '-'} |`);
    continue;
  }
  const ratio = r.ours != null && r.tfjs != null ? r.ours / r.tfjs : null;
  const fr = r.ours != null && r.floor != null ? r.ours / r.floor : null;
  lines.push(`| ${r.id} | ${r.name} | ${fmt(r.ours)} | ${fmt(r.tfjs)} | ${fmt(ratio, 3)} | ${fmt(r.floor)} | ${fmt(fr)} | ${judge(r)} | ${r.check}${errs ? `; ${errs}` : ''} |`);
}
const refLines = ['| reference | median ms | MiB/s |', '|---|---:|---:|',
  ...refs.map(r => `| ${r.name} | ${fmt(r.ms)} | ${fmt(64 / (r.ms / 1000), 0)} |`)];
const detailLines = ['| id | ours min / max ms | tfjs min / max ms | floor min / max ms |', '|---|---|---|---|',
  ...details.map(d => `| ${d.id} | ${mm(d.ours)} | ${mm(d.tfjs)} | ${mm(d.floor)} |`)];
function mm(xs) { return xs.length ? `${fmt(Math.min(...xs))} / ${fmt(Math.max(...xs))}` : '-'; }
const quantLines = Object.entries(quantized).map(([d, q]) => q.error
  ? `- quantizeArtifacts ${d}: threw ${q.error}`
  : `- quantizeArtifacts ${d} (input prep, ours, untimed by the table): ${q.quantizeMs.toFixed(0)} ms, ${(q.bytes / MiB).toFixed(1)} MiB, resharded to ${q.shards.length} x 4 MiB`);

const all = verdicts();
function verdicts() {
  let pass = 0, miss = 0;
  for (const r of rows) for (const s of judge(r).split('; ')) { if (/: PASS/.test(s)) pass++; else if (/: MISS|n\/a/.test(s)) miss++; }
  return {pass, miss};
}
const report = [
  '# model-artifacts vs @tensorflow/tfjs-core 4.22.0: benchmark results',
  '',
  'Produced by `node --expose-gc bench/bench.mjs --write` (`npm run bench` prints the same without writing).',
  '',
  ...info,
  '',
  ...lines,
  '',
  `Targets: ${all.pass} PASS, ${all.miss} MISS/n.a. "≥k× faster than tfjs" means tfjs ms / ours ms ≥ k; "≤k× floor" means ours ms / floor ms ≤ k.`,
  '',
  '## References (same process, same run)',
  '',
  ...refLines,
  '',
  '## Spread (min / max of the timed runs)',
  '',
  ...detailLines,
  '',
  '## Inputs',
  '',
  '- 64 MiB model: shared/fixtures/large-64mb-generated/gen-large-model.mjs (64 float32 tensors, [255|257, 1024], 16 shards of 4194304 bytes).',
  ...quantLines,
  '- random data (ar, b1r, b2r, b3r, n1): the same specs as a, b1, b2, b3 over xorshift32 bytes in 4 MiB shards; float32 and float16 values redrawn until finite, so ~1/31 of the halves are subnormal (n1 makes the same halves in the page).',
  '- small tensors: 2,000 float32 tensors [16, 16] of xorshift values in [-2, 2), quantized to float16 with ours, one buffer.',
  '- handtrack: shared/fixtures/human-handtrack-uint8 model.json + handtrack.bin as loaded (347 int32 + 272 uint8-quantized float32 weights).',
  '- http (g): the same 64 MiB model (model.json + 16 shards of 4 MiB) served by bench/http-server.mjs (child process, 127.0.0.1, from memory, keep-alive). g3 and g5 outputs are also compared with the source values.',
  '- file system (f): the same 64 MiB model written once into a temp folder under os.tmpdir() (model.json + 16 shards of 4 MiB); f2/f3 save the same artifacts (16 ArrayBuffers) over the previous run\'s folder each time.',
  '- stream: the first 32 MiB of the 64 MiB model as one [8192, 1024] float32 tensor, a ReadableStream of 512 separate 64 KiB Uint8Array chunks (pull-based), made fresh per run.',
  '',
  'Note: on this 2-vCPU VM, cases that allocate fresh 64 MiB vary up to ~2x between runs (see shared/reference/baseline-bench.md); compare within one run.',
  '',
].join('\n');

process.stdout.write(report);
if (WRITE) {
  // A hand-written section starting at NOTES_HEADING in RESULTS.md survives a rewrite.
  const NOTES_HEADING = '## Notes (hand-written, kept by --write)';
  let notes = '';
  try {
    const old = fs.readFileSync(new URL('RESULTS.md', here), 'utf8');
    const i = old.indexOf(NOTES_HEADING);
    if (i >= 0) notes = '\n' + old.slice(i);
  } catch {}
  fs.writeFileSync(new URL('RESULTS.md', here), report + notes);
  console.error(`wrote ${fileURLToPath(new URL('RESULTS.md', here))}`);
}
