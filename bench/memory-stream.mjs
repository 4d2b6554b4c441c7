#!/usr/bin/env node
// Memory bound of streamed loading: a ~1 GiB float32 model (bench/gen1g.mjs,
// generated on the fly by a loopback server in a child process, never stored)
// goes through
//   ma.http(url, {streamWeights: true}).load() -> getWeightStream()
//   -> ma.decodeWeightsStream(stream, specs, {onTensor})
// where onTensor checks each tensor's checksum against the server generator's
// and drops it. RSS (and arrayBuffers) is sampled every 20 ms and at each
// onTensor. Bound: peak RSS - baseline RSS <= 2 x largest tensor + 64 MiB.
//
//   node --expose-gc bench/memory-stream.mjs            # prints a markdown section
//   node --expose-gc bench/memory-stream.mjs --write    # also puts it at the end of bench/RESULTS.md
//   --trace: also print memory every 16 tensors to stderr
//   --gc-each: diagnostic, gc() after each tensor (shows live memory rather than GC laziness)
//
// Not part of `npm run bench`.
import fs from 'node:fs';
import os from 'node:os';
import {fork} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {performance} from 'node:perf_hooks';
import {checksumF32} from './gen1g.mjs';

const MiB = 1 << 20;
const WRITE = process.argv.includes('--write');
const TRACE = process.argv.includes('--trace');
const GC_EACH = process.argv.includes('--gc-each');   // diagnostic: gc() after each tensor (live memory, not GC laziness)   // also print memory every 16 tensors (stderr)
const SECTION = '## Memory: streaming a 1 GiB model';
const gc = globalThis.gc ?? (() => {});
if (!globalThis.gc) console.error('warning: run with node --expose-gc; the baseline is taken without a full gc()');

const ma = await import('model-artifacts');
const {initSync} = await import('../pkg-node/model_artifacts.js');

// ------------------------------------------------------------------ server
const child = fork(fileURLToPath(new URL('http-server.mjs', import.meta.url)), ['gen1g'], {stdio: ['ignore', 'inherit', 'inherit', 'ipc']});
const kill = () => { try { child.kill(); } catch {} };
process.on('exit', kill);
const srv = await new Promise((resolve, reject) => {
  child.once('message', resolve);
  child.once('exit', code => reject(new Error(`server exited (${code})`)));
});
const url = `http://127.0.0.1:${srv.port}/model.json`;
process.stderr.write(`server: ${(srv.totalBytes / MiB).toFixed(1)} MiB in ${srv.shards} shards, ${Object.keys(srv.checksums).length} tensors (generator checksums in ${srv.checksumMs.toFixed(0)} ms)\n`);

// ------------------------------------------------------------------ sampling
// The wasm instance's linear memory (never shrinks); initSync returns the live instance's exports.
const wasmMemory = (() => { try { return initSync().memory; } catch { return null; } })();
const wasmBytes = () => wasmMemory ? wasmMemory.buffer.byteLength : NaN;
const mem = () => process.memoryUsage();
const settle = async () => { for (let i = 0; i < 3; i++) { gc(); await new Promise(r => setTimeout(r, 50)); } };
await settle();
const base = mem();
// Node's fetch (undici) is loaded lazily on first use (~16 MiB, not ours): the
// judged baseline is taken after one plain fetch of model.json; the cold one is
// reported beside it.
await (await fetch(url)).arrayBuffer();
await settle();
const warm = mem();
let peakRss = base.rss, peakAb = base.arrayBuffers, peakAt = 'baseline';
let samples = 0, peakWasm = wasmBytes();
const baseWasm = peakWasm;
const sample = where => {
  const m = mem();
  samples++;
  if (m.rss > peakRss) { peakRss = m.rss; peakAt = where; }
  if (m.arrayBuffers > peakAb) peakAb = m.arrayBuffers;
  const w = wasmBytes();
  if (w > peakWasm) peakWasm = w;
  return m;
};
let tensorsSeen = 0;
const timer = setInterval(() => sample(`timer after ${tensorsSeen} tensors`), 20);

// ------------------------------------------------------------------ stream
const bad = [];
let bytesSeen = 0, checksumMs = 0, shapeBad = 0;
const t0 = performance.now();
let tLoad, result, error;
try {
  const artifacts = await ma.http(url, {streamWeights: true}).load();
  tLoad = performance.now() - t0;
  const specs = artifacts.weightSpecs;
  if (artifacts.weightData !== undefined) bad.push('weightData present with streamWeights');
  result = await ma.decodeWeightsStream(artifacts.getWeightStream(), specs, {
    onTensor: t => {
      tensorsSeen++;
      const m = sample(`onTensor ${t.name}`);
      if (TRACE && (tensorsSeen % 16 === 0 || m.arrayBuffers > 30 * MiB)) process.stderr.write(`${tensorsSeen} tensors ${(performance.now() - t0).toFixed(0)} ms: rss ${(m.rss / MiB).toFixed(1)} heapUsed ${(m.heapUsed / MiB).toFixed(1)} external ${(m.external / MiB).toFixed(1)} arrayBuffers ${(m.arrayBuffers / MiB).toFixed(1)} wasm ${(wasmBytes() / MiB).toFixed(1)}\n`);
      if (t.dtype !== 'float32' || !(t.data instanceof Float32Array) || t.data.length !== t.shape[0] * t.shape[1]) shapeBad++;
      const c0 = performance.now();
      const got = checksumF32(t.data);
      checksumMs += performance.now() - c0;
      if (got !== srv.checksums[t.name]) bad.push(`${t.name}: checksum ${got} != ${srv.checksums[t.name]}`);
      bytesSeen += t.data.byteLength;
      // eslint-disable-next-line no-useless-assignment -- drops the tensor before gc()
      if (GC_EACH) { t = null; gc(); }
    },
  });
} catch (e) {
  error = e;
}
const totalMs = performance.now() - t0;
clearInterval(timer);
sample('end');
child.disconnect();

