// browserLocalStorage / localstorage:// against real TensorFlow.js 4.22 in
// each real browser engine (support/engines.mjs: Chromium, Firefox ESR,
// WebKitGTK; one launch per engine, a fresh profile so localStorage starts
// empty). The package (import map)
// and tf.min.js (cpu backend) share one page and one localStorage: what
// tfjs saves we load as tfjs's own handler does, what we save (from shards
// and views) tfjs loads and predicts identically, and the five keys hold the
// very strings tfjs writes for the same artifacts (base64 included). A save
// beyond the real quota (~10 MiB) rejects with E_QUOTA_EXCEEDED and leaves
// localStorage exactly as it was; corrupted keys are typed errors; copy and
// move work across localstorage://, indexeddb:// and http://, a move
// removing its source only after the destination is written and not at all
// when that save fails. Page side: support/browser-localstorage.mjs.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {FIXTURES_DIR, REPO_ROOT, readExpected} from './support/common.mjs';
import {startStaticServer} from './support/static-server.mjs';
import {forEachEngine, openTestPage, callInPage} from './support/engines.mjs';

const TFJS = '/node_modules/@tensorflow/tfjs/dist/tf.min.js';
const PARTS = ['info', 'model_topology', 'weight_specs', 'weight_data', 'model_metadata'];
const MiB = 1 << 20;

let server;
const bytesOf = info => ({modelTopologyBytes: info.modelTopologyBytes, weightSpecsBytes: info.weightSpecsBytes,
  weightDataBytes: info.weightDataBytes});
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** A page-side error summary is a ModelArtifactsError with `code`. */
function isMaError(e, code, label = '') {
  assert.ok(e, `${label}: expected an error with code ${code}, got none`);
  assert.equal(e.name, 'ModelArtifactsError', `${label}: ${JSON.stringify(e)}`);
  assert.equal(e.isMa, true, `${label}: instanceof ma.ModelArtifactsError (${JSON.stringify(e)})`);
  assert.equal(e.isError, true, `${label}: instanceof Error`);
  assert.equal(e.code, code, `${label}: ${JSON.stringify(e)}`);
}

before(async () => {
  server = await startStaticServer({'/fixtures/': FIXTURES_DIR, '/': REPO_ROOT});
});

after(() => server?.close());

