// browserDownloads / downloads:// and browserFiles in each real browser
// engine (support/engines.mjs) next to real TensorFlow.js 4.22.
// Downloads: every file the page downloads is caught (Chromium: Playwright's
// events; Firefox and WebKitGTK: the folder they save into) and compared
// byte for byte with what tfjs's own downloads handler writes for
// the same artifacts (model.json key order, './<prefix>.weights.bin'
// manifest, the joined weights). Files: fixtures written to a temporary
// folder go through a real <input type=file multiple> (setInputFiles) into
// browserFiles; the weights arrive byte-exact and tfjs runs the models; bad
// selections (invalid JSON, where tfjs 4.22 hangs; missing, duplicate, extra,
// truncated or no files) are typed errors. Page side: support/browser-files.mjs.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {FIXTURES_DIR, REPO_ROOT, readExpected} from './support/common.mjs';
import {startStaticServer} from './support/static-server.mjs';
import {DIFFERS, forEachEngine, openTestPage, callInPage} from './support/engines.mjs';

const TFJS = '/node_modules/@tensorflow/tfjs/dist/tf.min.js';
const MODEL_JSON_KEYS = ['modelTopology', 'format', 'generatedBy', 'convertedBy', 'weightsManifest',
  'signature', 'userDefinedMetadata', 'modelInitializer', 'initializerSignature', 'trainingConfig'];

let server;
let tmp;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-files-browser-'));
  server = await startStaticServer({'/fixtures/': FIXTURES_DIR, '/': REPO_ROOT});
});

after(async () => {
  await server?.close();
  if (tmp) fs.rmSync(tmp, {recursive: true, force: true});
});

