// Hostile HTTP servers against http(), loadWeights and browserFiles in Node:
// endless bodies, a gzip bomb, a shard ten times its manifest size (with and
// without streamWeights), an oversized model.json (body and Content-Length),
// servers that stall or drip. Each load ends in a typed error or a correct
// result; the bytes the server managed to send are bounded; the unbounded
// cases run in a child process whose memory is watched from outside
// (support/watched-child.mjs), so a blow-up fails the test, not the machine.
import {describe, it, before, after, beforeEach} from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import * as ma from 'model-artifacts';
import {rejectsMa, throwsMa} from './support/common.mjs';
import {startFaultServer} from './support/fault-server.mjs';
import {runWatched} from './support/watched-child.mjs';
import {HOSTILE_CHILD} from './support/fs-helpers.mjs';

const MiB = 2 ** 20;
/** What sockets and fetch may hold in flight after the client stops
 * reading (loopback buffers grow to a few MiB). */
const IN_FLIGHT = 12 * MiB;

let srv;
before(async () => { srv = await startFaultServer(); });
after(async () => { await srv?.close(); });
beforeEach(() => srv.reset());

/** A model served from memory at /<dir>/model.json: one float32 weight of
 * `values` values in one shard w.bin. Returns its URL, shard bytes and size. */
function serveModel(dir, values) {
  const data = new Float32Array(values).map((_, i) => (i % 251) / 7);
  const shard = Buffer.from(data.buffer);
  const modelJSON = {
    format: 'graph-model', modelTopology: {node: []},
    weightsManifest: [{paths: ['w.bin'], weights: [{name: 'w', shape: [values], dtype: 'float32'}]}],
  };
  srv.files.set(`/${dir}/model.json`, JSON.stringify(modelJSON));
  srv.files.set(`/${dir}/w.bin`, shard);
  return {url: `${srv.url}/${dir}/model.json`, shardPath: `/${dir}/w.bin`, shard, bytes: shard.length, modelJSON};
}

const sentFor = p => srv.requestsFor(p).reduce((n, r) => n + r.sent, 0);

/** Loads `url` in a child (support/hostile-child.mjs) whose RSS is watched
 * from outside; fails with the peak RSS if memory blew up. */
async function childLoad({url, options = {}, stream = false}, {rssLimitBytes = 320 * MiB, timeoutMs = 60_000} = {}) {
  const args = [stream ? 'load-stream' : 'load', url, JSON.stringify(options)];
  const run = await runWatched(HOSTILE_CHILD, args, {rssLimitBytes, timeoutMs});
  assert.equal(run.killed, null,
    `child ${run.killed === 'rss' ? `passed ${rssLimitBytes / MiB} MiB RSS` : 'timed out'} ` +
    `(peak ${(run.peakRss / MiB).toFixed(0)} MiB): ${run.stderr.slice(-500)}`);
  assert.ok(run.result, `child printed a result: ${run.stderr.slice(-500)}`);
  return {...run.result, peakRss: run.peakRss};
}

describe('hostile bodies: counted as they arrive, memory bounded (child process)', () => {
  it('an endless shard body: E_SIZE_MISMATCH once past the manifest size, RSS bounded', {timeout: 90_000}, async () => {
    const m = serveModel('endless', 256 * 1024);
    srv.faults.set(m.shardPath, {generate: {bytes: Infinity}});
    const r = await childLoad({url: m.url});
    assert.equal(r.code, 'E_SIZE_MISMATCH', r.message);
    assert.ok(sentFor(m.shardPath) < m.bytes + IN_FLIGHT, `server sent ${sentFor(m.shardPath)} bytes`);
  });

  it('an endless shard body with streamWeights: the stream errors with E_SIZE_MISMATCH', {timeout: 90_000}, async () => {
    const m = serveModel('endless-s', 256 * 1024);
    srv.faults.set(m.shardPath, {generate: {bytes: Infinity}});
    const r = await childLoad({url: m.url, stream: true});
    assert.equal(r.code, 'E_SIZE_MISMATCH', r.message);
    assert.ok(sentFor(m.shardPath) < m.bytes + IN_FLIGHT, `server sent ${sentFor(m.shardPath)} bytes`);
  });

  it('a gzip bomb shard (512 MiB of zeros, ~0.5 MiB on the wire): decoded bytes count, E_SIZE_MISMATCH',
    {timeout: 90_000}, async () => {
      const m = serveModel('bomb', 256 * 1024);
      srv.faults.set(m.shardPath, {gzipZeros: 512 * MiB});
      const r = await childLoad({url: m.url});
      assert.equal(r.code, 'E_SIZE_MISMATCH', r.message);
      assert.equal(srv.requestsFor(m.shardPath).length, 1, 'not retried');
    });

  it('an endless model.json: E_TOO_LARGE at the default maxModelJSONBytes (256 MiB), RSS bounded',
    {timeout: 90_000}, async () => {
      srv.faults.set('/endless-json/model.json', {generate: {bytes: Infinity, prefix: Buffer.from('{"modelTopology": "')}});
      const r = await childLoad({url: `${srv.url}/endless-json/model.json`}, {rssLimitBytes: 640 * MiB});
      assert.equal(r.code, 'E_TOO_LARGE', r.message);
      assert.match(r.message, /maxModelJSONBytes/);
      const sent = sentFor('/endless-json/model.json');
      assert.ok(sent > 256 * MiB && sent < 256 * MiB + IN_FLIGHT, `server sent ${sent} bytes`);
    });
});