// One block per engine (its body is not indented, to keep the diff small).
forEachEngine(engine => describe(engine, () => {
let browser;
let page;
const pageErrors = [];
const consoleErrors = [];
const failedRequests = [];
const state = {};

/** Calls `fn` of support/browser-localstorage.mjs in the page. */
const inPage = (fn, ...args) => callInPage(page, '/tests/js/support/browser-localstorage.mjs', fn, ...args);

before(async () => {
  ({browser, page} = await openTestPage(engine, server.url, {pageErrors, consoleErrors, failedRequests}, {server}));
  await page.addScriptTag({url: TFJS});
  state.setup = await page.evaluate(async () => {
    const m = await import('/tests/js/support/browser-localstorage.mjs');
    return m.setup();
  });
});

after(() => browser?.close());

describe('localStorage shared with TensorFlow.js 4.22', () => {
  it('tfjs 4.22 on the cpu backend, localStorage present and empty', () => {
    const {hasToBase64, ...rest} = state.setup; // (which base64 path the package takes here)
    assert.deepEqual(rest, {backend: 'cpu', version: '4.22.0', hasLS: 'object', lsLength: 0});
    assert.ok(['function', 'undefined'].includes(hasToBase64));
  });

  it("tfjs model.save('localstorage://a') -> load()/browserLocalStorage('a').load() equal tfjs's own load", async () => {
    const r = await inPage('tfjsSavesWeLoad');
    state.a = r;
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.keys, [...PARTS].sort());
    assert.equal(r.weightDataBytes, (6 * 8 + 8 + 8 * 3 + 3) * 4);
    assert.equal(r.tfjsInfo.weightDataBytes, r.weightDataBytes);
  });

  it('we save (ArrayBuffer + offset view + ArrayBuffer) -> tfjs loads and predicts identically; keys hold what tfjs writes', async () => {
    const r = await inPage('weSaveTfjsLoads');
    state.b = r;
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.partLengths, [50, 30, r.weightBytes.length - 80]);
    assert.deepEqual(r.keys, [...PARTS].sort(), 'the five keys with tfjs\'s names');
    assert.deepEqual(bytesOf(r.saveInfo), bytesOf(r.tfjsInfoForSame));
    assert.equal(r.saveInfo.modelTopologyType, 'JSON');
    assert.ok(r.saveInfo.dateSaved instanceof Date, `dateSaved: ${r.saveInfo.dateSaved}`);
    for (const raw of [r.raw, r.rawRouter]) {
      for (const part of ['model_topology', 'weight_specs', 'weight_data', 'model_metadata']) {
        assert.equal(raw[part], r.rawTfjs[part], `${part}: ours vs tfjs's for the same artifacts`);
      }
      // info: the same JSON (key order too) but for the time of the save.
      const info = JSON.parse(raw.info), theirs = JSON.parse(r.rawTfjs.info);
      assert.match(info.dateSaved, ISO);
      assert.deepEqual(Object.keys(info), Object.keys(theirs));
      assert.deepEqual({...info, dateSaved: 0}, {...theirs, dateSaved: 0});
    }
    // Base64 of the joined bytes, standard alphabet, '=' padded (332 bytes).
    assert.equal(r.raw.weight_data, Buffer.from(r.weightBytes).toString('base64'));
    assert.ok(r.raw.weight_data.endsWith('=') && !r.raw.weight_data.endsWith('=='), r.raw.weight_data.slice(-4));
    const metadata = JSON.parse(r.raw.model_metadata);
    assert.equal(metadata.format, 'layers-model');
    assert.equal(metadata.convertedBy, null);
    assert.equal(metadata.trainingConfig?.loss, 'mean_squared_error', 'trainingConfig kept');
    assert.deepEqual(metadata.userDefinedMetadata, {test: 'localstorage', seed: 2});
  });

  it('base64 of ~300 KB (no padding, ==, =) is the string tfjs writes, and loads back both ways', async () => {
    const r = await inPage('base64Matches');
    assert.deepEqual(Object.keys(r).sort(), ['300000', '300004', '300008']);
    for (const [n, v] of Object.entries(r)) {
      assert.equal(v.same, true, `${n} bytes: ours vs tfjs's weight_data`);
      assert.equal(v.length, 4 * Math.ceil(n / 3), `${n} bytes: base64 length`);
      assert.equal(v.loadsBack, true, `${n}: our load`);
      assert.equal(v.tfjsLoadsOurs, true, `${n}: tfjs's load of ours`);
    }
    assert.ok(!r['300000'].tail.endsWith('='), r['300000'].tail);
    assert.ok(r['300004'].tail.endsWith('=='), r['300004'].tail);
    assert.ok(r['300008'].tail.endsWith('=') && !r['300008'].tail.endsWith('=='), r['300008'].tail);
  });

  it("paths with '/' both ways; a model without weights stores weight_data '' and weight_specs '[]'", async () => {
    const r = await inPage('nestedAndNoWeights');
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.tfList, ['localstorage://dir/sub/ours', 'localstorage://dir/sub/tfjs']);
    assert.deepEqual(r.maList, r.tfList);
    assert.deepEqual(r.nestedKeys, [...PARTS].sort());
    assert.equal(r.bareRaw.weight_data, '');
    assert.equal(r.bareRaw.weight_specs, '[]');
    assert.equal(r.bareInfo.weightDataBytes, 0);
    assert.deepEqual(r.bareLoaded, {weightDataBytes: 0, weightSpecs: []});
    assert.deepEqual(r.bareTfjs, {weightDataBytes: 0});
  });

  it("tf.io.listModels() sees ours, ma.listModels() sees tfjs's (localstorage:// keys, dateSaved as stored)", async () => {
    const r = await inPage('lists');
    const want = ['localstorage://a', 'localstorage://b', 'localstorage://b-router', 'localstorage://b-tfjs'];
    assert.deepEqual(Object.keys(r.tf).sort(), want);
    assert.deepEqual(Object.keys(r.ma).sort(), want);
    assert.deepEqual(bytesOf(r.tf['localstorage://b']), bytesOf(state.b.saveInfo));
    assert.deepEqual(bytesOf(r.ma['localstorage://a']), bytesOf(state.a.tfjsInfo));
    const d = r.ma['localstorage://a'].dateSaved;
    assert.equal(typeof d, 'string', `dateSaved ${d}`);
    assert.equal(new Date(d).getTime(), state.a.tfjsInfo.dateSaved.getTime());
    assert.equal(r.ma['localstorage://b'].dateSaved, JSON.parse(state.b.raw.info).dateSaved);
    assert.equal(r.ma['localstorage://b'].modelTopologyType, 'JSON');
  });

  it('removeModel both ways: ours removes what tfjs saved, tfjs removes what we saved', async () => {
    const r = await inPage('removeBothWays');
    assert.deepEqual(bytesOf(r.removedByUs), bytesOf(state.a.tfjsInfo));
    assert.deepEqual(bytesOf(r.removedByTfjs), bytesOf(state.b.routerInfo));
    assert.deepEqual(r.keysA, []);
    assert.deepEqual(r.keysRouter, []);
    for (const list of [r.tfList, r.maList]) {
      assert.deepEqual(list.sort(), ['localstorage://b', 'localstorage://b-tfjs']);
    }
    isMaError(r.loadA, 'E_NOT_FOUND', 'load after remove');
    isMaError(r.removeAgain, 'E_NOT_FOUND', 'remove again');
    assert.ok(r.tfLoadA, 'tfjs load of the removed model rejects');
  });
});

