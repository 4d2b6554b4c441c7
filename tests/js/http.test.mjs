// The http() handler in Node against a local fault-injecting server
// (tests/js/support/fault-server.mjs): loads every fixture with the goldens,
// passes requestInit / fetchFunc / weightPathPrefix / weightUrlConverter /
// signed query strings, maps HTTP failures to error codes, retries 5xx /
// 429, resumes cut bodies with Range, checks sizes and sha256, aborts,
// follows redirects, reports progress, limits concurrency, streams weights,
// saves with multipart, and loadWeights / weightsLoaderFactory fetch only
// the groups they need.
import {describe, it, before, after, beforeEach} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as ma from 'model-artifacts';
import {
  FIXTURES_DIR, LARGE_FIXTURE, fixtureNames, readExpected, loadFixture, manifestPaths, checkDecoded,
  joinBytes, sha256, rejectsMa, throwsMa, assertMaError, toArrayBuffer,
} from './support/common.mjs';
import {startFaultServer, parseUpload} from './support/fault-server.mjs';

let srv;
const fx = (name, file = 'model.json') => `${srv.url}/fx/${name}/${file}`;
const fxPath = (name, file) => `/fx/${name}/${file}`;
const readShard = (name, p) => fs.readFileSync(path.join(FIXTURES_DIR, name, p));

/** Fixtures with a model.json (the bare manifest and the generated 64 MiB one aside). */
const MODEL_FIXTURES = fixtureNames().filter(n => n !== LARGE_FIXTURE && readExpected(n).modelFile === 'model.json');
const BARE_FIXTURE = 'faceapi-tiny-face-detector';

before(async () => {
  srv = await startFaultServer({mounts: {'/fx/': FIXTURES_DIR}});
});
after(async () => { await srv?.close(); });
beforeEach(() => srv.reset());

/**
 * What a load must give for fixture `name`: the artifacts tf.io.http builds
 * (same topology and metadata, flattened specs, one ArrayBuffer per shard in
 * manifest order with the file's bytes), the expected.json info, and the
 * golden decoded weights.
 */
async function checkArtifacts(a, name, label = name) {
  const fix = await loadFixture(name);
  assert.ok(a && typeof a === 'object', `${label}: artifacts`);
  for (const [k, v] of Object.entries(fix.artifacts)) {
    if (k === 'weightData') continue;
    assert.deepEqual(a[k], v, `${label}: artifacts.${k}`);
  }
  assert.ok(Array.isArray(a.weightData), `${label}: weightData is an array`);
  const paths = manifestPaths(fix.manifest);
  assert.equal(a.weightData.length, paths.length, `${label}: one buffer per shard`);
  a.weightData.forEach((b, i) => {
    assert.ok(b instanceof ArrayBuffer, `${label}: shard ${i} is an ArrayBuffer`);
    assert.equal(sha256(b), fix.expected.shards[i].sha256, `${label}: shard ${paths[i]} bytes`);
  });
  const info = ma.getModelArtifactsInfoForJSON(a);
  const {dateSaved, ...rest} = info;
  assert.ok(dateSaved instanceof Date);
  assert.deepEqual(rest, fix.expected.artifactsInfo, `${label}: artifacts info`);
  checkDecoded(ma.decodeWeights(a.weightData, a.weightSpecs), fix.expected, label);
}

/** The error a promise rejects with (fails if it resolves). */
async function rejection(p) {
  try { await p; } catch (e) { return e; }
  assert.fail('expected a rejection');
}

const headerOf = (init, name) => new Headers(init?.headers ?? {}).get(name);

describe('http load: fixtures', () => {
  for (const name of MODEL_FIXTURES) {
    it(`${name}: artifacts, shards, info and decoded weights match the goldens`, async () => {
      const a = await ma.http(fx(name)).load();
      await checkArtifacts(a, name);
      const shardReqs = srv.requests.filter(r => r.path.endsWith('.bin'));
      assert.equal(shardReqs.length, readExpected(name).shards.length, 'each shard fetched once');
      assert.ok(shardReqs.every(r => r.status === 200 && r.range == null), 'plain GETs, no Range');
    });
  }

  it('exports: http, browserHTTPRequest (alias), the http router and ma.load', async () => {
    assert.equal(typeof ma.http, 'function');
    assert.equal(typeof ma.browserHTTPRequest, 'function');
    const h = ma.browserHTTPRequest(fx('synth-layers-uint8'));
    assert.equal(typeof h.load, 'function');
    assert.equal(typeof h.save, 'function');
    await checkArtifacts(await h.load(), 'synth-layers-uint8', 'browserHTTPRequest');
    assert.equal(ma.getLoadHandlers(fx('synth-layers-uint8')).length, 1);
    assert.equal(ma.getSaveHandlers(`${srv.url}/upload`).length, 1);
    assert.equal(ma.getLoadHandlers('https://example.com/model.json').length, 1);
    assert.deepEqual(ma.getLoadHandlers('localhost://model.json'), []);
    assert.deepEqual(ma.getLoadHandlers('foo:5000/bar'), []);
    await checkArtifacts(await ma.load(fx('human-selfie-f16')), 'human-selfie-f16', 'ma.load');
  });

  it('bad constructor arguments throw E_INVALID_ARGUMENT (as tf.io.http throws)', () => {
    for (const bad of ['', null, undefined]) throwsMa(() => ma.http(bad), 'E_INVALID_ARGUMENT');
    throwsMa(() => ma.http(['a.pb', 'b.json', 'c']), 'E_INVALID_ARGUMENT');
    throwsMa(() => ma.http(fx('synth-layers-uint8'), {requestInit: {body: 'x'}}), 'E_INVALID_ARGUMENT');
    throwsMa(() => ma.http(fx('synth-layers-uint8'), {fetchFunc: 'fetch'}), 'E_INVALID_ARGUMENT');
    assert.equal(srv.requests.length, 0);
  });

  it('the bare weights manifest (an array) is no model.json: E_INVALID_MODEL_JSON', async () => {
    const e = await rejectsMa(() => ma.http(fx(BARE_FIXTURE, 'tiny_face_detector_model-weights_manifest.json')).load(),
      'E_INVALID_MODEL_JSON');
    assert.ok(!srv.requests.some(r => r.path.endsWith('.bin')), 'no shard fetched');
    assert.ok(e.message.length > 0);
  });

  it('the 64 MiB generated model (16 shards of 4 MiB) from memory, default concurrency <= 6', {timeout: 60_000},
    async () => {
      const fix = await loadFixture(LARGE_FIXTURE);
      srv.files.set(`/big/model.json`, fix.modelText);
      manifestPaths(fix.manifest).forEach((p, i) => srv.files.set(`/big/${p}`, Buffer.from(fix.shards[i])));
      const fractions = [];
      const a = await ma.http(`${srv.url}/big/model.json`, {onProgress: f => fractions.push(f)}).load();
      assert.equal(a.weightData.length, 16);
      assert.equal(sha256(joinBytes(a.weightData)), fix.expected.weightData.sha256);
      checkDecoded(ma.decodeWeights(a.weightData, a.weightSpecs), fix.expected, LARGE_FIXTURE);
      assert.ok(srv.inFlight.max <= 6, `at most 6 shard requests at once, saw ${srv.inFlight.max}`);
      assert.equal(fractions.at(-1), 1);
    });
});

