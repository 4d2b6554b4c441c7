#!/usr/bin/env node
// Manual measurement (not CI, not part of `npm run bench`): a multi-GiB model
// through ma.browserIndexedDB in real headless Chromium (Debian's chromium
// driven by playwright-core, launched and its test page opened by
// tests/js/support/engines.mjs, the page of tests/js/support/static-server.mjs), default options, so it is
// stored as chunk records in the `model-artifacts` database.
//
//   node bench/large-idb.mjs [--gib=2.5] [--shard-mib=4] [--keep-profile]
//
// Phases (each timed, Chromium process-tree RSS sampled every 200 ms):
//   generate  640 x 4 MiB ArrayBuffers (for 2.5 GiB) in the page, filled with a
//             counter-based xorshift-multiply hash of the word index (murmur3
//             fmix32: incompressible, and any word can be recomputed, so
//             checks need no second copy); a running uint32 sum is kept
//   save      ma.browserIndexedDB('big').save(artifacts); the artifacts are
//             then dropped (and a GC forced through CDP)
//   load      load() -> weightData: ArrayBuffer[]; total length, uint32 sum
//             and every word of 8 chunks + 4096 random words are checked
//             against the generator after the timing; then dropped
//   stream    load() with streamWeights: true, getWeightStream() read to the
//             end; bytes counted and the uint32 sum computed inside the timed
//             loop (part of the reported time)
//   move to OPFS   ma.moveModel('indexeddb://big', 'opfs://big'): streamed,
//             a file at a time, then both read back and their SHA-256 compared
//   http to OPFS   ma.copyModel(<this server>/big/model.json, 'opfs://big-http'),
//             the same model written to disk by Node (4 MiB shards), streamed
//   OPFS stream    load('opfs://big-http', {streamWeights}) read to the end,
//             uint32 sum checked (also for opfs://big)
//   remove    ma.removeModel('opfs://big') and 'opfs://big-http'; both
//             databases and OPFS must then hold nothing
// "growth" is the peak RSS sum minus the sum when the phase started.
// The profile (persistent context: an off-the-record context would keep
// IndexedDB in memory) is a fresh directory under $TMPDIR (or --dir=), which
// must have max(8 GiB, 3 x model) free; it is removed at the end.
// RSS "sum" adds VmRSS of every process in the browser's tree, so shared
// pages (libraries, shared memory) are counted more than once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {execFileSync} from 'node:child_process';
import {performance} from 'node:perf_hooks';
import {gotoTestPage, launchPlaywrightChromium} from '../tests/js/support/engines.mjs';
import {startStaticServer} from '../tests/js/support/static-server.mjs';
import {REPO_ROOT} from '../tests/js/support/common.mjs';

const MiB = 1 << 20;
const GiB = 1 << 30;
const arg = (name, dflt) => {
  const a = process.argv.find(s => s.startsWith(`--${name}=`));
  return a ? a.slice(name.length + 3) : dflt;
};
const GIB = Number(arg('gib', '2.5'));
const SHARD_MIB = Number(arg('shard-mib', '4'));
const KEEP = process.argv.includes('--keep-profile');
if (!(GIB > 0) || !(SHARD_MIB > 0) || (SHARD_MIB * MiB) % 4) throw new Error('bad --gib / --shard-mib');
const SHARD_BYTES = SHARD_MIB * MiB;
const NUM_SHARDS = Math.ceil((GIB * GiB) / SHARD_BYTES);
const TOTAL = NUM_SHARDS * SHARD_BYTES;
const SEED = 0x5eed1234;

// ------------------------------------------------------------------ disk space
const baseDir = path.resolve(arg('dir', os.tmpdir()));
const needBytes = Math.max(8 * GiB, 3 * TOTAL);
{
  const st = fs.statfsSync(baseDir);
  const free = st.bavail * st.bsize;
  console.error(`model: ${NUM_SHARDS} shards x ${SHARD_MIB} MiB = ${(TOTAL / GiB).toFixed(2)} GiB; ` +
    `${baseDir}: ${(free / GiB).toFixed(1)} GiB free, need ${(needBytes / GiB).toFixed(1)} GiB`);
  if (free < needBytes) {
    console.error(`abort: not enough free space under ${baseDir} (use --dir= elsewhere or a smaller --gib=)`);
    process.exit(2);
  }
}
const profileDir = fs.mkdtempSync(path.join(baseDir, 'ma-large-idb-'));
const httpDir = path.join(profileDir, 'http-model');