describe('hostile bodies: reading stops at the manifest size', () => {
  it('a shard 10x its manifest size: E_SIZE_MISMATCH naming it, the server sent little more than the manifest size',
    {timeout: 30_000}, async () => {
      const m = serveModel('x10', MiB);
      srv.faults.set(m.shardPath, {generate: {bytes: 10 * m.bytes}});
      const e = await rejectsMa(() => ma.http(m.url).load(), 'E_SIZE_MISMATCH');
      assert.equal(e.url, `${srv.url}${m.shardPath}`);
      assert.match(e.message, new RegExp(`${m.bytes}`));
      const sent = sentFor(m.shardPath);
      assert.ok(sent < m.bytes + IN_FLIGHT && sent < 10 * m.bytes, `server sent ${sent} bytes of ${10 * m.bytes}`);
      assert.equal(srv.requestsFor(m.shardPath).length, 1, 'not retried');
    });

  it('the same with a Content-Length that admits the 10x size', {timeout: 30_000}, async () => {
    const m = serveModel('x10cl', MiB);
    srv.faults.set(m.shardPath, {generate: {bytes: 10 * m.bytes, contentLength: true}});
    await rejectsMa(() => ma.http(m.url).load(), 'E_SIZE_MISMATCH');
    assert.ok(sentFor(m.shardPath) < m.bytes + IN_FLIGHT, `server sent ${sentFor(m.shardPath)} bytes`);
  });

  it('with streamWeights, a 10x shard (the last one) errors the decode with E_SIZE_MISMATCH', {timeout: 30_000},
    async () => {
      const m = serveModel('x10s', MiB);
      srv.faults.set(m.shardPath, {generate: {bytes: 10 * m.bytes}});
      const a = await ma.http(m.url, {streamWeights: true}).load();
      await rejectsMa(() => ma.decodeWeightsStream(a.getWeightStream(), a.weightSpecs), 'E_SIZE_MISMATCH');
      assert.ok(sentFor(m.shardPath) < m.bytes + IN_FLIGHT, `server sent ${sentFor(m.shardPath)} bytes`);
    });

  it('one byte too many is refused, streamed or not; the exact size loads', async () => {
    const m = serveModel('plus1', 1024);
    const plain = await ma.http(m.url).load();
    assert.deepEqual(new Uint8Array(plain.weightData[0]), new Uint8Array(m.shard));
    srv.faults.set(m.shardPath, {body: Buffer.concat([m.shard, Buffer.from([1])])});
    await rejectsMa(() => ma.http(m.url).load(), 'E_SIZE_MISMATCH');
    const a = await ma.http(m.url, {streamWeights: true}).load();
    await rejectsMa(() => ma.decodeWeightsStream(a.getWeightStream(), a.weightSpecs), 'E_SIZE_MISMATCH');
  });

  it('a multi-shard group: the shards together are counted against the group', async () => {
    const values = 64 * 1024;
    const m = serveModel('multi', values);
    const half = m.bytes / 2;
    const mj = structuredClone(m.modelJSON);
    mj.weightsManifest[0].paths = ['a.bin', 'b.bin'];
    srv.files.set('/multi/model.json', JSON.stringify(mj));
    srv.files.set('/multi/a.bin', m.shard.subarray(0, half));
    srv.faults.set('/multi/b.bin', {generate: {bytes: 40 * half, prefix: m.shard.subarray(half)}});
    await rejectsMa(() => ma.http(m.url).load(), 'E_SIZE_MISMATCH');
    srv.files.set('/multi/b.bin', m.shard.subarray(half));
    srv.faults.clear();
    const a = await ma.http(m.url).load();
    assert.equal(ma.decodeWeights(a.weightData, a.weightSpecs).w.data.length, values);
  });

  it('loadWeights: a 10x shard is E_SIZE_MISMATCH and stops early', {timeout: 30_000}, async () => {
    const m = serveModel('lw', MiB);
    srv.faults.set(m.shardPath, {generate: {bytes: 10 * m.bytes}});
    await rejectsMa(() => ma.loadWeights(m.modelJSON.weightsManifest, `${srv.url}/lw`), 'E_SIZE_MISMATCH');
    assert.ok(sentFor(m.shardPath) < m.bytes + IN_FLIGHT, `server sent ${sentFor(m.shardPath)} bytes`);
  });

  it('a gzip-encoded shard of incompressible bytes loads (its Content-Length counts encoded bytes, more than arrive)',
    async () => {
      const m = serveModel('gz-random', 64 * 1024);
      crypto.randomFillSync(m.shard);
      srv.faults.set(m.shardPath, {gzip: true});
      const a = await ma.http(m.url, {retries: 0}).load();
      assert.deepEqual(new Uint8Array(a.weightData[0]), new Uint8Array(m.shard));
      assert.equal(srv.requestsFor(m.shardPath)[0].headers['accept-encoding']?.includes('gzip'), true);
    });

  it('a gzip-encoded shard of the right decoded size loads (the decoded bytes are what count)', async () => {
    const m = serveModel('gz-ok', 64 * 1024);
    m.shard.fill(0);
    srv.faults.set(m.shardPath, {gzipZeros: m.bytes});
    const a = await ma.http(m.url).load();
    assert.deepEqual(new Uint8Array(a.weightData[0]), new Uint8Array(m.bytes));
  });
});