describe('http load: options', () => {
  const NAME = 'synth-layers-f32-sharded'; // 5 shards

  it('binary form [model.pb, weights_manifest.json]: the topology as an ArrayBuffer, shards from the manifest URL', async () => {
    const name = BARE_FIXTURE;
    const fix = await loadFixture(name);
    const pb = Buffer.from('not really a GraphDef, but bytes all the same');
    srv.faults.set('/bin/model.pb', {body: pb});
    const manifestUrl = fx(name, readExpected(name).modelFile);
    const a = await ma.http([`${srv.url}/bin/model.pb`, manifestUrl]).load();
    assert.ok(a.modelTopology instanceof ArrayBuffer);
    assert.deepEqual(Buffer.from(a.modelTopology), pb);
    assert.deepEqual(a.weightSpecs, fix.specs);
    checkDecoded(ma.decodeWeights(a.weightData, a.weightSpecs), fix.expected, 'binary form');
  });

  it('requestInit reaches every request (model.json and each shard)', async () => {
    const a = await ma.http(fx(NAME), {requestInit: {headers: {'x-test-token': 'abc123'}, cache: 'no-store'}}).load();
    await checkArtifacts(a, NAME);
    assert.equal(srv.requests.length, 6);
    for (const r of srv.requests) assert.equal(r.headers['x-test-token'], 'abc123', r.url);
  });

  it('fetchFunc replaces fetch: (url, init) for model.json, (url, init, {isBinary: true}) per shard', async () => {
    const calls = [];
    const fetchFunc = (url, init, details) => {
      calls.push({url: String(url), init, details});
      return fetch(url, init);
    };
    const requestInit = {headers: {'x-via': 'fetchFunc'}};
    const a = await ma.http(fx(NAME), {fetchFunc, requestInit}).load();
    await checkArtifacts(a, NAME);
    assert.equal(calls.length, 6);
    assert.equal(calls[0].url, fx(NAME));
    assert.equal(calls[0].details, undefined, 'no third argument for model.json');
    const paths = readExpected(NAME).shards.map(s => s.path);
    assert.deepEqual(calls.slice(1).map(c => c.url).sort(), paths.map(p => fx(NAME, p)).sort());
    for (const c of calls.slice(1)) assert.deepEqual(c.details, {isBinary: true}, c.url);
    for (const c of calls) assert.equal(headerOf(c.init, 'x-via'), 'fetchFunc', `requestInit headers in init of ${c.url}`);
    assert.equal(srv.requests.length, 6, 'the global fetch did only what fetchFunc asked');
  });

  it('a fetchFunc that rejects makes the load reject (the raw value, or E_NETWORK)', async () => {
    const e = await rejection(ma.http(fx(NAME), {fetchFunc: () => Promise.reject('path not found'), retries: 0}).load());
    if (e === 'path not found') return; // tf.io's behaviour: propagated unchanged
    assertMaError(e, 'E_NETWORK');
  });

  it('weightPathPrefix is concatenated verbatim (no slash added)', async () => {
    const prefix = `${srv.url}/fx/${NAME}/`;
    const a = await ma.http(`${srv.url}/elsewhere/model.json`, {
      fetchFunc: (url, init) => fetch(url === `${srv.url}/elsewhere/model.json` ? fx(NAME) : url, init),
      weightPathPrefix: prefix,
    }).load();
    await checkArtifacts(a, NAME);
    // Without the trailing slash the shard URL is prefix + path: a 404 here.
    const first = readExpected(NAME).shards[0].path;
    const e = await rejectsMa(() => ma.http(fx(NAME), {weightPathPrefix: `${srv.url}/fx/${NAME}`}).load(),
      'E_HTTP_STATUS');
    assert.equal(e.status, 404);
    assert.ok(srv.requests.some(r => r.path === `/fx/${NAME}${first}`), 'requested prefix+path verbatim');
  });

  it('weightUrlConverter gives the shard URLs; the model.json query string is not added to them', async () => {
    const seen = [];
    const a = await ma.http(`${fx(NAME)}?v=7`, {
      weightUrlConverter: async p => { seen.push(p); return `${srv.url}/fx/${NAME}/${p}?conv=1`; },
    }).load();
    await checkArtifacts(a, NAME);
    assert.deepEqual(seen.sort(), readExpected(NAME).shards.map(s => s.path).sort());
    const shardReqs = srv.requests.filter(r => r.path.endsWith('.bin'));
    assert.equal(shardReqs.length, 5);
    for (const r of shardReqs) assert.deepEqual(r.query, {conv: '1'}, r.url);
  });

  it('signed URLs: the model.json query string is appended to every shard URL (server checks ?sig=)', async () => {
    srv.requireQuery = {sig: 's3cr3t', exp: '99'};
    const a = await ma.http(`${fx(NAME)}?sig=s3cr3t&exp=99`).load();
    await checkArtifacts(a, NAME);
    assert.equal(srv.requests.length, 6);
    for (const r of srv.requests) assert.deepEqual(r.query, {sig: 's3cr3t', exp: '99'}, r.url);
    // With weightPathPrefix too.
    srv.requests.length = 0;
    const b = await ma.http(`${fx(NAME)}?sig=s3cr3t&exp=99`, {weightPathPrefix: `${srv.url}/fx/${NAME}/`}).load();
    await checkArtifacts(b, NAME);
    for (const r of srv.requests) assert.deepEqual(r.query, {sig: 's3cr3t', exp: '99'}, r.url);
    // A bad signature: the server's 403 on model.json.
    const e = await rejectsMa(() => ma.http(`${fx(NAME)}?sig=wrong&exp=99`).load(), 'E_HTTP_STATUS');
    assert.equal(e.status, 403);
  });

  it('a shard fails the signature check (403): E_HTTP_STATUS naming the shard, not retried', async () => {
    srv.requireQuery = {sig: 'good'};
    // model.json is fetched with fetchFunc adding the signature, shards without.
    const e = await rejectsMa(() => ma.http(fx(NAME), {
      fetchFunc: (url, init, d) => fetch(d ? url : `${url}?sig=good`, init),
    }).load(), 'E_HTTP_STATUS');
    assert.equal(e.status, 403);
    assert.match(e.url, /\.bin$/);
    assert.equal(srv.requestsFor(new URL(e.url).pathname).length, 1, '4xx is not retried');
  });
});