// ------------------------------------------------------------------ RSS sampling
const readRss = pid => {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch { return 0; }
};
// Root pids: processes whose command line names the profile directory; then
// every descendant of them (renderers/utilities may not repeat the flag).
function chromiumPids() {
  let roots;
  try {
    roots = execFileSync('pgrep', ['-f', profileDir], {encoding: 'utf8'}).split('\n').filter(Boolean).map(Number);
  } catch { return []; }
  const children = new Map();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(d));
    } catch { /* gone */ }
  }
  const all = new Set();
  const stack = roots.filter(p => p !== process.pid);
  while (stack.length) {
    const p = stack.pop();
    if (all.has(p)) continue;
    all.add(p);
    stack.push(...(children.get(p) ?? []));
  }
  return [...all];
}
let current = null;
function sample() {
  if (!current) return;
  const rss = chromiumPids().map(readRss);
  const sum = rss.reduce((a, b) => a + b, 0);
  current.peakSum = Math.max(current.peakSum, sum);
  current.peakOne = Math.max(current.peakOne, ...rss, 0);
  current.nProcs = Math.max(current.nProcs, rss.length);
  current.peakNode = Math.max(current.peakNode, process.memoryUsage.rss());
  current.samples++;
}
const timer = setInterval(sample, 200);
timer.unref();

const results = [];
async function phase(name, bytes, fn) {
  current = {name, bytes, peakSum: 0, peakOne: 0, nProcs: 0, peakNode: 0, samples: 0};
  sample();
  current.startSum = current.peakSum;
  const t0 = performance.now();
  let out;
  try {
    out = await fn();
  } finally {
    current.seconds = (performance.now() - t0) / 1000;
    sample();
    results.push(current);
    console.error(`${name}: ${current.seconds.toFixed(2)} s, Chromium RSS peak ${(current.peakSum / MiB).toFixed(0)} MiB`);
    current = null;
  }
  return out;
}

// ------------------------------------------------------------------ page-side helpers
// Installed as window.__big (classic script). gen(i): the uint32 at word i.
const PAGE_HELPERS = `
window.__big = (() => {
  const SEED = ${SEED};
  const gen = i => {
    let x = (i ^ SEED) >>> 0;
    x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
    x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
    return (x ^ (x >>> 16)) >>> 0;
  };
  const sum32 = (u32, acc) => { for (let j = 0; j < u32.length; j++) acc = (acc + u32[j]) >>> 0; return acc; };
  const mem = () => performance.memory ? {used: performance.memory.usedJSHeapSize, total: performance.memory.totalJSHeapSize} : null;
  return {gen, sum32, mem};
})();
`;

// The same words as the page's generator, as a model on disk for http.
function writeHttpModel() {
  fs.mkdirSync(httpDir);
  const words = SHARD_BYTES / 4;
  const paths = [];
  const u32 = new Uint32Array(words);
  for (let s = 0; s < NUM_SHARDS; s++) {
    for (let j = 0; j < words; j++) {
      let x = ((s * words + j) ^ SEED) >>> 0;
      x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
      x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
      u32[j] = (x ^ (x >>> 16)) >>> 0;
    }
    paths.push(`group1-shard${s + 1}of${NUM_SHARDS}.bin`);
    fs.writeFileSync(path.join(httpDir, paths.at(-1)), u32);
  }
  const weights = Array.from({length: NUM_SHARDS}, (_, s) => ({name: `w${s}`, dtype: 'float32', shape: [words]}));
  fs.writeFileSync(path.join(httpDir, 'model.json'), JSON.stringify({
    modelTopology: {node: [], library: {}, versions: {producer: 1}}, format: 'graph-model',
    generatedBy: 'bench/large-idb.mjs', convertedBy: null, weightsManifest: [{paths, weights}],
  }));
}
writeHttpModel();
const server = await startStaticServer({'/': REPO_ROOT, '/big/': httpDir});
let context;
const cleanup = async () => {
  clearInterval(timer);
  try { await context?.close(); } catch {}
  try { await server?.close(); } catch {}
  if (!KEEP) fs.rmSync(profileDir, {recursive: true, force: true});
  else console.error(`profile kept: ${profileDir}`);
};
process.on('SIGINT', async () => { await cleanup(); process.exit(130); });