// One block per engine (its body is not indented, to keep the diff small).
forEachEngine(engine => describe(engine, () => {
let browser;
let page;
const pageErrors = [];
const consoleErrors = [];
const failedRequests = [];
const downloads = [];
const state = {};

/** Chromium throttles downloads a frame starts to 10 per second and drops
 * the rest silently (chromium CL 1132485; chromedp/chromedp#791), so every
 * save that downloads waits until 1.1 s after the previous one started. */
let lastSave = 0;
async function spaced() {
  const wait = lastSave + 1100 - Date.now();
  if (wait > 0) await new Promise(r => setTimeout(r, wait));
  lastSave = Date.now();
}
async function saveInPage(fn, ...args) {
  await spaced();
  return inPage(fn, ...args);
}

const inPage = (fn, ...args) => callInPage(page, '/tests/js/support/browser-files.mjs', fn, ...args);
const bytesOf = info => ({modelTopologyBytes: info.modelTopologyBytes, weightSpecsBytes: info.weightSpecsBytes,
  weightDataBytes: info.weightDataBytes});

/** The next `n` downloads (in the order the page started them), each as
 * {name, bytes}; fails if they do not all arrive within `ms`. */
async function takeDownloads(n, ms = 20_000) {
  const end = Date.now() + ms;
  while (downloads.length < n) {
    assert.ok(Date.now() < end, `expected ${n} downloads, got ${downloads.length}: ${downloads.map(d => d.name)}`);
    await new Promise(r => setTimeout(r, 25));
  }
  const taken = downloads.splice(0, n);
  return Promise.all(taken.map(async d => ({name: d.name, bytes: await d.bytes()})));
}

/** A page-side error summary is a ModelArtifactsError with `code`. */
function isMaError(e, code, label = '') {
  assert.ok(e && !e.hung, `${label}: expected an error with code ${code}, got ${JSON.stringify(e)}`);
  assert.equal(e.name, 'ModelArtifactsError', `${label}: ${JSON.stringify(e)}`);
  assert.equal(e.isMa, true, `${label}: instanceof ma.ModelArtifactsError (${JSON.stringify(e)})`);
  assert.equal(e.isError, true, `${label}: instanceof Error`);
  assert.equal(e.code, code, `${label}: ${JSON.stringify(e)}`);
}

/** Writes `files` ({name: Buffer|string}) into a fresh folder; their paths
 * in the given order. */
let dirCount = 0;
function writeFiles(files) {
  const dir = path.join(tmp, `${engine}-case-${dirCount++}`);
  fs.mkdirSync(dir);
  return Object.entries(files).map(([name, data]) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, data);
    return p;
  });
}
const fixtureFile = (fixture, name) => fs.readFileSync(path.join(FIXTURES_DIR, fixture, name));
/** model.json then the named shards of a fixture, in the order given. */
function fixtureFiles(fixture, shards, overrides = {}) {
  const files = {'model.json': overrides['model.json'] ?? fixtureFile(fixture, 'model.json')};
  for (const s of shards) files[s] = overrides[s] ?? fixtureFile(fixture, s);
  return writeFiles(files);
}
const pick = paths => page.setInputFiles('#files', paths);
const fixtureUrl = fixture => `${server.url}/fixtures/${fixture}/model.json`;

before(async () => {
  ({browser, page} = await openTestPage(engine, server.url, {pageErrors, consoleErrors, failedRequests}, {server}));
  page.onDownload(d => downloads.push(d));
  await page.addScriptTag({url: TFJS});
  state.setup = await page.evaluate(async () => {
    const m = await import('/tests/js/support/browser-files.mjs');
    return m.setup();
  });
});

after(() => browser?.close());

it('tfjs 4.22 on the cpu backend', () => {
  assert.deepEqual(state.setup, {backend: 'cpu', version: '4.22.0'});
});

describe('browserDownloads, against tfjs 4.22 downloads', () => {

  // Differs: in WebKitGTK tfjs's two downloads, started in one task, do not
  // both arrive (DIFFERS.oneDownloadPerTask; which one is lost varies);
  // ours, a task apart, always both do. There ours are compared with the
  // one of tfjs's that arrived.
  /** tfjs's downloads of a model with weights: [json, weights], null for a lost one. */
  async function takeTfjsPair(prefix, t) {
    if (!DIFFERS.oneDownloadPerTask(engine)) {
      const files = await takeDownloads(2);
      assert.deepEqual(files.map(f => f.name), [`${prefix}.json`, `${prefix}.weights.bin`]);
      return files;
    }
    const end = Date.now() + 20_000;
    while (downloads.length === 0 && Date.now() < end) await new Promise(r => setTimeout(r, 25));
    await new Promise(r => setTimeout(r, 1500));
    const files = await takeDownloads(downloads.length);
    const names = files.map(f => f.name);
    assert.ok(files.length >= 1, `${engine}: no tfjs download arrived`);
    assert.ok(names.every(n => [`${prefix}.json`, `${prefix}.weights.bin`].includes(n)), names.join());
    t.diagnostic(`${engine}: of tfjs's two downloads these arrived: ${names.join(', ')}`);
    return [files.find(f => f.name.endsWith('.json')) ?? null, files.find(f => f.name.endsWith('.bin')) ?? null];
  }

  it("tfjs model.save('downloads://t') and our browserDownloads('t') of the same artifacts: identical files", async tc => {
    const t = await saveInPage('tfjsDownloads');
    state.t = t;
    const theirs = await takeTfjsPair('t', tc);
    const r = await saveInPage('ourDownloads', 'handler', 't');
    const ours = await takeDownloads(2);
    assert.deepEqual(ours.map(f => f.name), ['t.json', 't.weights.bin']);
    if (theirs[0]) assert.equal(ours[0].bytes.toString('utf8'), theirs[0].bytes.toString('utf8'), 'model.json text');
    if (theirs[1]) assert.ok(ours[1].bytes.equals(theirs[1].bytes), 'weights.bin bytes');
    assert.ok(ours[1].bytes.equals(Buffer.from(t.joined)), 'weights.bin = the joined weights');
    assert.equal(r.partsIntact, true, 'the caller\'s parts are unchanged');
    assert.deepEqual(bytesOf(r.info), bytesOf(t.info));
    assert.ok(r.info.dateSaved instanceof Date);
  });

  it("browserDownloads('my-model').save(): my-model.json (tfjs key order, ./my-model.weights.bin) + the joined bytes", async () => {
    const r = await saveInPage('ourDownloads', 'handler', 'my-model');
    const files = await takeDownloads(2);
    assert.deepEqual(files.map(f => f.name), ['my-model.json', 'my-model.weights.bin']);
    const text = files[0].bytes.toString('utf8');
    const json = JSON.parse(text);
    assert.deepEqual(Object.keys(json), ['modelTopology', 'format', 'generatedBy', 'convertedBy', 'weightsManifest', 'userDefinedMetadata']);
    assert.deepEqual(json.weightsManifest, [{paths: ['./my-model.weights.bin'], weights: state.t.specs}]);
    assert.deepEqual(json.modelTopology, state.t.topology);
    assert.equal(json.convertedBy, null);
    assert.deepEqual(json.userDefinedMetadata, {test: 'downloads'});
    assert.equal(text, JSON.stringify(json), 'no whitespace');
    assert.ok(files[1].bytes.equals(Buffer.from(state.t.joined)));
    assert.deepEqual(bytesOf(r.info), bytesOf(r.tfjsInfo));
  });

  it("save(artifacts, 'downloads://x'), browserDownloads('downloads://y') and browserDownloads() (prefix 'model')", async () => {
    for (const [how, prefix, want] of [['router', 'x', 'x'], ['handler-url', 'y', 'y'], ['default', undefined, 'model']]) {
      await saveInPage('ourDownloads', how, prefix);
      const files = await takeDownloads(2);
      assert.deepEqual(files.map(f => f.name), [`${want}.json`, `${want}.weights.bin`], how);
      const json = JSON.parse(files[0].bytes.toString('utf8'));
      assert.deepEqual(json.weightsManifest[0].paths, [`./${want}.weights.bin`], how);
      assert.ok(files[1].bytes.equals(Buffer.from(state.t.joined)), how);
    }
  });

  it('every optional field: model.json byte-identical to tfjs\'s downloads handler, keys in getModelJSONForModelArtifacts order', async tc => {
    await saveInPage('ourDownloads', 'tfjs-full', 'full');
    const theirs = await takeTfjsPair('full', tc);
    await saveInPage('ourDownloads', 'full', 'full');
    const ours = await takeDownloads(2);
    assert.deepEqual(ours.map(f => f.name), ['full.json', 'full.weights.bin']);
    if (theirs[0]) assert.equal(ours[0].bytes.toString('utf8'), theirs[0].bytes.toString('utf8'));
    if (theirs[1]) assert.ok(ours[1].bytes.equals(theirs[1].bytes));
    assert.deepEqual(Object.keys(JSON.parse(ours[0].bytes.toString('utf8'))), MODEL_JSON_KEYS);
  });

  it('without weightData only the json downloads (as tfjs); a binary topology rejects E_BINARY_TOPOLOGY and downloads nothing', async () => {
    await saveInPage('ourDownloads', 'tfjs-no-weights', 'nw');
    await saveInPage('ourDownloads', 'no-weights', 'nw');
    const bin = await saveInPage('ourDownloads', 'binary', 'bin');
    isMaError(bin.error, 'E_BINARY_TOPOLOGY', 'binary topology');
    // A save with weights after them: the downloads in order show that
    // nothing else was downloaded in between.
    await saveInPage('ourDownloads', 'handler', 'sentinel');
    const files = await takeDownloads(4);
    assert.deepEqual(files.map(f => f.name), ['nw.json', 'nw.json', 'sentinel.json', 'sentinel.weights.bin']);
    assert.equal(files[1].bytes.toString('utf8'), files[0].bytes.toString('utf8'), "ours vs tfjs's no-weights model.json");
    const json = JSON.parse(files[1].bytes.toString('utf8'));
    assert.deepEqual(Object.keys(json), ['modelTopology', 'format', 'generatedBy', 'convertedBy', 'weightsManifest']);
    await new Promise(r => setTimeout(r, 500));
    assert.deepEqual(downloads.map(d => d.name), []);
  });

  it('downloads:// routes for save only; a non-string prefix is E_INVALID_ARGUMENT', async () => {
    const r = await inPage('downloadErrors');
    isMaError(r.nonString, 'E_INVALID_ARGUMENT', 'browserDownloads(42)');
    assert.equal(r.routerNull, 1);
    assert.equal(r.loadHandlers, 0);
  });
});

describe('browserFiles through a real <input type=file multiple>', () => {
  it('synth-graph-multigroup (4 groups, 5 shards picked out of order): byte-exact shards, all fields, same as tfjs browserFiles', async () => {
    const fixture = 'synth-graph-multigroup';
    const expected = readExpected(fixture);
    const modelJSON = JSON.parse(fixtureFile(fixture, 'model.json'));
    const shards = expected.shards.map(s => s.path);
    await pick(fixtureFiles(fixture, [...shards].reverse()));
    const r = await inPage('filesLoad', {compareTfjs: true});
    assert.deepEqual(r.names, ['model.json', ...[...shards].reverse()]);
    assert.equal(r.weightDataKind, '[object Array]');
    // In manifest order, whatever order they were picked in.
    assert.deepEqual(r.shards, expected.shards.map(s => ({kind: '[object ArrayBuffer]', length: s.byteLength, sha256: s.sha256})));
    assert.equal(r.joinedSha256, expected.weightData.sha256);
    assert.equal(r.joinedLength, expected.weightData.byteLength);
    assert.deepEqual(r.fields.modelTopology, modelJSON.modelTopology);
    assert.deepEqual(r.fields.weightSpecs, modelJSON.weightsManifest.flatMap(g => g.weights));
    for (const k of ['format', 'generatedBy', 'convertedBy', 'signature', 'userDefinedMetadata', 'modelInitializer', 'initializerSignature']) {
      assert.deepEqual(r.fields[k], modelJSON[k], k);
    }
    assert.equal(r.tfjsSameBytes, true, "weights equal tfjs's browserFiles load");
    assert.equal(r.tfjsSameFields, true, JSON.stringify(r.tfjsFieldsDiff));
  });

  it('human-age-int32: tf.loadGraphModel(browserFiles(input.files)) computes what tf.loadGraphModel(url) does', async () => {
    const fixture = 'human-age-int32';
    await pick(fixtureFiles(fixture, ['age.bin']));
    const r = await inPage('graphFromFiles', fixtureUrl(fixture));
    assert.equal(r.same, true);
    assert.equal(r.finite, true);
    assert.deepEqual(r.inputShape, [2, 64, 64, 3]);
  });

  it('synth-layers-f32-sharded (5 shards, picked reversed; FileList and array): tf.loadLayersModel predicts as from the url', async () => {
    const fixture = 'synth-layers-f32-sharded';
    const expected = readExpected(fixture);
    const shards = expected.shards.map(s => s.path);
    await pick(fixtureFiles(fixture, [...shards].reverse()));
    const r = await inPage('layersFromFiles', fixtureUrl(fixture));
    assert.deepEqual(r, {same: true, weightsSame: true, length: 30, outShape: [null, 10]});
    const loaded = await inPage('filesLoad', {asArray: true});
    assert.equal(loaded.joinedSha256, expected.weightData.sha256);
    assert.deepEqual(loaded.shards.map(s => s.sha256), expected.shards.map(s => s.sha256));
  });

  it("manifest paths with folders ('weights/…', './…') and JS whitespace match the picked files by basename", async () => {
    const fixture = 'synth-layers-f32-sharded';
    const expected = readExpected(fixture);
    const modelJSON = JSON.parse(fixtureFile(fixture, 'model.json'));
    // tf.io trims with JS's trim(): NBSP and U+FEFF too, then a trailing '/'.
    const spelled = [p => `weights/v1/${p}`, p => `./${p}`, p => `\u00a0 ${p}/\ufeff`];
    modelJSON.weightsManifest[0].paths = modelJSON.weightsManifest[0].paths.map((p, i) => spelled[i % 3](p));
    assert.ok(modelJSON.weightsManifest[0].paths.length >= 3, 'every spelling is used');
    const shards = expected.shards.map(s => s.path);
    await pick(fixtureFiles(fixture, shards, {'model.json': JSON.stringify(modelJSON)}));
    const r = await inPage('filesLoad', {compareTfjs: true});
    assert.equal(r.joinedSha256, expected.weightData.sha256);
    assert.equal(r.tfjsSameBytes, true);
    assert.equal(r.tfjsSameFields, true, JSON.stringify(r.tfjsFieldsDiff));
  });

  it('model.json alone: the topology, no weights', async () => {
    const fixture = 'synth-layers-f32-sharded';
    await pick(fixtureFiles(fixture, []));
    const r = await inPage('filesLoad');
    assert.deepEqual(r.names, ['model.json']);
    assert.deepEqual(r.fields.modelTopology, JSON.parse(fixtureFile(fixture, 'model.json')).modelTopology);
    assert.equal(r.joinedSha256, null);
  });

  describe('bad selections are typed errors', () => {
    const fixture = 'synth-layers-f32-sharded';
    const shards = () => readExpected(fixture).shards.map(s => s.path);

    it('invalid JSON rejects (tfjs 4.22 never settles) with E_INVALID_JSON', async () => {
      await pick(fixtureFiles(fixture, shards(), {'model.json': '{"modelTopology": {"class_name": "Sequential",'}));
      const r = await inPage('filesError');
      isMaError(r.error, 'E_INVALID_JSON', 'invalid JSON');
      assert.ok(r.error.message.includes('model.json'), r.error.message);
    });

    it('a missing weight file: E_WEIGHT_NOT_FOUND naming it', async () => {
      await pick(fixtureFiles(fixture, shards().filter(s => s !== 'group1-shard3of5.bin')));
      const r = await inPage('filesError');
      isMaError(r.error, 'E_WEIGHT_NOT_FOUND', 'missing shard');
      assert.ok(r.error.message.includes('group1-shard3of5.bin'), r.error.message);
    });

    it('two manifest paths with one basename: E_INVALID_MODEL_JSON', async () => {
      const modelJSON = JSON.parse(fixtureFile(fixture, 'model.json'));
      const specs = modelJSON.weightsManifest[0].weights;
      modelJSON.weightsManifest = [{paths: ['a/w.bin'], weights: specs.slice(0, 1)}, {paths: ['b/w.bin'], weights: specs.slice(1, 2)}];
      await pick(writeFiles({'model.json': JSON.stringify(modelJSON), 'w.bin': Buffer.alloc(4 * 3 * 3 * 3 * 8)}));
      const r = await inPage('filesError');
      isMaError(r.error, 'E_INVALID_MODEL_JSON', 'duplicate basename');
      assert.ok(r.error.message.includes('w.bin'), r.error.message);
    });

    it('an extra file: E_INVALID_ARGUMENT', async () => {
      await pick(fixtureFiles(fixture, [...shards(), 'extra.bin'], {'extra.bin': Buffer.alloc(16)}));
      const r = await inPage('filesError');
      isMaError(r.error, 'E_INVALID_ARGUMENT', 'extra file');
      assert.ok(r.error.message.includes('(5)') && r.error.message.includes('(6)'), r.error.message);
    });

    it('a truncated shard: E_SIZE_MISMATCH', async () => {
      const last = 'group1-shard5of5.bin';
      await pick(fixtureFiles(fixture, shards(), {[last]: fixtureFile(fixture, last).subarray(0, 4000)}));
      const r = await inPage('filesError');
      isMaError(r.error, 'E_SIZE_MISMATCH', 'truncated shard');
    });

    it('no modelTopology, or weight files without a weightsManifest: E_INVALID_MODEL_JSON', async () => {
      const modelJSON = JSON.parse(fixtureFile(fixture, 'model.json'));
      await pick(writeFiles({'model.json': JSON.stringify({...modelJSON, modelTopology: undefined}), 'group1-shard1of5.bin': Buffer.alloc(8)}));
      const noTopology = await inPage('filesError');
      isMaError(noTopology.error, 'E_INVALID_MODEL_JSON', 'no modelTopology');
      assert.ok(noTopology.error.message.includes('modelTopology'), noTopology.error.message);
      await pick(writeFiles({'model.json': JSON.stringify({...modelJSON, weightsManifest: undefined}), 'group1-shard1of5.bin': Buffer.alloc(8)}));
      const noManifest = await inPage('filesError');
      isMaError(noManifest.error, 'E_INVALID_MODEL_JSON', 'no weightsManifest');
    });

    it('zero files (an empty FileList, [], undefined): E_INVALID_ARGUMENT, thrown by browserFiles()', async () => {
      await pick([]);
      const r = await inPage('zeroFiles');
      assert.equal(r.picked, 0);
      for (const k of ['fileList', 'emptyArray', 'undef']) isMaError(r[k], 'E_INVALID_ARGUMENT', k);
    });
  });
});

describe('page health', () => {
  it('no page errors, console errors, failed requests or stray downloads', () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(failedRequests, []);
    assert.deepEqual(downloads.map(d => d.name), []);
  });
});
}));