describe('http load: errors', () => {
  const NAME = 'synth-layers-uint8'; // 2 shards
  const SHARD = 'group1-shard2of2.bin';

  it('model.json 404: E_HTTP_STATUS, status 404, url named', async () => {
    const url = fx(NAME, 'nope.json');
    const e = await rejectsMa(() => ma.http(url).load(), 'E_HTTP_STATUS', [url]);
    assert.equal(e.status, 404);
    assert.equal(e.url, url);
    assert.equal(srv.requests.length, 1, '404 is not retried');
  });

  it('a shard 404: E_HTTP_STATUS naming the shard (tf.io would decode the 404 page as weights)', async () => {
    srv.faults.set(fxPath(NAME, SHARD), {status: 404});
    const e = await rejectsMa(() => ma.http(fx(NAME)).load(), 'E_HTTP_STATUS', [SHARD]);
    assert.equal(e.status, 404);
    assert.equal(e.url, fx(NAME, SHARD));
    assert.equal(srv.requestsFor(fxPath(NAME, SHARD)).length, 1, '404 is not retried');
  });

  it('a shard 500 on every attempt: E_HTTP_STATUS 500 after the default 3 retries', async () => {
    srv.faults.set(fxPath(NAME, SHARD), {status: 500});
    const t0 = Date.now();
    const e = await rejectsMa(() => ma.http(fx(NAME)).load(), 'E_HTTP_STATUS', [SHARD]);
    assert.equal(e.status, 500);
    assert.equal(e.url, fx(NAME, SHARD));
    assert.equal(srv.requestsFor(fxPath(NAME, SHARD)).length, 4, '1 attempt + 3 retries');
    assert.ok(Date.now() - t0 < 5000, 'backoff stays short');
  });

  it('retries: 1 makes exactly 2 attempts; retries: 0 one', async () => {
    srv.faults.set(fxPath(NAME, SHARD), {status: 503});
    await rejectsMa(() => ma.http(fx(NAME), {retries: 1}).load(), 'E_HTTP_STATUS');
    assert.equal(srv.requestsFor(fxPath(NAME, SHARD)).length, 2);
    srv.requests.length = 0;
    await rejectsMa(() => ma.http(fx(NAME), {retries: 0}).load(), 'E_HTTP_STATUS');
    assert.equal(srv.requestsFor(fxPath(NAME, SHARD)).length, 1);
  });

  it('a shard 500 once, then OK: loads (retried)', async () => {
    srv.faults.set(fxPath(NAME, SHARD), {status: 500, times: 1});
    await checkArtifacts(await ma.http(fx(NAME)).load(), NAME);
    assert.deepEqual(srv.requestsFor(fxPath(NAME, SHARD)).map(r => r.status), [500, 200]);
  });

  it('model.json 503 once, then OK: loads (retried)', async () => {
    srv.faults.set(fxPath(NAME, 'model.json'), {status: 503, times: 1});
    await checkArtifacts(await ma.http(fx(NAME)).load(), NAME);
    assert.deepEqual(srv.requestsFor(fxPath(NAME, 'model.json')).map(r => r.status), [503, 200]);
  });

  it('429 with Retry-After: 0 once: loads', async () => {
    srv.faults.set(fxPath(NAME, SHARD), {status: 429, times: 1, headers: {'retry-after': '0'}});
    const t0 = Date.now();
    await checkArtifacts(await ma.http(fx(NAME)).load(), NAME);
    assert.deepEqual(srv.requestsFor(fxPath(NAME, SHARD)).map(r => r.status), [429, 200]);
    assert.ok(Date.now() - t0 < 2000);
  });

  it('invalid JSON: E_INVALID_JSON', async () => {
    srv.files.set('/bad/model.json', '{"modelTopology": {');
    const e = await rejectsMa(() => ma.http(`${srv.url}/bad/model.json`).load(), 'E_INVALID_JSON');
    assert.ok(e.message.includes('/bad/model.json') || e.url?.includes('/bad/model.json'), e.message);
  });

  it('model.json with neither topology nor manifest: E_INVALID_MODEL_JSON', async () => {
    srv.files.set('/bad/model.json', '{"format": "layers-model", "generatedBy": "x"}');
    await rejectsMa(() => ma.http(`${srv.url}/bad/model.json`).load(), 'E_INVALID_MODEL_JSON');
  });

  it('topology only (no manifest): loads with no weights, no shard requests', async () => {
    const topo = JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, NAME, 'model.json'), 'utf8')).modelTopology;
    srv.files.set('/topo/model.json', JSON.stringify({modelTopology: topo, format: 'layers-model'}));
    const a = await ma.http(`${srv.url}/topo/model.json`).load();
    assert.deepEqual(a.modelTopology, topo);
    assert.equal(a.weightData, undefined);
    assert.equal(a.weightSpecs, undefined);
    assert.equal(srv.requests.length, 1);
  });

  it('a shard shorter than the manifest needs (correct Content-Length): E_SIZE_MISMATCH', async () => {
    const full = readShard(NAME, SHARD);
    srv.faults.set(fxPath(NAME, SHARD), {body: full.subarray(0, full.length - 10)});
    await rejectsMa(() => ma.http(fx(NAME)).load(), 'E_SIZE_MISMATCH');
  });

  it('a shard longer than the manifest needs: E_SIZE_MISMATCH', async () => {
    const full = readShard(NAME, SHARD);
    srv.faults.set(fxPath(NAME, SHARD), {body: Buffer.concat([full, Buffer.alloc(16, 7)])});
    await rejectsMa(() => ma.http(fx(NAME)).load(), 'E_SIZE_MISMATCH');
  });

  it('a 404 HTML page as a shard (the classic SPA fallback) is caught: E_HTTP_STATUS', async () => {
    srv.faults.set(fxPath(NAME, SHARD), {status: 404, headers: {'content-type': 'text/html'}});
    const e = await rejectsMa(() => ma.http(fx(NAME)).load(), 'E_HTTP_STATUS');
    assert.equal(e.status, 404);
  });
});