const problems = [];
const pageErrors = [];
let idbDisk = null;
let idbDiskAfterRemove = null;
let pageMem = {};
let fatal = null;
const duBytes = dir => {
  try { return Number(execFileSync('du', ['-sb', dir], {encoding: 'utf8'}).split('\t')[0]); } catch { return NaN; }
};
const idbDir = () => path.join(profileDir, 'Default', 'IndexedDB');

try {
  context = await launchPlaywrightChromium({profileDir});
  const page = context.pages()[0] ?? await context.newPage();
  page.on('pageerror', e => pageErrors.push(String(e)));
  page.on('console', m => { if (m.type() === 'error') pageErrors.push(m.text()); });
  page.on('crash', () => pageErrors.push('renderer crashed'));
  await gotoTestPage(page, server.url, {timeout: 30_000});
  await page.addScriptTag({content: PAGE_HELPERS});
  const cdp = await context.newCDPSession(page);
  const gc = async () => { for (let i = 0; i < 2; i++) await cdp.send('HeapProfiler.collectGarbage'); };
  console.error(`chromium ${context.browser()?.version() ?? ''}, profile ${profileDir}, ${chromiumPids().length} processes`);
  const est0 = await page.evaluate(async () => { const e = await navigator.storage.estimate(); return {usage: e.usage, quota: e.quota}; });
  console.error(`storage estimate before: usage ${(est0.usage / MiB).toFixed(1)} MiB, quota ${(est0.quota / GiB).toFixed(1)} GiB`);

  await phase('idle (baseline)', NaN, () => new Promise(r => setTimeout(r, 1000)));

  // ---------------------------------------------------------------- generate
  const gen = await phase('generate', TOTAL, () => page.evaluate(([numShards, shardBytes]) => {
    const {gen} = window.__big;
    const words = shardBytes / 4;
    const buffers = [];
    const weightSpecs = [];
    let sum = 0;
    for (let s = 0; s < numShards; s++) {
      const buf = new ArrayBuffer(shardBytes);
      const u32 = new Uint32Array(buf);
      const base = s * words;
      for (let j = 0; j < words; j++) { const v = gen(base + j); u32[j] = v; sum = (sum + v) >>> 0; }
      buffers.push(buf);
      weightSpecs.push({name: `w${s}`, dtype: 'float32', shape: [words]});
    }
    window.__artifacts = {
      modelTopology: {node: [], library: {}, versions: {producer: 1}},
      format: 'graph-model', generatedBy: 'bench/large-idb.mjs', convertedBy: null,
      weightSpecs, weightData: buffers,
    };
    return {sum, mem: window.__big.mem()};
  }, [NUM_SHARDS, SHARD_BYTES]));
  pageMem.generate = gen.mem;
  console.error(`generated; uint32 sum 0x${gen.sum.toString(16)}`);

  // ---------------------------------------------------------------- save
  const saved = await phase('save', TOTAL, () => page.evaluate(async () => {
    const ma = await import('model-artifacts');
    const r = await ma.browserIndexedDB('big').save(window.__artifacts);
    return {info: {weightDataBytes: r.modelArtifactsInfo.weightDataBytes, weightSpecsBytes: r.modelArtifactsInfo.weightSpecsBytes}, mem: window.__big.mem()};
  }));
  pageMem.save = saved.mem;
  if (saved.info.weightDataBytes !== TOTAL) problems.push(`save info weightDataBytes ${saved.info.weightDataBytes} != ${TOTAL}`);
  await page.evaluate(() => { delete window.__artifacts; });
  await gc();
  idbDisk = duBytes(idbDir());
  const est1 = await page.evaluate(async () => (await navigator.storage.estimate()).usage);
  const raw = await page.evaluate(() => new Promise((resolve, reject) => {
    const req = indexedDB.open('model-artifacts');
    req.onerror = () => reject(req.error);
    req.onsuccess = () => {
      const db = req.result;
      const tx = db.transaction(['models', 'chunks'], 'readonly');
      const out = {};
      const m = tx.objectStore('models').getAll();
      m.onsuccess = () => { out.models = m.result.map(r => ({modelPath: r.modelPath, nChunks: r.chunks.length, chunk0: r.chunks[0]})); };
      const c = tx.objectStore('chunks').count();
      c.onsuccess = () => { out.chunkRecords = c.result; };
      tx.oncomplete = () => { db.close(); resolve(out); };
    };
  }));
  console.error(`stored: ${JSON.stringify(raw)}; IndexedDB dir ${(idbDisk / MiB).toFixed(0)} MiB, storage estimate ${(est1 / MiB).toFixed(0)} MiB`);
  if (raw.models?.length !== 1 || raw.chunkRecords !== raw.models[0].nChunks) problems.push(`unexpected stored layout ${JSON.stringify(raw)}`);

  // ---------------------------------------------------------------- load
  const loaded = await phase('load', TOTAL, () => page.evaluate(async () => {
    const ma = await import('model-artifacts');
    window.__loaded = await ma.browserIndexedDB('big').load();
    return {mem: window.__big.mem()};
  }));
  pageMem.load = loaded.mem;
  const check = await page.evaluate(([expectSum, total]) => {
    const {gen, sum32} = window.__big;
    const wd = window.__loaded.weightData;
    const bufs = Array.isArray(wd) ? wd : [wd];
    const problems = [];
    let bytes = 0;
    let sum = 0;
    const starts = [];
    for (const b of bufs) {
      if (!(b instanceof ArrayBuffer)) { problems.push(`not an ArrayBuffer: ${Object.prototype.toString.call(b)}`); break; }
      starts.push(bytes);
      bytes += b.byteLength;
      if (b.byteLength % 4 === 0 && starts.at(-1) % 4 === 0) sum = sum32(new Uint32Array(b), sum);
      else problems.push(`chunk at ${starts.at(-1)} not word-aligned (${b.byteLength} bytes)`);
    }
    if (bytes !== total) problems.push(`total ${bytes} != ${total}`);
    if (sum !== expectSum) problems.push(`uint32 sum 0x${sum.toString(16)} != 0x${expectSum.toString(16)}`);
    // Every word of 8 chunks (first, last, spread), then 4096 random words.
    const n = bufs.length;
    const picks = [...new Set([0, 1, n >> 2, n >> 1, (3 * n) >> 2, n - 2, n - 1, Math.floor(Math.random() * n)])].filter(i => i >= 0 && i < n);
    let mismatches = 0;
    for (const i of picks) {
      const u32 = new Uint32Array(bufs[i]);
      const base = starts[i] / 4;
      for (let j = 0; j < u32.length; j++) if (u32[j] !== gen(base + j)) mismatches++;
    }
    for (let k = 0; k < 4096; k++) {
      const i = Math.floor(Math.random() * n);
      const u32 = new Uint32Array(bufs[i]);
      const j = Math.floor(Math.random() * u32.length);
      if (u32[j] !== gen(starts[i] / 4 + j)) mismatches++;
    }
    if (mismatches) problems.push(`${mismatches} words differ from the generator`);
    return {problems, nBuffers: n, bytes, chunksChecked: picks.length, specs: window.__loaded.weightSpecs?.length};
  }, [gen.sum, TOTAL]);
  console.error(`load: ${check.nBuffers} buffers, ${check.bytes} bytes, ${check.specs} specs, ${check.chunksChecked} chunks checked word by word`);
  problems.push(...check.problems.map(p => `load: ${p}`));
  if (check.specs !== NUM_SHARDS) problems.push(`load: ${check.specs} weight specs, expected ${NUM_SHARDS}`);
  await page.evaluate(() => { delete window.__loaded; });
  await gc();

  // ---------------------------------------------------------------- stream
  const streamed = await phase('stream', TOTAL, () => page.evaluate(async () => {
    const ma = await import('model-artifacts');
    const a = await ma.browserIndexedDB('big', {streamWeights: true}).load();
    const problems = [];
    if (a.weightData !== undefined) problems.push('weightData present with streamWeights');
    const reader = a.getWeightStream().getReader();
    const {gen, sum32} = window.__big;
    let bytes = 0;
    let sum = 0;
    let chunks = 0;
    let cur = 0;   // word being assembled on the unaligned path
    for (;;) {
      const {done, value} = await reader.read();
      if (done) break;
      chunks++;
      const u8 = value instanceof Uint8Array ? value : new Uint8Array(value);
      if (bytes % 4 === 0 && u8.byteOffset % 4 === 0 && u8.byteLength % 4 === 0) {
        const u32 = new Uint32Array(u8.buffer, u8.byteOffset, u8.byteLength / 4);
        if (u32.length && u32[0] !== gen(bytes / 4)) problems.push(`first word of chunk ${chunks - 1} differs`);
        sum = sum32(u32, sum);
      } else {
        for (let k = 0; k < u8.length; k++) {
          const p = bytes + k;
          cur = (cur | (u8[k] << ((p & 3) * 8))) >>> 0;
          if ((p & 3) === 3) { sum = (sum + cur) >>> 0; cur = 0; }
        }
      }
      bytes += u8.byteLength;
    }
    return {bytes, sum, chunks, problems, mem: window.__big.mem()};
  }));
  pageMem.stream = streamed.mem;
  console.error(`stream: ${streamed.chunks} chunks, ${streamed.bytes} bytes, sum 0x${streamed.sum.toString(16)}`);
  problems.push(...streamed.problems.map(p => `stream: ${p}`));
  if (streamed.bytes !== TOTAL) problems.push(`stream: ${streamed.bytes} bytes != ${TOTAL}`);
  if (streamed.sum !== gen.sum) problems.push(`stream: uint32 sum 0x${streamed.sum.toString(16)} != 0x${gen.sum.toString(16)}`);
  await gc();

  // ---------------------------------------------------------------- OPFS
  // A page-side streamed read: bytes and uint32 sum of a model's weights.
  const streamSum = url => page.evaluate(async url => {
    const ma = await import('model-artifacts');
    const reader = (await ma.load(url, {streamWeights: true})).getWeightStream().getReader();
    let bytes = 0, sum = 0, rest = [];
    for (;;) {
      const {done, value} = await reader.read();
      if (done) break;
      const u8 = new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
      const whole = rest.length ? Uint8Array.from([...rest, ...u8.subarray(0, 4 - rest.length)]) : null;
      let from = 0;
      if (whole) { sum = (sum + new DataView(whole.buffer).getUint32(0, true)) >>> 0; from = 4 - rest.length; }
      const n = Math.floor((u8.length - from) / 4);
      const view = new DataView(u8.buffer, u8.byteOffset + from, n * 4);
      for (let j = 0; j < n; j++) sum = (sum + view.getUint32(j * 4, true)) >>> 0;
      rest = [...u8.subarray(from + n * 4)];
      bytes += u8.byteLength;
    }
    return {bytes, sum};
  }, url);
  const checkStream = async (label, url) => {
    const r = await phase(`${label} stream`, TOTAL, () => streamSum(url));
    if (r.bytes !== TOTAL || r.sum !== gen.sum) problems.push(`${label}: ${r.bytes} bytes, sum 0x${r.sum.toString(16)}`);
  };
  await phase('move IndexedDB to OPFS', TOTAL, () => page.evaluate(async () => {
    const ma = await import('model-artifacts');
    await ma.moveModel('indexeddb://big', 'opfs://big');
  }));
  await gc();
  await checkStream('OPFS (moved)', 'opfs://big');
  await gc();
  await phase('http to OPFS', TOTAL, () => page.evaluate(async url => {
    const ma = await import('model-artifacts');
    await ma.copyModel(url, 'opfs://big-http');
  }, `${server.url}/big/model.json`));
  await gc();
  await checkStream('OPFS (from http)', 'opfs://big-http');
  await gc();

  // ---------------------------------------------------------------- remove
  const removed = await phase('remove', NaN, () => page.evaluate(async () => {
    const ma = await import('model-artifacts');
    const info = await ma.removeModel('opfs://big');
    await ma.removeModel('opfs://big-http');
    return {weightDataBytes: info.weightDataBytes};
  }));
  if (removed.weightDataBytes !== TOTAL) problems.push(`removeModel info weightDataBytes ${removed.weightDataBytes}`);
  const after = await page.evaluate(async () => {
    const ma = await import('model-artifacts');
    const count = (name, stores) => new Promise((resolve, reject) => {
      const req = indexedDB.open(name);
      req.onerror = () => reject(req.error);
      req.onsuccess = () => {
        const db = req.result;
        const present = stores.filter(s => db.objectStoreNames.contains(s));
        if (!present.length) { db.close(); return resolve({}); }
        const tx = db.transaction(present, 'readonly');
        const out = {};
        for (const s of present) { const c = tx.objectStore(s).count(); c.onsuccess = () => { out[s] = c.result; }; }
        tx.oncomplete = () => { db.close(); resolve(out); };
      };
    });
    return {
      own: await count('model-artifacts', ['models', 'chunks']),
      tfjs: await count('tensorflowjs', ['models_store', 'model_info_store']),
      listed: Object.keys(await ma.listModels()),
      usage: (await navigator.storage.estimate()).usage,
    };
  });
  console.error(`after remove: ${JSON.stringify(after)}`);
  for (const [db, counts] of Object.entries({own: after.own, tfjs: after.tfjs})) {
    for (const [store, n] of Object.entries(counts)) if (n !== 0) problems.push(`after remove: ${db}.${store} holds ${n} records`);
  }
  if (after.listed.length) problems.push(`after remove: listModels ${after.listed}`);
  idbDiskAfterRemove = duBytes(idbDir());
} catch (e) {
  fatal = e;
  problems.push(`FATAL in ${current?.name ?? 'setup/checks'}: ${e?.stack ?? e}`);
  if (current) { current.seconds = NaN; results.push(current); current = null; }
} finally {
  await cleanup();
}

