// The http() handler in each real browser engine (support/engines.mjs:
// Chromium, Firefox ESR, WebKitGTK; one launch per engine), cross-origin:
// the page (and a module worker) come from one local server, the models
// from the fault server on another port with CORS headers. Loads decode to the goldens, progress
// reaches 1, faults map to error codes, abort is prompt, cut bodies resume
// with Range through the CORS preflight, streaming works, and saving posts
// the multipart form cross-origin.
import {describe, it, before, after, beforeEach} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {FIXTURES_DIR, REPO_ROOT, readExpected, sha256} from './support/common.mjs';
import {startStaticServer} from './support/static-server.mjs';
import {startFaultServer, parseUpload} from './support/fault-server.mjs';
import {forEachEngine, openTestPage, callInPage} from './support/engines.mjs';

let pageServer;
let srv;

const fx = (name, file = 'model.json') => `${srv.url}/fx/${name}/${file}`;
const exp = name => fx(name, 'expected.json');
const fxPath = (name, file) => `/fx/${name}/${file}`;

before(async () => {
  srv = await startFaultServer({mounts: {'/fx/': FIXTURES_DIR}, cors: true});
  pageServer = await startStaticServer({'/': REPO_ROOT});
});

after(async () => {
  await pageServer?.close();
  await srv?.close();
});

beforeEach(() => srv.reset());

const pageOrigin = () => pageServer.url;