describe('http load: cut bodies, Range, Content-Length', () => {
  const NAME = 'upscaler-default-f32'; // one 888300-byte shard
  const SHARD = 'group1-shard1of1.bin';
  const SIZE = 888300;

  it('body cut mid-way once, server supports Range: resumes with Range: bytes=N- (206) and loads', async () => {
    srv.faults.set(fxPath(NAME, SHARD), {cutAfter: SIZE >> 1, times: 1});
    await checkArtifacts(await ma.http(fx(NAME)).load(), NAME);
    const reqs = srv.requestsFor(fxPath(NAME, SHARD));
    assert.equal(reqs.length, 2, 'one retry');
    assert.equal(reqs[0].range, null);
    const m = /^bytes=(\d+)-$/.exec(reqs[1].range ?? '');
    assert.ok(m, `second request carries Range: bytes=N-, got ${reqs[1].range}`);
    const n = Number(m[1]);
    assert.equal(n, SIZE >> 1, 'resumes right after the bytes received');
    assert.equal(reqs[1].status, 206);
  });

  it('body cut mid-way twice: resumes twice and loads', async () => {
    srv.faults.set(fxPath(NAME, SHARD), {cutAfter: 100_000, times: 2});
    await checkArtifacts(await ma.http(fx(NAME)).load(), NAME);
    const reqs = srv.requestsFor(fxPath(NAME, SHARD));
    assert.equal(reqs.length, 3);
    assert.ok(reqs.slice(1).every(r => /^bytes=\d+-$/.test(r.range ?? '')), reqs.map(r => r.range).join());
  });

  it('body cut mid-way once, server ignores Range (answers 200 in full): loads', async () => {
    srv.faults.set(fxPath(NAME, SHARD), {cutAfter: SIZE >> 1, times: 1, noRange: true});
    await checkArtifacts(await ma.http(fx(NAME)).load(), NAME);
    const reqs = srv.requestsFor(fxPath(NAME, SHARD));
    assert.equal(reqs.length, 2);
    assert.equal(reqs[1].status, 200);
  });

  it('body cut in a multi-shard group (middle shard): resumes and loads', async () => {
    const n = 'synth-layers-f32-sharded';
    srv.faults.set(fxPath(n, 'group1-shard3of5.bin'), {cutAfter: 1000, times: 1});
    await checkArtifacts(await ma.http(fx(n)).load(), n);
    assert.equal(srv.requestsFor(fxPath(n, 'group1-shard3of5.bin')).length, 2);
  });

  it('body cut every time: rejects (E_NETWORK or E_SIZE_MISMATCH) after the retries', async () => {
    srv.faults.set(fxPath(NAME, SHARD), {cutAfter: 1000, noRange: true});
    await rejectsMa(() => ma.http(fx(NAME), {retries: 1}).load(), ['E_NETWORK', 'E_SIZE_MISMATCH']);
    assert.equal(srv.requestsFor(fxPath(NAME, SHARD)).length, 2);
  });

  it('Content-Length too large, connection closed early, once (server ignores Range): retried, loads', async () => {
    srv.faults.set(fxPath(NAME, SHARD), {contentLength: SIZE + 1000, times: 1, noRange: true});
    await checkArtifacts(await ma.http(fx(NAME)).load(), NAME);
    assert.equal(srv.requestsFor(fxPath(NAME, SHARD)).length, 2);
  });

  it('Content-Length too large, connection closed early, once (server supports Range): retried, loads', async () => {
    // The client has every byte but was promised more; asking for
    // bytes=SIZE- gets a 416 from a standard server. It must still load.
    srv.faults.set(fxPath(NAME, SHARD), {contentLength: SIZE + 1000, times: 1});
    await checkArtifacts(await ma.http(fx(NAME)).load(), NAME);
    assert.ok(srv.requestsFor(fxPath(NAME, SHARD)).length >= 2);
  });

  it('Content-Length too large on every attempt: E_NETWORK or E_SIZE_MISMATCH', async () => {
    srv.faults.set(fxPath(NAME, SHARD), {contentLength: SIZE + 1000, noRange: true});
    await rejectsMa(() => ma.http(fx(NAME), {retries: 1}).load(), ['E_NETWORK', 'E_SIZE_MISMATCH']);
    assert.equal(srv.requestsFor(fxPath(NAME, SHARD)).length, 2);
  });
});