describe('model.json under maxModelJSONBytes', () => {
  const JSON_PATH = '/cap/model.json';

  it('a Content-Length over the cap: E_TOO_LARGE before the body is read', async () => {
    srv.faults.set(JSON_PATH, {generate: {bytes: 256 * MiB, contentLength: true}});
    const e = await rejectsMa(() => ma.http(`${srv.url}${JSON_PATH}`, {maxModelJSONBytes: MiB}).load(), 'E_TOO_LARGE');
    assert.equal(e.url, `${srv.url}${JSON_PATH}`);
    assert.ok(sentFor(JSON_PATH) < IN_FLIGHT, `server sent ${sentFor(JSON_PATH)} bytes`);
  });

  it('a chunked body over the cap: E_TOO_LARGE once past it', async () => {
    srv.faults.set(JSON_PATH, {generate: {bytes: 256 * MiB}});
    await rejectsMa(() => ma.http(`${srv.url}${JSON_PATH}`, {maxModelJSONBytes: MiB}).load(), 'E_TOO_LARGE');
    assert.ok(sentFor(JSON_PATH) < MiB + IN_FLIGHT, `server sent ${sentFor(JSON_PATH)} bytes`);
  });

  it('a model.json of exactly the cap loads; one byte less of cap refuses it', async () => {
    const m = serveModel('exact', 16);
    const size = Buffer.byteLength(srv.files.get('/exact/model.json'));
    const a = await ma.http(m.url, {maxModelJSONBytes: size}).load();
    assert.equal(a.weightSpecs.length, 1);
    await rejectsMa(() => ma.http(m.url, {maxModelJSONBytes: size - 1}).load(), 'E_TOO_LARGE');
  });

  it('model.json text is decoded as UTF-8 across chunk boundaries', async () => {
    const name = 'wé-ü-€-😀'.repeat(5000);
    const m = serveModel('utf8', 4);
    const mj = structuredClone(m.modelJSON);
    mj.weightsManifest[0].weights[0].name = name;
    srv.faults.set('/utf8/model.json', {generate: {bytes: Buffer.byteLength(JSON.stringify(mj)),
      prefix: Buffer.from(JSON.stringify(mj)), pieceBytes: 1001}});
    const a = await ma.http(m.url).load();
    assert.equal(a.weightSpecs[0].name, name);
  });

  it('bad values: E_INVALID_ARGUMENT', () => {
    for (const bad of [0, -1, 1.5, 'big', Infinity]) {
      throwsMa(() => ma.http('http://127.0.0.1:1/m.json', {maxModelJSONBytes: bad}), 'E_INVALID_ARGUMENT');
    }
  });
});

