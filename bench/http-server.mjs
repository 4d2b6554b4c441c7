#!/usr/bin/env node
// Loopback model server for the benchmarks, run in a CHILD process (so its
// work is not on the client's event loop):
//
//   const child = fork('bench/http-server.mjs', ['large64']);   // or ['gen1g']
//   child.on('message', m => { if (m.port) ... });              // {port, ...info}
//
// Modes:
//  - large64: the 64 MiB fixture model (shared/fixtures/large-64mb-generated,
//    generateLargeModel(): model.json + 16 shards of 4 MiB), generated once and
//    served from memory.
//  - gen1g: a ~1 GiB float32 model generated on the fly and never stored (see
//    gen1g.mjs): each response chunk is filled by a stateless generator as it
//    is written, with backpressure. The per-tensor checksums the generator
//    computes are sent to the parent with the port.
//
// Listens on 127.0.0.1:0 and answers GET /model.json and GET /<shard path>
// (Content-Length set; no compression, no Range). Exits when the parent goes.
import http from 'node:http';

const mode = process.argv[2] || 'large64';
const files = new Map();   // path -> Uint8Array (large64)
let modelJSONBytes;
let info = {};
let gen = null;            // gen1g: {layout, fill}

if (mode === 'large64') {
  const {generateLargeModel} = await import(new URL('../../shared/fixtures/large-64mb-generated/gen-large-model.mjs', import.meta.url));
  const m = generateLargeModel();
  modelJSONBytes = Buffer.from(JSON.stringify(m.modelJSON));
  for (const s of m.shards) files.set(s.path, Buffer.from(s.data.buffer, s.data.byteOffset, s.data.byteLength));
  info = {totalBytes: m.totalBytes, modelJSONBytes: modelJSONBytes.byteLength, shards: m.shards.length};
} else if (mode === 'gen1g') {
  const g = await import(new URL('./gen1g.mjs', import.meta.url));
  const layout = g.layout();
  const t0 = performance.now();
  const checksums = g.expectedChecksums(layout);   // the generator itself, run once over every value
  info = {totalBytes: layout.totalBytes, modelJSONBytes: 0, shards: layout.shards.length,
          checksums, checksumMs: performance.now() - t0};
  modelJSONBytes = Buffer.from(JSON.stringify(layout.modelJSON));
  info.modelJSONBytes = modelJSONBytes.byteLength;
  gen = {layout, g};
  layout.shards.forEach(s => files.set(s.path, s));
} else {
  console.error(`unknown mode ${mode}`);
  process.exit(2);
}

const CHUNK = 256 * 1024;

async function sendGenerated(res, shard) {
  // Fill one reusable-per-write chunk (a fresh Buffer per write: res.write
  // may keep a reference until flushed) and wait for 'drain' when asked to.
  for (let off = shard.start; off < shard.end; off += CHUNK) {
    const end = Math.min(shard.end, off + CHUNK);
    const buf = Buffer.allocUnsafe(end - off);
    gen.g.fillBytes(gen.layout, off, buf);
    if (!res.write(buf)) await new Promise(r => res.once('drain', r));
    if (res.destroyed) return;
  }
  res.end();
}

const server = http.createServer((req, res) => {
  const path = decodeURIComponent(new URL(req.url, 'http://x').pathname.slice(1));
  if (req.method !== 'GET') { res.writeHead(405).end(); return; }
  if (path === 'model.json') {
    res.writeHead(200, {'Content-Type': 'application/json', 'Content-Length': modelJSONBytes.byteLength});
    res.end(modelJSONBytes);
    return;
  }
  const f = files.get(path);
  if (!f) { res.writeHead(404).end(); return; }
  if (gen) {
    res.writeHead(200, {'Content-Type': 'application/octet-stream', 'Content-Length': f.end - f.start});
    sendGenerated(res, f).catch(() => res.destroy());
  } else {
    res.writeHead(200, {'Content-Type': 'application/octet-stream', 'Content-Length': f.byteLength});
    res.end(f);
  }
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => {
  const {port} = server.address();
  if (process.send) process.send({port, ...info});
  else console.log(JSON.stringify({port, ...info, checksums: undefined}));
});
process.on('disconnect', () => process.exit(0));