describe('http load: integrity (sha256 per path)', () => {
  const NAME = 'synth-layers-f32-sharded';
  const withHashes = hashes => {
    const mj = JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, NAME, 'model.json'), 'utf8'));
    mj.weightsManifest[0].sha256 = hashes;
    srv.files.set(fxPath(NAME, 'model-sha.json'), JSON.stringify(mj));
    return fx(NAME, 'model-sha.json');
  };
  const goodHashes = () => readExpected(NAME).shards.map(s => s.sha256);

  it('correct hashes: loads', async () => {
    const a = await ma.http(withHashes(goodHashes())).load();
    checkDecoded(ma.decodeWeights(a.weightData, a.weightSpecs), readExpected(NAME), NAME);
    assert.equal(sha256(joinBytes(a.weightData)), readExpected(NAME).weightData.sha256);
  });

  it('a corrupted shard under a hash: E_INTEGRITY naming the shard', async () => {
    srv.faults.set(fxPath(NAME, 'group1-shard4of5.bin'), {corrupt: true});
    const e = await rejectsMa(() => ma.http(withHashes(goodHashes()), {retries: 1}).load(), 'E_INTEGRITY');
    assert.ok(e.message.includes('group1-shard4of5.bin') || e.url?.includes('group1-shard4of5.bin'), e.message);
  });

  it('a wrong hash for intact data: E_INTEGRITY', async () => {
    const h = goodHashes();
    h[0] = '0'.repeat(64);
    await rejectsMa(() => ma.http(withHashes(h)).load(), 'E_INTEGRITY');
  });

  it('the corrupted shard is also caught when streaming', async () => {
    srv.faults.set(fxPath(NAME, 'group1-shard2of5.bin'), {corrupt: 5});
    const a = await ma.http(withHashes(goodHashes()), {streamWeights: true}).load();
    await rejectsMa(() => ma.decodeWeightsStream(a.getWeightStream(), a.weightSpecs), 'E_INTEGRITY');
  });

  it('loadWeights checks the same hashes (one shard path), and loads when they match', async () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, NAME, 'model.json'), 'utf8')).weightsManifest;
    manifest[0].sha256 = goodHashes();
    const prefix = fx(NAME, '');
    const weights = await ma.loadWeights(manifest, prefix);
    assert.equal(Object.keys(weights).length, manifest.flatMap(g => g.weights).length);
    srv.faults.set(fxPath(NAME, 'group1-shard3of5.bin'), {corrupt: true});
    const e = await rejectsMa(() => ma.loadWeights(manifest, prefix), 'E_INTEGRITY');
    assert.ok(e.url?.endsWith('group1-shard3of5.bin'), e.url);
  });

  it('without hashes a corrupted shard loads (nothing to check against)', async () => {
    srv.faults.set(fxPath(NAME, 'group1-shard4of5.bin'), {corrupt: true});
    const a = await ma.http(fx(NAME)).load();
    assert.notEqual(sha256(joinBytes(a.weightData)), readExpected(NAME).weightData.sha256);
  });
});

describe('http load: abort and redirects', () => {
  const NAME = 'synth-layers-uint16';
  const SHARD = 'group1-shard2of3.bin';

  it('a slow shard, signal aborted after ~100 ms: rejects promptly with E_ABORTED', async () => {
    srv.faults.set(fxPath(NAME, SHARD), {delayMs: 10_000});
    const ac = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 100);
    await rejectsMa(() => ma.http(fx(NAME), {signal: ac.signal}).load(), 'E_ABORTED');
    const dt = Date.now() - t0;
    assert.ok(dt < 1000, `rejected after ${dt} ms`);
    assert.ok(dt >= 90, `not before the abort (${dt} ms)`);
  });

  it('a body stalled mid-way, aborted: rejects promptly with E_ABORTED', async () => {
    srv.faults.set(fxPath(NAME, SHARD), {stallAfter: 1000, stallMs: 10_000});
    const ac = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 150);
    await rejectsMa(() => ma.http(fx(NAME), {signal: ac.signal}).load(), 'E_ABORTED');
    assert.ok(Date.now() - t0 < 1000);
    await new Promise(r => setTimeout(r, 20));
    assert.equal(srv.requestsFor(fxPath(NAME, SHARD))[0].aborted, true, 'the connection was closed');
  });

  it('an already aborted signal: E_ABORTED without loading', async () => {
    const ac = new AbortController();
    ac.abort();
    await rejectsMa(() => ma.http(fx(NAME), {signal: ac.signal}).load(), 'E_ABORTED');
    assert.ok(!srv.requests.some(r => r.path.endsWith('.bin')));
  });

  it('aborting during the retry backoff: E_ABORTED promptly', async () => {
    srv.faults.set(fxPath(NAME, SHARD), {status: 503, headers: {'retry-after': '30'}});
    const ac = new AbortController();
    const t0 = Date.now();
    setTimeout(() => ac.abort(), 150);
    await rejectsMa(() => ma.http(fx(NAME), {signal: ac.signal}).load(), 'E_ABORTED');
    assert.ok(Date.now() - t0 < 1000);
  });

  it('redirects: model.json and shards 302 to another path; followed, loads', async () => {
    srv.redirectPrefixes.set('/moved/', `/fx/${NAME}/`);
    await checkArtifacts(await ma.http(`${srv.url}/moved/model.json`).load(), NAME);
    const moved = srv.requests.filter(r => r.path.startsWith('/moved/'));
    assert.equal(moved.length, 4, 'model.json and 3 shards redirected');
    assert.ok(moved.every(r => r.status === 302));
  });

  it('a single shard 301 / 307 elsewhere: followed, loads', async () => {
    srv.files.set('/other/place.bin', readShard(NAME, SHARD));
    srv.faults.set(fxPath(NAME, SHARD), {redirect: '/other/place.bin', redirectStatus: 301});
    srv.faults.set(fxPath(NAME, 'group1-shard1of3.bin'), {redirect: `/fx/${NAME}/group1-shard1of3.bin?x=1`,
      redirectStatus: 307, times: 1});
    await checkArtifacts(await ma.http(fx(NAME)).load(), NAME);
    assert.equal(srv.requestsFor('/other/place.bin').length, 1);
  });
});