describe('stall timeout', () => {
  it('a shard dripping 1 byte/s: E_TIMEOUT after the retries, within (retries + 1) x timeout + backoff',
    {timeout: 20_000}, async () => {
      const m = serveModel('drip', 1024);
      srv.faults.set(m.shardPath, {generate: {bytes: m.bytes, pieceBytes: 1, everyMs: 1000}});
      const t0 = Date.now();
      const e = await rejectsMa(() => ma.http(m.url, {timeout: 400, retries: 1}).load(), 'E_TIMEOUT');
      const ms = Date.now() - t0;
      assert.equal(e.url, `${srv.url}${m.shardPath}`);
      assert.match(e.message, /400 ms/);
      assert.equal(srv.requestsFor(m.shardPath).length, 2, 'retried once');
      assert.ok(ms >= 800 && ms < 3000, `E_TIMEOUT after ${ms} ms`);
      await new Promise(r => setTimeout(r, 50));
      assert.ok(srv.requestsFor(m.shardPath).every(r => r.aborted), 'each stalled connection was closed');
    });

  it('a drip faster than the timeout but under 1 KiB per timeout window is a stall too', {timeout: 20_000}, async () => {
    const m = serveModel('drip-fast', 4096);
    srv.faults.set(m.shardPath, {generate: {bytes: m.bytes, pieceBytes: 50, everyMs: 100}});
    await rejectsMa(() => ma.http(m.url, {timeout: 500, retries: 0}).load(), 'E_TIMEOUT');
  });

  it('a slow but steady shard (8 KiB every 100 ms for 1.2 s, timeout 500 ms) loads', {timeout: 20_000}, async () => {
    const m = serveModel('steady', 24 * 1024);
    srv.faults.set(m.shardPath, {generate: {bytes: m.bytes, pieceBytes: 8192, everyMs: 100}});
    const a = await ma.http(m.url, {timeout: 500}).load();
    assert.deepEqual(new Uint8Array(a.weightData[0]), new Uint8Array(m.shard));
  });

  it('model.json dripping 1 byte/s: E_TIMEOUT', {timeout: 20_000}, async () => {
    const m = serveModel('drip-json', 4);
    const text = Buffer.from(srv.files.get('/drip-json/model.json'));
    srv.faults.set('/drip-json/model.json', {generate: {bytes: text.length, prefix: text, pieceBytes: 1, everyMs: 1000}});
    const e = await rejectsMa(() => ma.http(m.url, {timeout: 300, retries: 1}).load(), 'E_TIMEOUT');
    assert.equal(e.url, m.url);
  });

  it('response headers that never come: E_TIMEOUT, each attempt aborted', {timeout: 20_000}, async () => {
    const m = serveModel('noheaders', 1024);
    srv.faults.set(m.shardPath, {delayMs: 60_000});
    await rejectsMa(() => ma.http(m.url, {timeout: 300, retries: 2}).load(), 'E_TIMEOUT');
    assert.equal(srv.requestsFor(m.shardPath).length, 3);
    await new Promise(r => setTimeout(r, 50));
    assert.ok(srv.requestsFor(m.shardPath).every(r => r.aborted), 'each attempt closed its connection');
  });

  it('a stall once, then a good answer: retried, loads', {timeout: 20_000}, async () => {
    const m = serveModel('stall-once', 1024);
    srv.faults.set(m.shardPath, {delayMs: 60_000, times: 1});
    const a = await ma.http(m.url, {timeout: 1000}).load();
    assert.deepEqual(new Uint8Array(a.weightData[0]), new Uint8Array(m.shard));
    assert.equal(srv.requestsFor(m.shardPath).length, 2);
  });

  it('a body stalled mid-way once resumes with Range after the timeout', {timeout: 20_000}, async () => {
    const m = serveModel('stall-mid', 256 * 1024);
    srv.faults.set(m.shardPath, {stallAfter: 100_000, stallMs: 60_000, times: 1});
    const a = await ma.http(m.url, {timeout: 1000}).load();
    assert.deepEqual(new Uint8Array(a.weightData[0]), new Uint8Array(m.shard));
    const reqs = srv.requestsFor(m.shardPath);
    assert.equal(reqs.length, 2);
    assert.match(reqs[1].range ?? '', /^bytes=\d+-$/);
  });

  it('streamWeights: a consumer pausing longer than the timeout is no stall (only waiting for bytes counts)',
    {timeout: 20_000}, async () => {
      const m = serveModel('pause', 256 * 1024);
      const a = await ma.http(m.url, {streamWeights: true, timeout: 500}).load();
      const reader = a.getWeightStream().getReader();
      const chunks = [];
      for (;;) {
        const {done, value} = await reader.read();
        if (done) break;
        chunks.push(value);
        if (chunks.length === 1) await new Promise(r => setTimeout(r, 1500));
      }
      assert.equal(chunks.reduce((n, c) => n + c.byteLength, 0), m.bytes);
      assert.equal(srv.requestsFor(m.shardPath).length, 1, 'no stall, no retry');
    });

  it('the signal still aborts during a stall: E_ABORTED promptly', {timeout: 20_000}, async () => {
    const m = serveModel('stall-abort', 1024);
    srv.faults.set(m.shardPath, {delayMs: 60_000});
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 150);
    const t0 = Date.now();
    await rejectsMa(() => ma.http(m.url, {timeout: 5000, signal: ac.signal}).load(), 'E_ABORTED');
    assert.ok(Date.now() - t0 < 1000);
  });

  it('timeout: 0 turns the stall timeout off; bad values are E_INVALID_ARGUMENT', async () => {
    const m = serveModel('off', 1024);
    srv.faults.set(m.shardPath, {delayMs: 400, times: 1});
    const a = await ma.http(m.url, {timeout: 0, retries: 0}).load();
    assert.equal(a.weightData[0].byteLength, m.bytes);
    for (const bad of [-1, 1.5, '100', NaN]) {
      throwsMa(() => ma.http(m.url, {timeout: bad}), 'E_INVALID_ARGUMENT');
    }
  });
});