// ------------------------------------------------------------------ report
const f = (x, d = 0) => Number.isFinite(x) ? x.toFixed(d) : '—';
console.log(`\n### browserIndexedDB, ${(TOTAL / GiB).toFixed(2)} GiB (${NUM_SHARDS} x ${SHARD_MIB} MiB float32), Chromium headless, default options\n`);
console.log('| phase | seconds | MiB/s | peak RSS Chromium (sum, MiB) | growth (MiB) | largest process (MiB) | peak RSS node (MiB) |');
console.log('|---|---:|---:|---:|---:|---:|---:|');
for (const r of results) {
  console.log(`| ${r.name} | ${f(r.seconds, 2)} | ${f(r.bytes / MiB / r.seconds)} | ${f(r.peakSum / MiB)} | ${f((r.peakSum - r.startSum) / MiB)} | ${f(r.peakOne / MiB)} | ${f(r.peakNode / MiB)} |`);
}
console.log(`\nIndexedDB dir on disk after save: ${f(idbDisk / MiB)} MiB (${f(idbDisk / TOTAL, 3)} x model); after remove: ${f(idbDiskAfterRemove / MiB)} MiB`);
console.log(`page performance.memory (JS heap used, MiB): ${Object.entries(pageMem).map(([k, v]) => `${k} ${v ? f(v.used / MiB) : 'n/a'}`).join(', ')}` +
  ' (measureUserAgentSpecificMemory needs cross-origin isolation: not available here)');
if (pageErrors.length) console.log(`page errors: ${pageErrors.join(' | ')}`);
console.log(problems.length ? `\nPROBLEMS:\n- ${problems.join('\n- ')}` : '\nall checks passed (lengths, uint32 sums, generator spot checks, empty databases after remove)');
process.exit(problems.length || fatal ? 1 : 0);