describe('http load: progress and concurrency', () => {
  function checkProgress(calls, totalWeightBytes, label) {
    assert.ok(calls.length >= 2, `${label}: progress called (${calls.length})`);
    let prev = -Infinity;
    for (const [f, d] of calls) {
      assert.ok(typeof f === 'number' && f >= 0 && f <= 1, `${label}: fraction ${f} in [0, 1]`);
      assert.ok(f >= prev, `${label}: non-decreasing (${prev} then ${f})`);
      prev = f;
      if (d !== undefined) {
        assert.ok(d.phase === 'model' || d.phase === 'weights', `${label}: phase ${d.phase}`);
        assert.ok(Number.isFinite(d.loadedBytes) && Number.isFinite(d.totalBytes), `${label}: byte counts`);
      }
    }
    const [f, d] = calls.at(-1);
    assert.equal(f, 1, `${label}: last fraction is exactly 1`);
    assert.ok(d, `${label}: details on the last call`);
    assert.equal(d.phase, 'weights');
    assert.equal(d.loadedBytes, totalWeightBytes, `${label}: loadedBytes at the end`);
    assert.equal(calls.filter(([x]) => x === 1).length >= 1, true);
  }

  for (const name of ['synth-layers-f32-sharded', 'upscaler-default-f32', 'synth-graph-multigroup']) {
    it(`${name}: onProgress fractions non-decreasing, ending at 1 with every weight byte`, async () => {
      const calls = [];
      const a = await ma.http(fx(name), {onProgress: (f, d) => calls.push([f, d && {...d}])}).load();
      await checkArtifacts(a, name);
      const total = readExpected(name).artifactsInfo.weightDataBytes;
      checkProgress(calls, total, name);
      const last = calls.at(-1)[1];
      // totalBytes is known from the manifest unless string weights hide it.
      if (name !== 'synth-graph-multigroup') assert.equal(last.totalBytes, total);
      else assert.ok(last.totalBytes === 0 || last.totalBytes === total, `totalBytes ${last.totalBytes}`);
    });
  }

  it('progress stays monotonic across a retried, resumed shard', async () => {
    const n = 'upscaler-default-f32';
    srv.faults.set(fxPath(n, 'group1-shard1of1.bin'), {cutAfter: 300_000, times: 1});
    const calls = [];
    await ma.http(fx(n), {onProgress: (f, d) => calls.push([f, d && {...d}])}).load();
    checkProgress(calls, 888300, 'resumed');
    assert.ok(calls.every(([, d]) => !d || d.loadedBytes <= 888300), 'bytes never counted twice');
  });

  async function manyShards() {
    const fix = await loadFixture('synth-layers-f32-sharded');
    const {modelJSON, files} = ma.shardArtifacts(fix.artifacts, {shardSizeBytes: 8192});
    srv.files.set('/many/model.json', JSON.stringify(modelJSON));
    for (const f of files) {
      srv.files.set(`/many/${f.path}`, Buffer.from(f.data));
      srv.faults.set(`/many/${f.path}`, {delayMs: 25});
    }
    return {fix, count: files.length};
  }

  it('concurrency: 1 never has more than one shard request in flight', async () => {
    const {fix, count} = await manyShards();
    assert.ok(count >= 15);
    const a = await ma.http(`${srv.url}/many/model.json`, {concurrency: 1}).load();
    assert.equal(a.weightData.length, count);
    checkDecoded(ma.decodeWeights(a.weightData, a.weightSpecs), fix.expected, 'many shards');
    assert.equal(srv.inFlight.max, 1);
  });

  it('default concurrency: several shards in flight, never more than 6', async () => {
    const {count} = await manyShards();
    const a = await ma.http(`${srv.url}/many/model.json`).load();
    assert.equal(a.weightData.length, count);
    assert.ok(srv.inFlight.max > 1 && srv.inFlight.max <= 6, `max in flight ${srv.inFlight.max}`);
  });

  it('concurrency: 3 is respected', async () => {
    await manyShards();
    await ma.http(`${srv.url}/many/model.json`, {concurrency: 3}).load();
    assert.ok(srv.inFlight.max > 1 && srv.inFlight.max <= 3, `max in flight ${srv.inFlight.max}`);
  });
});

describe('http load: streamWeights', () => {
  for (const name of ['synth-graph-multigroup', 'synth-layers-f32-sharded', 'human-age-int32']) {
    it(`${name}: getWeightStream + decodeWeightsStream give the goldens, progress reaches 1`, async () => {
      const calls = [];
      const a = await ma.http(fx(name), {streamWeights: true, onProgress: (f, d) => calls.push([f, d])}).load();
      assert.equal(typeof a.getWeightStream, 'function');
      assert.equal(a.weightData, undefined);
      const fix = await loadFixture(name);
      assert.deepEqual(a.weightSpecs, fix.specs);
      assert.deepEqual(a.modelTopology, fix.modelJSON.modelTopology);
      const decoded = await ma.decodeWeightsStream(a.getWeightStream(), a.weightSpecs);
      checkDecoded(decoded, fix.expected, `${name} streamed`);
      const fr = calls.map(c => c[0]);
      for (let i = 1; i < fr.length; i++) assert.ok(fr[i] >= fr[i - 1], `non-decreasing: ${fr}`);
      assert.equal(fr.at(-1), 1, `progress reaches 1: ${fr.slice(-4)}`);
    });
  }

  it('each getWeightStream() is a new stream (re-fetches)', async () => {
    const name = 'synth-layers-uint8';
    const a = await ma.http(fx(name), {streamWeights: true}).load();
    const fix = await loadFixture(name);
    checkDecoded(await ma.decodeWeightsStream(a.getWeightStream(), a.weightSpecs), fix.expected, 'first');
    checkDecoded(await ma.decodeWeightsStream(a.getWeightStream(), a.weightSpecs), fix.expected, 'second');
    assert.equal(srv.requestsFor(fxPath(name, 'group1-shard1of2.bin')).length, 2);
  });

  it('a shard 404 errors the weight stream itself with E_HTTP_STATUS', async () => {
    const name = 'synth-graph-multigroup';
    srv.faults.set(fxPath(name, 'group3-shard1of1.bin'), {status: 404});
    const a = await ma.http(fx(name), {streamWeights: true}).load();
    const reader = a.getWeightStream().getReader();
    const e = await rejection((async () => { for (;;) if ((await reader.read()).done) return; })());
    assertMaError(e, 'E_HTTP_STATUS');
    assert.equal(e.status, 404);
    assert.equal(e.url, fx(name, 'group3-shard1of1.bin'));
  });

  it('a shard 404 surfaces from decodeWeightsStream as E_HTTP_STATUS', async () => {
    const name = 'synth-graph-multigroup';
    srv.faults.set(fxPath(name, 'group3-shard1of1.bin'), {status: 404});
    const a = await ma.http(fx(name), {streamWeights: true}).load();
    const e = await rejectsMa(() => ma.decodeWeightsStream(a.getWeightStream(), a.weightSpecs), 'E_HTTP_STATUS');
    assert.equal(e.status, 404);
  });

  it('a cut body while streaming resumes with Range', async () => {
    const name = 'upscaler-default-f32';
    srv.faults.set(fxPath(name, 'group1-shard1of1.bin'), {cutAfter: 200_000, times: 1});
    const a = await ma.http(fx(name), {streamWeights: true}).load();
    checkDecoded(await ma.decodeWeightsStream(a.getWeightStream(), a.weightSpecs), readExpected(name), 'resumed');
    const reqs = srv.requestsFor(fxPath(name, 'group1-shard1of1.bin'));
    assert.equal(reqs.length, 2);
    assert.match(reqs[1].range ?? '', /^bytes=\d+-$/);
  });

  it('a streamed load aborted mid-stream: E_ABORTED', async () => {
    const name = 'upscaler-default-f32';
    srv.faults.set(fxPath(name, 'group1-shard1of1.bin'), {stallAfter: 100_000, stallMs: 10_000});
    const ac = new AbortController();
    const a = await ma.http(fx(name), {streamWeights: true, signal: ac.signal}).load();
    setTimeout(() => ac.abort(), 100);
    const t0 = Date.now();
    await rejectsMa(() => ma.decodeWeightsStream(a.getWeightStream(), a.weightSpecs), 'E_ABORTED');
    assert.ok(Date.now() - t0 < 1000);
  });

  it('reads one shard ahead: the next shard is requested while the current one is still arriving', async () => {
    const name = 'synth-layers-f32-sharded';
    // Shard 1 stalls half-way; shard 2 must already have been asked for.
    srv.faults.set(fxPath(name, 'group1-shard1of5.bin'), {stallAfter: 16_384, stallMs: 300});
    const a = await ma.http(fx(name), {streamWeights: true}).load();
    const done = ma.decodeWeightsStream(a.getWeightStream(), a.weightSpecs);
    await new Promise(r => setTimeout(r, 150));
    assert.equal(srv.requestsFor(fxPath(name, 'group1-shard2of5.bin')).length, 1, 'shard 2 requested during shard 1');
    assert.equal(srv.requestsFor(fxPath(name, 'group1-shard3of5.bin')).length, 0, 'no further than one ahead');
    checkDecoded(await done, readExpected(name), 'read-ahead');
  });

  it('the last shard is verified too (decodeWeightsStream reads to the stream end)', async () => {
    const name = 'synth-layers-f32-sharded';
    const fix = await loadFixture(name);
    const model = structuredClone(fix.modelJSON);
    const paths = model.weightsManifest[0].paths;
    model.weightsManifest[0].sha256 = paths.map(p => sha256(readShard(name, p)));
    model.weightsManifest[0].sha256[paths.length - 1] = '0'.repeat(64);
    srv.faults.set(fxPath(name, 'model.json'), {body: JSON.stringify(model)});
    const a = await ma.http(fx(name), {streamWeights: true}).load();
    const e = await rejectsMa(() => ma.decodeWeightsStream(a.getWeightStream(), a.weightSpecs), 'E_INTEGRITY');
    assert.equal(e.url, fx(name, paths.at(-1)));
  });

  it('decodeWeightsStream onTensor: called per weight in order; the map does not keep them', async () => {
    const name = 'synth-graph-multigroup';
    const fix = await loadFixture(name);
    const a = await ma.http(fx(name), {streamWeights: true}).load();
    const seen = [];
    const map = await ma.decodeWeightsStream(a.getWeightStream(), a.weightSpecs, {onTensor: t => seen.push(t)});
    assert.deepEqual(seen.map(t => t.name), fix.specs.map(s => s.name));
    for (const t of seen) assert.equal(map[t.name], undefined, `${t.name} not kept in the map`);
    const asMap = Object.fromEntries(seen.map(t => [t.name, t]));
    checkDecoded(asMap, fix.expected, 'onTensor');
  });
});