describe('browserFiles: sizes checked before reading', () => {
  /** A real File whose reads are recorded. */
  function watchedFile(bytes, name, reads) {
    const f = new File([bytes], name);
    for (const method of ['text', 'arrayBuffer']) {
      const real = f[method].bind(f);
      f[method] = () => { reads.push(`${name}.${method}`); return real(); };
    }
    return f;
  }

  it('a weight file larger than its group needs: E_SIZE_MISMATCH, no weight file read', async () => {
    const reads = [];
    const mj = {modelTopology: {node: []}, weightsManifest: [{paths: ['w.bin'], weights: [{name: 'w', shape: [4], dtype: 'float32'}]}]};
    const files = [watchedFile(JSON.stringify(mj), 'model.json', reads), watchedFile(new Uint8Array(160 * MiB), 'w.bin', reads)];
    const e = await rejectsMa(() => ma.browserFiles(files).load(), 'E_SIZE_MISMATCH');
    assert.match(e.message, /w\.bin/);
    assert.deepEqual(reads.filter(r => r.startsWith('w.bin')), [], 'the weight file was not read');
  });

  it('a weight file shorter than its group needs: E_SIZE_MISMATCH, not read', async () => {
    const reads = [];
    const mj = {modelTopology: {node: []}, weightsManifest: [{paths: ['w.bin'], weights: [{name: 'w', shape: [4], dtype: 'float32'}]}]};
    const files = [watchedFile(JSON.stringify(mj), 'model.json', reads), watchedFile(new Uint8Array(15), 'w.bin', reads)];
    await rejectsMa(() => ma.browserFiles(files).load(), 'E_SIZE_MISMATCH');
    assert.deepEqual(reads.filter(r => r.startsWith('w.bin')), [], 'the weight file was not read');
  });

  it('a model.json file over 256 MiB: E_TOO_LARGE, not read', async () => {
    const reads = [];
    const mib = new Uint8Array(MiB);
    const files = [watchedFile(new Blob([...Array(256).fill(mib), new Uint8Array(1)]), 'model.json', reads)];
    const e = await rejectsMa(() => ma.browserFiles(files).load(), 'E_TOO_LARGE');
    assert.equal(e.path, 'model.json');
    assert.deepEqual(reads, []);
  });

  it('right sizes still load', async () => {
    const data = new Float32Array([1, 2, 3, 4]);
    const mj = {modelTopology: {node: []}, weightsManifest: [{paths: ['w.bin'], weights: [{name: 'w', shape: [4], dtype: 'float32'}]}]};
    const a = await ma.browserFiles([new File([JSON.stringify(mj)], 'model.json'), new File([data], 'w.bin')]).load();
    assert.deepEqual(Array.from(ma.decodeWeights(a.weightData, a.weightSpecs).w.data), [1, 2, 3, 4]);
  });
});