describe('localStorage quota (the engine\'s real limit)', () => {
  it('a 12 MiB save over a small model rejects E_QUOTA_EXCEEDED and keeps every key as it was; a new path gets no keys', async () => {
    const r = await inPage('quotaKeepsOld');
    assert.deepEqual(r.problems, []);
    isMaError(r.error, 'E_QUOTA_EXCEEDED', 'save over q');
    assert.equal(typeof r.error.needed, 'number');
    assert.ok(r.error.needed > 12 * MiB, `needed ${r.error.needed}`);
    // UTF-16 bytes of the five keys and values (the base64 dominates).
    assert.ok(r.exactNeeded > 2 * r.base64Length && r.exactNeeded < 2 * r.base64Length + 4096, `${r.exactNeeded}`);
    assert.equal(r.error.needed, r.exactNeeded, 'needed = UTF-16 bytes of the keys and values');
    assert.equal(r.error.causeName, 'QuotaExceededError');
    assert.ok(r.error.message.includes("'q'"), r.error.message);
    assert.deepEqual(r.rawAfter, r.rawBefore);
    for (const part of PARTS) assert.equal(typeof r.rawBefore[part], 'string', `q/${part} stored before`);
    isMaError(r.errorNew, 'E_QUOTA_EXCEEDED', 'save to q-new');
    assert.ok(r.errorNew.needed > 12 * MiB, `needed ${r.errorNew.needed}`);
    assert.deepEqual(r.keysNew, []);
    isMaError(r.loadNew, 'E_NOT_FOUND', 'load q-new');
    assert.equal(r.listedNew, false);
  });

  it('needed counts UTF-16 code units also for a non-ASCII path and metadata', async () => {
    const r = await inPage('quotaNeededNonAscii');
    isMaError(r.error, 'E_QUOTA_EXCEEDED', 'non-ASCII save');
    assert.equal(r.unchanged, true);
    assert.deepEqual(r.keys, []);
    assert.equal(r.error.needed, r.exactNeeded,
      `needed ${r.error.needed}, UTF-16 bytes ${r.exactNeeded} (off by ${r.error.needed - r.exactNeeded})`);
  });
});

describe('localStorage errors are typed', () => {
  it('missing, corrupted, inconsistent, binary and empty-path cases', async () => {
    const r = await inPage('errors');
    const want = {
      missingRouter: 'E_NOT_FOUND', missingHandler: 'E_NOT_FOUND', missingRemove: 'E_NOT_FOUND', missingCopy: 'E_NOT_FOUND',
      badBase64: 'E_STORAGE', shortBase64: 'E_SIZE_MISMATCH', infoBytes: 'E_SIZE_MISMATCH',
      binaryInfo: 'E_BINARY_TOPOLOGY', noWeightData: 'E_STORAGE', noTopology: 'E_STORAGE', noSpecs: 'E_STORAGE',
      badTopologyJson: 'E_INVALID_JSON', badInfoJson: 'E_INVALID_JSON',
      binarySave: 'E_BINARY_TOPOLOGY', binarySaveRouter: 'E_BINARY_TOPOLOGY',
      emptyPath: 'E_INVALID_ARGUMENT', schemeOnly: 'E_INVALID_ARGUMENT', nullPath: 'E_INVALID_ARGUMENT',
    };
    for (const [k, code] of Object.entries(want)) isMaError(r[k], code, k);
    assert.equal(r.badBase64.causeName, 'SyntaxError', JSON.stringify(r.badBase64));
    assert.ok(r.missingHandler.message.includes('nope'), r.missingHandler.message);
    assert.ok(r.infoBytes.message.includes('infobytes'), r.infoBytes.message);
    assert.deepEqual(r.nope2Keys, []);
    assert.equal(r.binaryLeftNothing, true);
    assert.deepEqual(r.leftover, []);
  });
});