describe('http save (multipart)', () => {
  async function artifactsFor(name) {
    const fix = await loadFixture(name);
    return {fix, artifacts: fix.artifacts};
  }

  function checkForm(form, artifacts, {weights = true} = {}) {
    assert.ok(form['model.json'], 'field model.json');
    assert.equal(form['model.json'].filename, 'model.json');
    assert.match(form['model.json'].type, /^application\/json/);
    const mj = JSON.parse(form['model.json'].text());
    assert.deepEqual(mj.modelTopology, artifacts.modelTopology);
    for (const k of ['format', 'generatedBy', 'convertedBy', 'trainingConfig', 'userDefinedMetadata', 'signature']) {
      if (artifacts[k] != null) assert.deepEqual(mj[k], artifacts[k], k);
    }
    if (weights) {
      assert.deepEqual(mj.weightsManifest, [{paths: ['./model.weights.bin'], weights: artifacts.weightSpecs}]);
      assert.ok(form['model.weights.bin'], 'field model.weights.bin');
      assert.equal(form['model.weights.bin'].filename, 'model.weights.bin');
      assert.equal(sha256(form['model.weights.bin'].bytes), sha256(joinBytes(artifacts.weightData)));
      // Our own parser reads the upload back to the same weights.
      const parsed = ma.parseModelJSON(form['model.json'].text());
      const decoded = ma.decodeWeights(toArrayBuffer(form['model.weights.bin'].bytes),
        ma.getWeightSpecs(parsed.weightsManifest));
      return decoded;
    }
    assert.equal(form['model.weights.bin'], undefined, 'no weights field');
    return null;
  }

  it('POST by default: model.json + model.weights.bin; resolves {modelArtifactsInfo, responses: [response]}', async () => {
    const {fix, artifacts} = await artifactsFor('synth-layers-tfjs-saved');
    const res = await ma.http(`${srv.url}/upload`).save(artifacts);
    assert.equal(srv.uploads.length, 1);
    const up = srv.uploads[0];
    assert.equal(up.method, 'POST');
    assert.equal(up.path, '/upload');
    assert.match(up.headers['content-type'], /^multipart\/form-data; boundary=/);
    const decoded = checkForm(await parseUpload(up), artifacts);
    checkDecoded(decoded, fix.expected, 'uploaded');
    const {dateSaved, ...info} = res.modelArtifactsInfo;
    assert.ok(dateSaved instanceof Date);
    assert.equal(info.modelTopologyType, 'JSON');
    assert.equal(info.weightDataBytes, fix.expected.artifactsInfo.weightDataBytes);
    assert.equal(info.modelTopologyBytes, fix.expected.artifactsInfo.modelTopologyBytes);
    assert.equal(info.weightSpecsBytes, fix.expected.artifactsInfo.weightSpecsBytes);
    assert.ok(Array.isArray(res.responses) && res.responses.length === 1);
    assert.equal(res.responses[0].status, 200);
    assert.deepEqual(await res.responses[0].json(), {ok: true});
  });

  it('multi-shard weightData is joined into one model.weights.bin', async () => {
    const {fix, artifacts} = await artifactsFor('synth-graph-multigroup');
    await ma.http(`${srv.url}/upload`).save(artifacts);
    const form = await parseUpload(srv.uploads[0]);
    checkDecoded(checkForm(form, artifacts), fix.expected, 'uploaded multigroup');
  });

  it('PUT and extra headers via requestInit', async () => {
    const {artifacts} = await artifactsFor('synth-layers-uint8');
    await ma.http(`${srv.url}/put-here`, {requestInit: {method: 'PUT', headers: {'x-extra': 'yes'}}}).save(artifacts);
    const up = srv.uploads[0];
    assert.equal(up.method, 'PUT');
    assert.equal(up.headers['x-extra'], 'yes');
    checkForm(await parseUpload(up), artifacts);
  });

  it('topology only: no model.weights.bin field', async () => {
    const {artifacts} = await artifactsFor('synth-layers-uint8');
    await ma.http(`${srv.url}/upload`).save({modelTopology: artifacts.modelTopology, format: artifacts.format});
    const form = await parseUpload(srv.uploads[0]);
    checkForm(form, {modelTopology: artifacts.modelTopology, format: artifacts.format}, {weights: false});
  });

  it('ma.save(artifacts, "http://...") routes to the http handler', async () => {
    const {artifacts} = await artifactsFor('synth-layers-uint8');
    const res = await ma.save(artifacts, `${srv.url}/routed`);
    assert.equal(srv.uploads[0].path, '/routed');
    assert.equal(res.responses[0].status, 200);
  });

  it('a 500 answer: E_HTTP_STATUS with status 500', async () => {
    srv.faults.set('/upload', {status: 500});
    const {artifacts} = await artifactsFor('synth-layers-uint8');
    const e = await rejectsMa(() => ma.http(`${srv.url}/upload`).save(artifacts), 'E_HTTP_STATUS');
    assert.equal(e.status, 500);
  });

  it('a 404 answer: E_HTTP_STATUS with status 404', async () => {
    srv.faults.set('/upload', {status: 404});
    const {artifacts} = await artifactsFor('synth-layers-uint8');
    const e = await rejectsMa(() => ma.http(`${srv.url}/upload`).save(artifacts), 'E_HTTP_STATUS');
    assert.equal(e.status, 404);
  });
});

