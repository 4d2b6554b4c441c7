// browserIndexedDB / indexeddb:// against real TensorFlow.js 4.22 in each
// real browser engine (support/engines.mjs: Chromium, Firefox ESR,
// WebKitGTK; one launch per engine, a fresh profile so IndexedDB starts
// empty). The package (import map)
// and tf.min.js (classic script, cpu backend) share one page and one
// IndexedDB: what tfjs saves we load byte for byte, what we save tfjs loads
// and predicts identically (a real graph fixture too), both listModels see
// each other's models, removeModel / copyModel / moveModel work across
// them, and a module worker does a round trip of its own. Page side:
// support/browser-indexeddb.mjs (+ -worker.mjs).
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {FIXTURES_DIR, REPO_ROOT, readExpected} from './support/common.mjs';
import {startStaticServer} from './support/static-server.mjs';
import {forEachEngine, openTestPage, callInPage} from './support/engines.mjs';

const TFJS = '/node_modules/@tensorflow/tfjs/dist/tf.min.js';

let server;

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

/** Calls `fn` of support/browser-indexeddb.mjs in the page. */
const inPage = (fn, ...args) => callInPage(page, '/tests/js/support/browser-indexeddb.mjs', fn, ...args);
const bytesOf = info => ({modelTopologyBytes: info.modelTopologyBytes, weightSpecsBytes: info.weightSpecsBytes,
  weightDataBytes: info.weightDataBytes});

before(async () => {
  ({browser, page} = await openTestPage(engine, server.url, {pageErrors, consoleErrors, failedRequests}, {server}));
  await page.addScriptTag({url: TFJS});
  state.setup = await page.evaluate(async () => {
    const m = await import('/tests/js/support/browser-indexeddb.mjs');
    return m.setup();
  });
});

after(() => browser?.close());

