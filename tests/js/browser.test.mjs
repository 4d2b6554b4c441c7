// The package in each real browser engine (support/engines.mjs: Chromium,
// Firefox ESR, WebKitGTK), one launch per engine: a page that imports it
// through an import map decodes every fixture (the 64 MiB one too,
// generated here and served) and checks each weight's sha256 with
// crypto.subtle; a module worker does the same for one fixture.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {FIXTURES_DIR, FIXTURES_URL, REPO_ROOT, LARGE_FIXTURE, fixtureNames} from './support/common.mjs';
import {startStaticServer} from './support/static-server.mjs';
import {forEachEngine, openTestPage} from './support/engines.mjs';

let server;
let tmpDir;

function baseFor(name) {
  return name === LARGE_FIXTURE ? `/generated/${name}/` : `/fixtures/${name}/`;
}

before(async () => {
  // The 64 MiB fixture, generated in Node and served from a temp folder.
  tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-browser-'));
  const gen = await import(new URL(`${LARGE_FIXTURE}/gen-large-model.mjs`, FIXTURES_URL).href);
  const {modelJSON, shards} = gen.generateLargeModel();
  const out = path.join(tmpDir, LARGE_FIXTURE);
  fs.mkdirSync(out);
  fs.writeFileSync(path.join(out, 'model.json'), JSON.stringify(modelJSON));
  for (const s of shards) fs.writeFileSync(path.join(out, s.path), s.data);
  fs.copyFileSync(path.join(FIXTURES_DIR, LARGE_FIXTURE, 'expected.json'), path.join(out, 'expected.json'));

  server = await startStaticServer({'/fixtures/': FIXTURES_DIR, '/generated/': tmpDir, '/': REPO_ROOT});
});

after(async () => {
  await server?.close();
  if (tmpDir) fs.rmSync(tmpDir, {recursive: true, force: true});
});

// One block per engine (its body is not indented, to keep the diff small).
forEachEngine(engine => describe(engine, () => {
let browser;
let page;
const pageErrors = [];
const consoleErrors = [];
const failedRequests = [];

before(async () => {
  ({browser, page} = await openTestPage(engine, server.url, {pageErrors, consoleErrors, failedRequests}, {server}));
});

after(() => browser?.close());

describe('browser window', () => {
  it('loads the package through the import map', async () => {
    const kinds = await page.evaluate(async () => {
      const ma = await import('model-artifacts');
      return {decodeWeights: typeof ma.decodeWeights, err: typeof ma.ModelArtifactsError,
        win: window.__suite.isWindow, secure: window.isSecureContext};
    });
    assert.deepEqual(kinds, {decodeWeights: 'function', err: 'function', win: true, secure: true});
  });

  for (const name of fixtureNames()) {
    it(`${name}: decodeWeights, decodeWeightsStream and artifacts info match the goldens`, {timeout: 120_000}, async () => {
      const r = await page.evaluate(base => window.__suite.checkFixture(base), baseFor(name));
      assert.deepEqual(r.problems, []);
      assert.equal(r.weights, r.numWeights);
      assert.equal(r.streamWeights, r.numWeights);
      assert.ok(r.numWeights > 0);
      const expected = JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, name, 'expected.json'), 'utf8'));
      assert.deepEqual(r.info, {modelTopologyBytes: expected.artifactsInfo.modelTopologyBytes,
        weightSpecsBytes: expected.artifactsInfo.weightSpecsBytes,
        weightDataBytes: expected.artifactsInfo.weightDataBytes});
    });
  }

  it('decodeWeightsStream straight from a fetch Response body', async () => {
    for (const name of ['upscaler-default-f32', 'human-selfie-f16']) {
      const r = await page.evaluate(base => window.__suite.directResponseBody(base), baseFor(name));
      const entries = Object.entries(r);
      assert.ok(entries.length > 0);
      for (const [w, [got, want]] of entries) assert.equal(got, want, `${name}: ${w}`);
    }
  });

  it('errors are ModelArtifactsError with a code in the browser too', async () => {
    const e = await page.evaluate(() => window.__suite.errorCase());
    assert.ok(e, 'threw');
    assert.equal(e.name, 'ModelArtifactsError');
    assert.equal(e.code, 'E_WEIGHT_DATA_TOO_SHORT');
    assert.ok(e.message.includes('short/w'), e.message);
    assert.equal(e.isClass, true);
    assert.equal(e.isError, true);
  });
});

describe('dedicated module worker', () => {
  it('imports the package and decodes a fixture', {timeout: 60_000}, async () => {
    const r = await page.evaluate(base => window.__suite.runWorker(base), baseFor('synth-graph-multigroup'));
    assert.deepEqual(r.problems, []);
    assert.equal(r.scope, 'worker');
    assert.equal(r.weights, 15);
    assert.equal(r.streamWeights, 15);
    assert.deepEqual(r.error, {name: 'ModelArtifactsError', code: 'E_INVALID_JSON'});
  });
});

describe('page health', () => {
  it('no page errors, console errors or failed requests', () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(failedRequests, []);
    assert.ok(server.requests.some(([, url]) => url.endsWith('.wasm')), 'the wasm was fetched');
  });
});
}));