describe('loadWeights / weightsLoaderFactory', () => {
  const NAME = 'synth-graph-multigroup'; // 4 groups; group 3 holds string weights
  const manifest = () => JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, NAME, 'model.json'), 'utf8'))
    .weightsManifest;
  const subset = (expected, names) => ({...expected, weights: expected.weights.filter(w => names.includes(w.name))});

  it('loadWeights fetches only the groups holding the names (string weights decoded right)', async () => {
    const names = ['vocab', 'dense/bias', 'table/keys'];
    const out = await ma.loadWeights(manifest(), `${srv.url}/fx/${NAME}`, names);
    checkDecoded(out, subset(readExpected(NAME), names), 'subset');
    const fetched = srv.requests.map(r => r.path).sort();
    assert.deepEqual(fetched, [fxPath(NAME, 'group1-shard1of1.bin'), fxPath(NAME, 'group3-shard1of1.bin')]);
  });

  it('loadWeights without names: every weight; the prefix with a trailing slash works too', async () => {
    const out = await ma.loadWeights(manifest(), `${srv.url}/fx/${NAME}/`);
    checkDecoded(out, readExpected(NAME), 'all');
    assert.equal(srv.requests.length, 5);
    assert.ok(srv.requests.every(r => !r.path.includes('//')), 'no double slash');
  });

  it('loadWeights: the sharded float16 group alone', async () => {
    const out = await ma.loadWeights(manifest(), `${srv.url}/fx/${NAME}`, ['big/embedding']);
    checkDecoded(out, subset(readExpected(NAME), ['big/embedding']), 'group4');
    assert.equal(srv.requests.length, 2);
  });

  it('loadWeights passes requestInit', async () => {
    await ma.loadWeights(manifest(), `${srv.url}/fx/${NAME}`, ['mask'], {headers: {'x-lw': '1'}});
    assert.equal(srv.requests.length, 1);
    assert.equal(srv.requests[0].headers['x-lw'], '1');
  });

  it('loadWeights on the bare face-api manifest gives its goldens', async () => {
    const m = JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, BARE_FIXTURE,
      'tiny_face_detector_model-weights_manifest.json'), 'utf8'));
    checkDecoded(await ma.loadWeights(m, `${srv.url}/fx/${BARE_FIXTURE}`), readExpected(BARE_FIXTURE), BARE_FIXTURE);
  });

  it('loadWeights: a missing shard is E_HTTP_STATUS, an unknown name rejects naming it', async () => {
    srv.faults.set(fxPath(NAME, 'group2-shard1of1.bin'), {status: 404});
    const e = await rejectsMa(() => ma.loadWeights(manifest(), `${srv.url}/fx/${NAME}`, ['scale']), 'E_HTTP_STATUS');
    assert.equal(e.status, 404);
    const e2 = await rejection(ma.loadWeights(manifest(), `${srv.url}/fx/${NAME}`, ['no/such/weight']));
    assert.ok(e2 instanceof Error);
    assert.ok(e2.message.includes('no/such/weight'), e2.message);
    assert.equal(srv.requests.filter(r => r.path.endsWith('.bin')).length, 1, 'nothing fetched for the unknown name');
  });

  it('weightsLoaderFactory: URLs are prefix + "/" + path, only the needed groups, strings right', async () => {
    const calls = [];
    const load = ma.weightsLoaderFactory(async urls => {
      calls.push(urls);
      return urls.map(u => toArrayBuffer(readShard(NAME, u.split('/').pop())));
    });
    const names = ['vocab', 'big/embedding'];
    checkDecoded(await load(manifest(), 'some/dir', names), subset(readExpected(NAME), names), 'factory');
    assert.deepEqual(calls.flat().sort(), ['some/dir/group3-shard1of1.bin', 'some/dir/group4-shard1of2.bin',
      'some/dir/group4-shard2of2.bin']);
    calls.length = 0;
    checkDecoded(await load(manifest()), readExpected(NAME), 'factory all');
    assert.deepEqual(calls.flat().sort(), manifestPaths(manifest()).map(p => `/${p}`).sort(), 'default prefix ""');
  });

  it('weightsLoaderFactory: fetchWeights returning a short buffer is an error, not garbage', async () => {
    const load = ma.weightsLoaderFactory(async urls => urls.map(() => new ArrayBuffer(8)));
    const e = await rejection(load(manifest(), '', ['dense/kernel']));
    assert.ok(e instanceof Error);
    assertMaError(e, ['E_SIZE_MISMATCH', 'E_WEIGHT_DATA_TOO_SHORT']);
  });
});