// One block per engine (its body is not indented, to keep the diff small).
forEachEngine(engine => describe(engine, () => {
let browser;
let page;
const pageErrors = [];
const consoleErrors = [];

/** Calls `fn` of support/browser-http.mjs in the page (or in a worker). */
const inPage = (fn, ...args) => callInPage(page, '/tests/js/support/browser-http.mjs', fn, ...args);
function inWorker(fn, ...args) {
  return page.evaluate(async ([fn, args]) => {
    const m = await import('/tests/js/support/browser-http.mjs');
    return m.inWorker(fn, args);
  }, [fn, args]);
}

before(async () => {
  ({browser, page} = await openTestPage(engine, pageServer.url, {pageErrors, consoleErrors}));
});

after(() => browser?.close());

describe('page, models on another origin (CORS)', () => {
  it('page and models are on different origins', async () => {
    assert.notEqual(new URL(pageServer.url).port, new URL(srv.url).port);
    const origin = await page.evaluate(() => location.origin);
    assert.equal(origin, pageOrigin());
  });

  for (const name of ['synth-graph-multigroup', 'upscaler-default-f32', 'synth-layers-f32-sharded']) {
    it(`${name}: load + decode give the goldens, progress reaches 1`, async () => {
      const r = await inPage('loadAndCheck', fx(name), exp(name));
      assert.deepEqual(r.problems, []);
      assert.equal(r.weights, r.numWeights);
      const shardReqs = srv.requests.filter(q => q.path.endsWith('.bin'));
      assert.equal(shardReqs.length, readExpected(name).shards.length);
      for (const q of shardReqs) assert.equal(q.headers.origin, pageOrigin(), 'a cross-origin request');
    });
  }

  it('signed URL + a custom header (preflighted): loads, every shard carries ?sig=', async () => {
    const name = 'synth-layers-uint8';
    srv.requireQuery = {sig: 'abc'};
    const r = await inPage('loadAndCheck', `${fx(name)}?sig=abc`, `${exp(name)}?sig=abc`,
      {requestInit: {headers: {'x-token': 't1'}}});
    assert.deepEqual(r.problems, []);
    const gets = srv.requests.filter(q => q.method === 'GET' && q.path.endsWith('.bin'));
    assert.equal(gets.length, 2);
    for (const q of gets) {
      assert.equal(q.query.sig, 'abc');
      assert.equal(q.headers['x-token'], 't1');
    }
    assert.ok(srv.requests.some(q => q.method === 'OPTIONS'), 'the browser sent a CORS preflight');
  });

  it('a body cut mid-way resumes with Range across origins (206) and loads', async () => {
    const name = 'upscaler-default-f32';
    srv.faults.set(fxPath(name, 'group1-shard1of1.bin'), {cutAfter: 400_000, times: 1});
    const r = await inPage('loadAndCheck', fx(name), exp(name));
    assert.deepEqual(r.problems, []);
    const gets = srv.requestsFor(fxPath(name, 'group1-shard1of1.bin'));
    assert.equal(gets.length, 2);
    assert.match(gets[1].range ?? '', /^bytes=\d+-$/);
    assert.equal(gets[1].status, 206);
  });

  it('a shard 500 once: retried, loads', async () => {
    const name = 'synth-layers-uint16';
    srv.faults.set(fxPath(name, 'group1-shard3of3.bin'), {status: 500, times: 1});
    const r = await inPage('loadAndCheck', fx(name), exp(name));
    assert.deepEqual(r.problems, []);
    assert.deepEqual(srv.requestsFor(fxPath(name, 'group1-shard3of3.bin')).map(q => q.status), [500, 200]);
  });

  it('a shard 404: E_HTTP_STATUS naming the shard', async () => {
    const name = 'synth-layers-uint16';
    srv.faults.set(fxPath(name, 'group1-shard2of3.bin'), {status: 404});
    const e = await inPage('loadError', fx(name));
    assert.ok(e, 'rejected');
    assert.equal(e.code, 'E_HTTP_STATUS', e.message);
    assert.equal(e.status, 404);
    assert.equal(e.url, fx(name, 'group1-shard2of3.bin'));
    assert.equal(e.name, 'ModelArtifactsError');
    assert.equal(e.isClass, true);
  });

  it('model.json 404: E_HTTP_STATUS', async () => {
    const e = await inPage('loadError', fx('synth-layers-uint16', 'missing.json'));
    assert.equal(e?.code, 'E_HTTP_STATUS');
    assert.equal(e.status, 404);
  });

  it('a slow shard aborted after 100 ms: E_ABORTED promptly', async () => {
    const name = 'synth-layers-uint16';
    srv.faults.set(fxPath(name, 'group1-shard2of3.bin'), {delayMs: 10_000});
    const e = await inPage('abortedLoad', fx(name), 100);
    assert.ok(e, 'rejected');
    assert.equal(e.code, 'E_ABORTED', e.message);
    assert.ok(e.sinceAbort != null && e.sinceAbort < 1000, `${e.sinceAbort} ms after abort`);
  });

  it('streamed load: decodeWeightsStream gives the goldens', async () => {
    const name = 'synth-graph-multigroup';
    const r = await inPage('streamAndCheck', fx(name), exp(name));
    assert.deepEqual(r.problems, []);
    assert.equal(r.weights, r.numWeights);
    assert.deepEqual(r.progress, [], 'streamed progress reaches 1');
  });

  it('streamed load, a shard 404: E_HTTP_STATUS from the decode', async () => {
    const name = 'synth-graph-multigroup';
    srv.faults.set(fxPath(name, 'group2-shard1of1.bin'), {status: 404});
    const e = await inPage('loadError', fx(name), {}, {stream: true});
    assert.ok(e, 'rejected');
    assert.equal(e.code, 'E_HTTP_STATUS', e.message);
  });

  it('streamed load aborted mid-body: E_ABORTED promptly', async () => {
    const name = 'upscaler-default-f32';
    srv.faults.set(fxPath(name, 'group1-shard1of1.bin'), {stallAfter: 100_000, stallMs: 10_000});
    const e = await inPage('abortedLoad', fx(name), 150, {stream: true});
    assert.ok(e, 'rejected');
    assert.equal(e.code, 'E_ABORTED', e.message);
    assert.ok(e.sinceAbort != null && e.sinceAbort < 1000, `${e.sinceAbort} ms after abort`);
  });

  it('without CORS headers the browser blocks the load: E_NETWORK (no retries asked)', async () => {
    srv.cors = false;
    const e = await inPage('loadError', fx('synth-layers-uint8'), {retries: 0});
    assert.ok(e, 'rejected');
    assert.equal(e.code, 'E_NETWORK', e.message);
  });

  for (const streamWeights of [false, true]) it(`save${streamWeights ? ' of a model loaded with streamWeights' : ''}: multipart POST across origins, received and parsed by the server`, async () => {
    const name = 'synth-layers-tfjs-saved';
    const r = await inPage('loadThenSave', fx(name), `${srv.url}/upload`, undefined, streamWeights);
    assert.equal(r.status, 200);
    assert.equal(r.info.weightDataBytes, readExpected(name).artifactsInfo.weightDataBytes);
    assert.equal(srv.uploads.length, 1);
    assert.equal(srv.uploads[0].method, 'POST');
    const form = await parseUpload(srv.uploads[0]);
    assert.equal(form['model.json'].filename, 'model.json');
    assert.equal(form['model.weights.bin'].filename, 'model.weights.bin');
    const mj = JSON.parse(form['model.json'].text());
    assert.deepEqual(mj.weightsManifest[0].paths, ['./model.weights.bin']);
    const file = fs.readFileSync(path.join(FIXTURES_DIR, name, 'model.weights.bin'));
    assert.equal(sha256(form['model.weights.bin'].bytes), sha256(file));
  });
});

describe('module worker, models on another origin', () => {
  it('load + decode give the goldens, progress reaches 1', async () => {
    const name = 'synth-graph-multigroup';
    const r = await inWorker('loadAndCheck', fx(name), exp(name));
    assert.equal(r.scope, 'worker');
    assert.deepEqual(r.problems, []);
    assert.equal(r.weights, 15);
  });

  it('a body cut mid-way resumes with Range and loads', async () => {
    const name = 'human-selfie-f16';
    srv.faults.set(fxPath(name, 'selfie.bin'), {cutAfter: 50_000, times: 1});
    const r = await inWorker('loadAndCheck', fx(name), exp(name));
    assert.deepEqual(r.problems, []);
    const gets = srv.requestsFor(fxPath(name, 'selfie.bin'));
    assert.match(gets[1]?.range ?? '', /^bytes=\d+-$/);
  });

  it('streamed load gives the goldens', async () => {
    const name = 'synth-layers-f32-sharded';
    const r = await inWorker('streamAndCheck', fx(name), exp(name));
    assert.equal(r.scope, 'worker');
    assert.deepEqual(r.problems, []);
    assert.equal(r.weights, r.numWeights);
  });

  it('a shard 404 and an abort give their codes', async () => {
    const name = 'synth-layers-uint16';
    srv.faults.set(fxPath(name, 'group1-shard1of3.bin'), {status: 404});
    const e = await inWorker('loadError', fx(name));
    assert.equal(e?.code, 'E_HTTP_STATUS');
    assert.equal(e.status, 404);
    srv.faults.set(fxPath(name, 'group1-shard1of3.bin'), {delayMs: 10_000});
    const a = await inWorker('abortedLoad', fx(name), 100);
    assert.equal(a?.code, 'E_ABORTED');
    assert.ok(a.sinceAbort < 1000, `${a.sinceAbort} ms after abort`);
  });
});

describe('page health', () => {
  it('no uncaught errors in the page', () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(consoleErrors.filter(m => /Uncaught/.test(m)), []);
  });
});
}));