describe('IndexedDB shared with TensorFlow.js 4.22', () => {
  it('tfjs 4.22 on the cpu backend, IndexedDB present and empty', async () => {
    assert.deepEqual(state.setup, {backend: 'cpu', version: '4.22.0', hasIDB: 'object'});
    const r = await inPage('lists');
    assert.deepEqual(r, {tf: {}, ma: {}});
  });

  it('tfjs saves -> browserIndexedDB().load() and load() give the same weight bytes', async () => {
    const r = await inPage('tfjsSavesWeLoad');
    assert.deepEqual(r.problems, []);
    state.tfjsInfo = r.tfjsInfo;
    assert.equal(r.tfjsInfo.weightDataBytes, (4 * 5 + 5 + 5 * 3 + 3) * 4);
  });

  it('we save (shardArtifacts shards, odd splits, views, one buffer) -> tfjs.loadLayersModel predicts identically', async () => {
    const r = await inPage('weSaveTfjsLoads');
    state.ours = r;
    assert.deepEqual(r.problems, []);
    assert.ok(r.numShards > 1, `${r.numShards} shards`);
    // The info we return is what tfjs computes for the same artifacts.
    assert.deepEqual(bytesOf(r.saveInfo), bytesOf(r.tfjsInfoForSame));
    assert.equal(r.saveInfo.modelTopologyType, 'JSON');
    assert.ok(r.saveInfo.dateSaved instanceof Date, `dateSaved: ${r.saveInfo.dateSaved}`);
    // Stored as the shards, ArrayBuffer[], both records written.
    assert.equal(r.raw.hasModel, true);
    assert.equal(r.raw.hasInfo, true);
    assert.equal(r.raw.weightDataKind, '[object Array]');
    assert.deepEqual(r.raw.shardLengths, r.shardLengths);
    assert.ok(r.raw.shardKinds.every(k => k === '[object ArrayBuffer]'), r.raw.shardKinds.join());
    assert.deepEqual(bytesOf(r.raw.infoStoreInfo), bytesOf(r.saveInfo));
    assert.deepEqual(bytesOf(r.raw.modelStoreInfo), bytesOf(r.saveInfo));
    assert.deepEqual(r.rawOdd.shardLengths, r.oddLengths);
    // Views are stored as just their bytes; a plain ArrayBuffer as one shard.
    assert.deepEqual(r.rawViews.shardLengths, r.viewLengths);
    assert.ok(r.rawViews.shardKinds.every(k => k === '[object ArrayBuffer]'), r.rawViews.shardKinds.join());
    assert.equal(r.rawSingle.hasInfo, true);
    assert.ok(['[object ArrayBuffer]', '[object Array]'].includes(r.rawSingle.weightDataKind), r.rawSingle.weightDataKind);
  });

  // tfjs 4.22 reads equal shards followed by a larger last one wrongly (its
  // CompositeArrayBuffer divides by the first shard's size), silently
  // loading wrong weights; so the package stores such a last shard cut
  // (tfjs's own save joins them and loads exactly).
  it('hand splits with equal shards and a larger last one (64+108, 50+50+72): tfjs loads our save exactly', async () => {
    const r = await inPage('lastShardLarger');
    const field = k => Object.fromEntries(Object.entries(r).map(([label, v]) => [label, v[k]]));
    assert.deepEqual(field('tfjsOwn'), {'64+108': true, '50+50+72': true}, "tfjs's own IndexedDB save");
    // (fromMemory: the same shards given to tfjs directly, the cause.)
    assert.deepEqual(field('ours'), {'64+108': true, '50+50+72': true},
      `tfjs.loadLayersModel of our save gives exact weights; fromMemory exact: ${JSON.stringify(field('fromMemory'))}`);
  });

  it('a real graph model (human-selfie-f16): http load -> our save -> tf.loadGraphModel runs it', {timeout: 60_000}, async () => {
    const expected = readExpected('human-selfie-f16');
    const r = await inPage('graphFixture', `${server.url}/fixtures/human-selfie-f16/model.json`);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.inputShape, [1, 256, 256, 3]);
    assert.deepEqual(r.outShape, [1, 256, 256, 1]);
    assert.equal(r.finite, true);
    assert.deepEqual(bytesOf(r.saveInfo), {modelTopologyBytes: expected.artifactsInfo.modelTopologyBytes,
      weightSpecsBytes: expected.artifactsInfo.weightSpecsBytes, weightDataBytes: expected.artifactsInfo.weightDataBytes});
    assert.equal(r.raw.weightDataKind, '[object Array]');
    assert.equal(r.raw.shardLengths.reduce((a, b) => a + b, 0), expected.artifactsInfo.weightDataBytes);
  });

  it("tf.io.listModels() sees ours, ma.listModels() sees tfjs's", async () => {
    const r = await inPage('lists');
    assert.ok(r.tf['indexeddb://ours'], `tfjs keys: ${Object.keys(r.tf)}`);
    assert.deepEqual(bytesOf(r.tf['indexeddb://ours']), bytesOf(state.ours.saveInfo));
    assert.ok(r.ma['indexeddb://tfjs-saved'], `our keys: ${Object.keys(r.ma)}`);
    assert.deepEqual(bytesOf(r.ma['indexeddb://tfjs-saved']), bytesOf(state.tfjsInfo));
    assert.ok(r.ma['indexeddb://tfjs-saved'].dateSaved instanceof Date);
    assert.deepEqual(Object.keys(r.ma).sort(), Object.keys(r.tf).sort());
    assert.deepEqual(Object.keys(r.tf).sort(),
      ['indexeddb://ours', 'indexeddb://ours-odd', 'indexeddb://ours-single', 'indexeddb://ours-views',
        'indexeddb://selfie', 'indexeddb://tfjs-saved']);
  });

  it("removeModel('indexeddb://ours') removes both records; tfjs no longer lists or loads it", async () => {
    const r = await inPage('removeOurs');
    assert.deepEqual(bytesOf(r.removed), bytesOf(state.ours.saveInfo));
    assert.ok(!r.tfAfter.includes('indexeddb://ours'), r.tfAfter.join());
    assert.ok(!r.maAfter.includes('indexeddb://ours'), r.maAfter.join());
    assert.ok(r.tfAfter.includes('indexeddb://tfjs-saved'));
    assert.equal(r.raw.hasModel, false);
    assert.equal(r.raw.hasInfo, false);
    assert.equal(r.loadAfter?.code, 'E_NOT_FOUND');
    assert.ok(r.tfLoadAfter, 'tfjs load of the removed model rejects');
  });

  it('a missing path: load / removeModel / copyModel reject with E_NOT_FOUND; empty path E_INVALID_ARGUMENT', async () => {
    const r = await inPage('missing');
    for (const k of ['handler', 'router', 'remove', 'copy']) {
      assert.equal(r[k]?.name, 'ModelArtifactsError', `${k}: ${JSON.stringify(r[k])}`);
      assert.equal(r[k]?.code, 'E_NOT_FOUND', `${k}: ${JSON.stringify(r[k])}`);
    }
    assert.equal(r.neverCreated.hasModel, false);
    assert.equal(r.neverCreated.hasInfo, false);
    assert.equal(r.empty?.code, 'E_INVALID_ARGUMENT', JSON.stringify(r.empty));
  });

  it('copyModel and moveModel between indexeddb:// paths', async () => {
    const r = await inPage('copyAndMove');
    assert.deepEqual(r.problems, []);
    assert.deepEqual(bytesOf(r.copyInfo), bytesOf(state.tfjsInfo));
    assert.deepEqual(bytesOf(r.moveInfo), bytesOf(state.tfjsInfo));
    assert.ok(r.listAfterCopy.includes('indexeddb://copy') && r.listAfterCopy.includes('indexeddb://tfjs-saved'));
    assert.ok(r.listAfterMove.includes('indexeddb://moved'), r.listAfterMove.join());
    assert.ok(!r.listAfterMove.includes('indexeddb://copy'), r.listAfterMove.join());
    assert.equal(r.copyRaw.hasModel, false);
    assert.equal(r.copyRaw.hasInfo, false);
    // The move wrote the destination before deleting anything of the source.
    const firstDelete = r.log.findIndex(([op]) => op === 'delete');
    const lastPut = r.log.findLastIndex(([op, , key]) => op === 'put' && key === 'moved');
    assert.ok(lastPut >= 0 && firstDelete > lastPut, JSON.stringify(r.log));
    assert.ok(r.log.filter(([op]) => op === 'delete').every(([, , key]) => key === 'copy'), JSON.stringify(r.log));
    // A move whose destination save fails keeps the source.
    assert.ok(r.failedMove, 'the failed move rejects');
    assert.equal(r.srcAfterFailedMove.hasModel, true);
    assert.equal(r.srcAfterFailedMove.hasInfo, true);
    assert.equal(r.dstAfterFailedMove.hasModel, false);
    assert.equal(r.dstAfterFailedMove.hasInfo, false);
    assert.equal(r.srcStillLoads, true);
  });

  it('a dedicated module worker: save + load + list + remove; tfjs in the page loads what it saved', async () => {
    const r = await page.evaluate(async () => {
      const m = await import('/tests/js/support/browser-indexeddb.mjs');
      return m.workerRoundTrip();
    });
    assert.deepEqual(r.problems, []);
    assert.equal(r.scope, 'worker');
    assert.equal(r.hasIDB, 'object');
    assert.ok(r.listed, 'listed in the worker');
    assert.deepEqual(bytesOf(r.listed), bytesOf(r.saveInfo));
    assert.deepEqual(bytesOf(r.removed), bytesOf(r.saveInfo));
    assert.ok(!r.listedAfterRemove.includes('indexeddb://worker-model'), r.listedAfterRemove.join());
    assert.equal(r.loadAfterRemove?.code, 'E_NOT_FOUND', JSON.stringify(r.loadAfterRemove));
    assert.equal(r.kept, true);
    assert.equal(r.tfPredictsSame, true);
    assert.ok(r.tfList.includes('indexeddb://worker-kept'));
  });
});

describe('connections', () => {
  it('one connection per database, reused by every later operation; a delete of either database is never blocked', async () => {
    const r = await inPage('connections');
    assert.equal(r.opens, 0, 'loads, saves and a listing after the first ones open no database');
    assert.deepEqual(r.deleted, ['deleted', 'deleted'], 'the cached connections close for the delete');
    assert.equal(r.afterDelete.small?.code, 'E_NOT_FOUND');
    assert.equal(r.afterDelete.chunked?.code, 'E_NOT_FOUND');
    assert.deepEqual(r.again, [16, 16], 'saves after the delete open the databases again and load back');
    assert.deepEqual(r.listed, ['indexeddb://conn/chunked', 'indexeddb://conn/small']);
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