describe('copyModel / moveModel / listModels across localstorage, indexeddb and http', () => {
  it('copy ls->idb, idb->ls, http fixture->ls; move ls->idb removes the source last; a failed move keeps its source', {timeout: 120_000}, async () => {
    const fixture = 'synth-layers-f32-sharded';
    const expected = readExpected(fixture);
    const modelJSON = JSON.parse(fs.readFileSync(path.join(FIXTURES_DIR, fixture, 'model.json'), 'utf8'));
    const r = await inPage('management', `${server.url}/fixtures/${fixture}/model.json`);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(bytesOf(r.lsToIdb), bytesOf(state.b.saveInfo));
    assert.deepEqual(bytesOf(r.idbToLs), bytesOf(state.b.saveInfo));
    // http -> localstorage: the fixture's bytes, exactly.
    assert.equal(r.fixtureLoadedSha, expected.weightData.sha256);
    assert.deepEqual(bytesOf(r.httpToLs), bytesOf(expected.artifactsInfo));
    assert.deepEqual(JSON.parse(r.fixtureRawSpecs), modelJSON.weightsManifest.flatMap(g => g.weights));

    // The move: puts into IndexedDB, then the five removals of the source.
    assert.deepEqual(bytesOf(r.moveInfo), bytesOf(state.b.saveInfo));
    assert.deepEqual(r.movedSourceKeys, []);
    const removes = r.log.filter(([op]) => op === 'remove');
    assert.deepEqual(removes.map(([, k]) => k).sort(), PARTS.map(p => `tensorflowjs_models/to-move/${p}`).sort(),
      JSON.stringify(r.log));
    assert.ok(!r.log.some(([op]) => op === 'set'), JSON.stringify(r.log));
    const firstRemove = r.log.findIndex(([op]) => op === 'remove');
    const lastPut = r.log.findLastIndex(([op, , p]) => op === 'put' && p === 'moved');
    assert.ok(lastPut >= 0 && firstRemove > lastPut, JSON.stringify(r.log));

    assert.deepEqual(bytesOf(r.lsToLs), bytesOf(state.b.saveInfo));
    isMaError(r.samePath, 'E_SAME_MODEL', 'copy onto itself');
    isMaError(r.samePathMove, 'E_SAME_MODEL', 'move onto itself');

    // indexeddb -> localstorage of 12 MiB: quota, the source kept whole,
    // to a new path and over an existing model (q) alike.
    isMaError(r.failedMove, 'E_QUOTA_EXCEEDED', 'move too large for localStorage');
    isMaError(r.failedMoveOver, 'E_QUOTA_EXCEEDED', 'move too large for localStorage, over q');
    assert.ok(r.failedMove.needed > 12 * MiB, `needed ${r.failedMove.needed}`);
    assert.equal(r.bigIntact, true);
    assert.equal(r.lsUnchanged, true);
    assert.deepEqual(r.bigDestKeys, []);
    assert.ok(r.listAfterFailed.includes('indexeddb://big'), r.listAfterFailed.join());
    assert.ok(!r.listAfterFailed.includes('localstorage://big'), r.listAfterFailed.join());

    // listModels() without a root: both stores, the same as tfjs lists.
    const all = ['indexeddb://from-ls', 'indexeddb://moved', 'localstorage://b', 'localstorage://b-tfjs',
      'localstorage://back2', 'localstorage://fixture', 'localstorage://q'];
    assert.deepEqual(Object.keys(r.maList).sort(), all);
    assert.deepEqual(Object.keys(r.tfList).sort(), all);
    for (const k of all) assert.deepEqual(bytesOf(r.maList[k]), bytesOf(r.tfList[k]), k);
    assert.equal(typeof r.maList['localstorage://b'].dateSaved, 'string');
    assert.ok(r.maList['indexeddb://moved'].dateSaved instanceof Date);
  });
});

describe('page health', () => {
  it('no page errors, console errors or failed requests', () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(failedRequests, []);
  });
});
}));