// ------------------------------------------------------------------ report
const expectedN = Object.keys(srv.checksums).length;
const lay = (await import('./gen1g.mjs')).layout();
const largestBytes = lay.largestTensorBytes;
const bound = 2 * largestBytes + 64 * MiB;
const growth = peakRss - warm.rss;
const keptKeys = result ? Object.keys(result).length : null;
const verified = !error && bad.length === 0 && shapeBad === 0 && tensorsSeen === expectedN && bytesSeen === srv.totalBytes && keptKeys === 0;
const pass = verified && growth <= bound;
const mb = b => (b / MiB).toFixed(1);
const section = [
  SECTION,
  '',
  `Produced by \`node --expose-gc bench/memory-stream.mjs --write\` (run by hand; not part of \`npm run bench\`).`,
  '',
  `- date: ${new Date().toISOString()}; node ${process.version}; ${os.cpus().length} CPUs; 1-min load average at end ${os.loadavg()[0].toFixed(2)}`,
  `- model: bench/gen1g.mjs, ${mb(srv.totalBytes)} MiB float32 in ${expectedN} tensors (largest ${mb(largestBytes)} MiB, [4096, 1024]; others ~4 MiB, straddling shards), ${srv.shards} shards of 4 MiB, generated on the fly by a loopback server in a child process (bench/http-server.mjs gen1g), never stored.`,
  `- path: \`ma.http(url, {streamWeights: true}).load()\` -> \`getWeightStream()\` -> \`ma.decodeWeightsStream(stream, specs, {onTensor})\`; onTensor checks the tensor's checksum against the one the server's generator computed, then drops it.`,
  `- sampling: process.memoryUsage() every 20 ms and at each onTensor (${samples} samples); cold baseline after import + 3 x gc(); the judged (warm) baseline after one plain fetch() of model.json + 3 x gc(), so Node's own fetch library (loaded on first use, ~16 MiB) is not counted as ours; no gc() during the stream.`,
  '',
  '| warm baseline RSS MiB | peak RSS MiB | growth MiB | bound (2 x largest + 64) MiB | result | growth over cold baseline MiB (cold RSS) | peak arrayBuffers MiB (baseline) | wasm memory MiB (baseline) | time s | MiB/s | verified |',
  '|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---|',
  `| ${mb(warm.rss)} | ${mb(peakRss)} | ${mb(growth)} | ${mb(bound)} | ${pass ? 'PASS' : 'MISS'} | ${mb(peakRss - base.rss)} (${mb(base.rss)}) | ${mb(peakAb)} (${mb(base.arrayBuffers)}) | ${mb(peakWasm)} (${mb(baseWasm)}) | ${(totalMs / 1000).toFixed(2)} | ${(srv.totalBytes / MiB / (totalMs / 1000)).toFixed(0)} | ${verified ? `ok: ${tensorsSeen}/${expectedN} checksums, ${mb(bytesSeen)} MiB, returned map empty` : `FAILED: ${error ? `threw ${error.code || ''} ${error.message}` : ''} ${bad.slice(0, 3).join('; ')} seen ${tensorsSeen}/${expectedN} shapeBad ${shapeBad} kept ${keptKeys}`} |`,
  '',
  `Peak RSS seen at: ${peakAt}. load() (model.json) took ${tLoad != null ? tLoad.toFixed(0) : '-'} ms; the client's checksums took ${(checksumMs / 1000).toFixed(2)} s of the total (included in time and MiB/s).`,
  '',
].join('\n');
process.stdout.write(section + '\n');
if (WRITE) {
  const p = new URL('RESULTS.md', import.meta.url);
  let old = fs.readFileSync(p, 'utf8');
  const i = old.indexOf(SECTION);
  if (i >= 0) {
    const j = old.indexOf('\n## ', i + SECTION.length);
    old = old.slice(0, i) + section + (j >= 0 ? old.slice(j + 1) : '');
  } else old = old.replace(/\n*$/, '\n\n') + section;
  fs.writeFileSync(p, old);
  console.error(`wrote ${fileURLToPath(p)}`);
}
process.exit(pass ? 0 : 1);
