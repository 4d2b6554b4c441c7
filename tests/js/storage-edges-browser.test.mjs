// Browser storage edge cases in each real browser engine (support/engines.mjs): saves that fail
// part-way must leave the previous model as it was, and odd inputs must
// reject with a typed error instead of storing something unloadable or
// never settling. (Found by review; each case once misbehaved.)
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {REPO_ROOT} from './support/common.mjs';
import {startStaticServer} from './support/static-server.mjs';
import {forEachEngine, openTestPage} from './support/engines.mjs';

let server;

before(async () => {
  server = await startStaticServer({'/': REPO_ROOT});
});

after(() => server?.close());

// One block per engine (its body is not indented, to keep the diff small).
forEachEngine(engine => describe(engine, () => {
let browser;
let page;
const pageErrors = [];
const consoleErrors = [];
const failedRequests = [];

/** Runs `fn(ma, helpers, ...args)` in the page. */
function inPage(fn, ...args) {
  return page.evaluate(async ([source, args]) => {
    const ma = await import('model-artifacts');
    const h = await import('/tests/js/support/page-helpers.mjs');
    h.usePackage(ma);
    const model = (seed, bytes, extra = {}) => {
      const data = new Uint8Array(bytes).map((_, i) => (i * 31 + seed) & 255);
      return {modelTopology: {seed}, format: 'graph-model', weightData: data.buffer,
        weightSpecs: [{name: 'w', dtype: 'int32', shape: [bytes / 4]}], ...extra};
    };
    const helpers = {...h, model};
    return new Function('return ' + source)()(ma, helpers, ...args);
  }, [fn.toString(), args]);
}

before(async () => {
  ({browser, page} = await openTestPage(engine, server.url, {pageErrors, consoleErrors, failedRequests}, {server}));
});

after(() => browser?.close());

describe('browser storage edge cases', () => {
  it('IndexedDB: artifacts that cannot be cloned reject E_INVALID_ARGUMENT and the previous model (either layout) still loads', async () => {
    const r = await inPage(async (ma, h) => {
      const out = {};
      for (const [path, options] of [['edge/chunked', {chunkThreshold: 1024, chunkSize: 4096}], ['edge/plain', {}]]) {
        const first = h.model(1, 16384);
        await ma.browserIndexedDB(path, options).save(first);
        const bad = h.model(2, 64, {userDefinedMetadata: {f() {}}});
        out[path] = {
          error: await h.rejection(ma.browserIndexedDB(path).save(bad)),
          same: h.sameBytes((await ma.load(`indexeddb://${path}`)).weightData, first.weightData),
          listedBytes: (await ma.listModels())[`indexeddb://${path}`]?.weightDataBytes,
        };
        await ma.removeModel(`indexeddb://${path}`);
      }
      return out;
    });
    for (const [path, o] of Object.entries(r)) {
      assert.equal(o.error?.code, 'E_INVALID_ARGUMENT', `${path}: ${JSON.stringify(o.error)}`);
      assert.equal(o.error.causeName, 'DataCloneError', path);
      assert.equal(o.same, true, `${path}: the previous model loads`);
      assert.equal(o.listedBytes, 16384, `${path}: the listed info is the previous model's`);
    }
  });

  it('localStorage: metadata JSON cannot represent rejects E_INVALID_ARGUMENT before anything is written', async () => {
    const r = await inPage(async (ma, h) => {
      const first = h.model(3, 256);
      await ma.save(first, 'localstorage://edge/json');
      const keys = () => Object.keys(localStorage).filter(k => k.startsWith('tensorflowjs_models/edge/json/')).sort()
        .map(k => [k, localStorage.getItem(k)]);
      const before = JSON.stringify(keys());
      const errors = [
        await h.rejection(ma.save(h.model(4, 256, {userDefinedMetadata: {n: 1n}}), 'localstorage://edge/json')),
        await h.rejection(ma.save({...h.model(5, 256), modelTopology: undefined}, 'localstorage://edge/json')),
      ];
      const unchanged = JSON.stringify(keys()) === before;
      const same = h.sameBytes((await ma.load('localstorage://edge/json')).weightData, first.weightData);
      await ma.removeModel('localstorage://edge/json');
      return {errors, unchanged, same};
    });
    assert.deepEqual(r.errors.map(e => e?.code), ['E_INVALID_ARGUMENT', 'E_INVALID_ARGUMENT'], JSON.stringify(r.errors));
    assert.equal(r.unchanged, true);
    assert.equal(r.same, true);
  });

  it('localStorage: weights past the longest string reject E_QUOTA_EXCEEDED (a promise, not a synchronous throw)', async () => {
    const r = await inPage(async (ma, h) => {
      const huge = {...h.model(6, 4), weightData: new ArrayBuffer(400 << 20)};
      let sync = null;
      let promise;
      try { promise = ma.browserLocalStorage('edge/huge').save(huge); } catch (e) { sync = h.errorInfo(e); }
      return {sync, error: sync ? null : await h.rejection(promise), stored: localStorage.getItem('tensorflowjs_models/edge/huge/info')};
    });
    assert.equal(r.sync, null, `threw synchronously: ${JSON.stringify(r.sync)}`);
    assert.equal(r.error?.code, 'E_QUOTA_EXCEEDED', JSON.stringify(r.error));
    assert.ok(r.error.needed > 400 * (1 << 20));
    assert.equal(r.stored, null);
  });

  it('a detached ArrayBuffer (transferred away) is E_INVALID_ARGUMENT everywhere, and every promise settles', async () => {
    const r = await inPage(async (ma, h) => {
      const detached = () => {
        const b = new ArrayBuffer(64);
        structuredClone(b, {transfer: [b]});
        return b;
      };
      const specs = [{name: 'w', dtype: 'int32', shape: [16]}];
      const withDetached = {...h.model(7, 64), weightData: [new ArrayBuffer(8), detached()]};
      return {
        isDetached: detached().detached,
        decode: h.thrown(() => ma.decodeWeights(detached(), specs)),
        idb: await h.rejection(ma.browserIndexedDB('edge/detached').save(withDetached), 5000),
        ls: await h.rejection(ma.browserLocalStorage('edge/detached').save(withDetached), 5000),
        listed: Object.keys(await ma.listModels()).filter(k => k.includes('edge/detached')),
      };
    });
    assert.equal(r.isDetached, true);
    for (const k of ['decode', 'idb', 'ls']) {
      assert.equal(r[k]?.code, 'E_INVALID_ARGUMENT', `${k}: ${JSON.stringify(r[k])}`);
      assert.equal(r[k].isMa, true, k);
    }
    assert.deepEqual(r.listed, []);
  });

  it('moveModel of a model without weights from IndexedDB to localStorage moves it', async () => {
    const r = await inPage(async (ma, h) => {
      await ma.save({modelTopology: {kind: 'no weights'}, format: 'layers-model'}, 'indexeddb://edge/noweights');
      const moved = await h.rejection(ma.moveModel('indexeddb://edge/noweights', 'localstorage://edge/noweights'));
      const listed = Object.keys(await ma.listModels()).filter(k => k.endsWith('edge/noweights')).sort();
      const loaded = await ma.load('localstorage://edge/noweights');
      await ma.removeModel('localstorage://edge/noweights');
      return {moved, listed, topology: loaded.modelTopology};
    });
    assert.equal(r.moved, null, JSON.stringify(r.moved));
    assert.deepEqual(r.listed, ['localstorage://edge/noweights']);
    assert.deepEqual(r.topology, {kind: 'no weights'});
  });

  it('no page errors, console errors or failed requests', () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(failedRequests, []);
  });
});
}));
