#!/usr/bin/env node
// Counts JS <-> wasm crossings per operation: every call from Rust into a JS
// import (js-sys/web-sys bindings, our glue) and every call from JS into a
// wasm export, for one http load, one IndexedDB save and load (fake-indexeddb:
// Node only, the same Rust code path as in a browser), and one file:// save
// and load, of the same 16-shard model. Counts, not timings: they are exact
// and repeatable, so they are compared across commits. The IndexedDB rows
// also count database opens and transactions.
//
//   node bench/crossings.mjs            # a table
//   node bench/crossings.mjs --detail   # plus the 12 most-called functions per operation
import 'fake-indexeddb/auto';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const detail = process.argv.includes('--detail');
const counts = new Map();
const count = name => counts.set(name, (counts.get(name) ?? 0) + 1);
const wrap = (fn, name) => function (...args) { count(name); return fn.apply(this, args); };

// Patched before the package instantiates its module (index.node.js uses
// `new WebAssembly.Instance`): imports and exports are wrapped by name.
const Instance = WebAssembly.Instance;
WebAssembly.Instance = function (module, imports) {
  const wrapped = {};
  for (const [ns, fns] of Object.entries(imports)) {
    wrapped[ns] = {};
    for (const [name, f] of Object.entries(fns)) {
      wrapped[ns][name] = typeof f === 'function' ? wrap(f, `import ${name.replace(/_[0-9a-f]{16}$/, '')}`) : f;
    }
  }
  const instance = new Instance(module, wrapped);
  const exports = {};
  for (const [name, e] of Object.entries(instance.exports)) {
    exports[name] = typeof e === 'function' && !name.startsWith('__wbindgen_') ? wrap(e, `export ${name}`) : e;
  }
  return {exports};
};
const ma = await import('../index.node.js');
// IndexedDB opens and transactions, counted apart from the crossings.
const idb = {opens: 0, transactions: 0};
const open = indexedDB.open.bind(indexedDB);
indexedDB.open = (...args) => { idb.opens++; return open(...args); };
const transaction = IDBDatabase.prototype.transaction;
IDBDatabase.prototype.transaction = function (...args) { idb.transactions++; return transaction.apply(this, args); };

// The model: 64 float32 tensors of 16 Ki values in 16 shards of 256 KiB.
const N = 64;
const specs = Array.from({length: N}, (_, i) => ({name: `layer_${i}/kernel`, shape: [128, 128], dtype: 'float32'}));
const data = new Float32Array(N * 128 * 128).map((_, i) => Math.sin(i));
const {modelJSON, files} = ma.shardArtifacts(
  {modelTopology: {node: []}, format: 'graph-model', weightSpecs: specs, weightData: data.buffer},
  {shardSizeBytes: 256 << 10});
const served = new Map([['/model.json', Buffer.from(JSON.stringify(modelJSON))],
  ...files.map(f => [`/${f.path}`, Buffer.from(f.data)])]);
const server = http.createServer((req, res) => {
  const body = served.get(req.url);
  if (!body) { res.writeHead(404).end(); return; }
  res.writeHead(200, {'content-length': body.length}).end(body);
});
await new Promise(r => server.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${server.address().port}/model.json`;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-crossings-'));
// The model in a folder of its own: a save and a load read the model
// folder's parent (for an interrupted save's leftovers), so a model directly
// in /tmp would count one crossing per entry of /tmp.
const dir = path.join(tmp, 'model');

async function measure(name, op) {
  await op(); // warm: first-use paths (routers, lazy statics) are not counted
  counts.clear();
  idb.opens = idb.transactions = 0;
  await op();
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const imports = [...counts].filter(([k]) => k.startsWith('import')).reduce((a, [, v]) => a + v, 0);
  const db = name.startsWith('indexeddb') ? ` ${idb.opens} | ${idb.transactions} |` : ' | |';
  console.log(`| ${name} | ${total} | ${imports} | ${total - imports} |${db}`);
  if (detail) {
    for (const [k, v] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 12)) console.log(`|   ${k} | ${v} | | | | |`);
  }
}

const artifacts = await ma.http(url).load();
console.log(`${files.length} shards, ${N} weights, ${data.byteLength} bytes\n`);
console.log('| operation | crossings | Rust -> JS | JS -> Rust | IndexedDB opens | transactions |\n|---|---:|---:|---:|---:|---:|');
await measure('http load', () => ma.http(url).load());
await measure('http load, streamWeights, stream read to the end', async () => {
  const a = await ma.http(url, {streamWeights: true}).load();
  const reader = a.getWeightStream().getReader();
  while (!(await reader.read()).done);
});
await measure('indexeddb:// save', () => ma.browserIndexedDB('crossings').save(artifacts));
await measure('indexeddb:// load', () => ma.browserIndexedDB('crossings').load());
// The chunked layout (commit-last), in 1 MiB chunks.
const chunked = {chunkThreshold: 0, chunkSize: 1 << 20};
await measure('indexeddb:// save, chunked', () => ma.browserIndexedDB('crossings-chunked', chunked).save(artifacts));
await measure('indexeddb:// load, chunked', () => ma.browserIndexedDB('crossings-chunked', chunked).load());
await measure('file:// save', () => ma.fileSystem(`file://${dir}`).save(artifacts));
await measure('file:// load', () => ma.fileSystem(`file://${dir}/model.json`).load());
server.close();
fs.rmSync(tmp, {recursive: true, force: true});
