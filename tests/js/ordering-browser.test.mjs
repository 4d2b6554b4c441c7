// Call order in each real browser engine (support/engines.mjs: Chromium,
// Firefox ESR, WebKitGTK): the cases of support/ordering-cases.mjs over the
// page's real IndexedDB and localStorage, and across the two. Operations
// started without `await` must run in call order per store, as TensorFlow.js
// users expect (a removeModel not awaited, then listModels, must not list it).
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {REPO_ROOT} from './support/common.mjs';
import {startStaticServer} from './support/static-server.mjs';
import {forEachEngine, openTestPage, callInPage} from './support/engines.mjs';
import {CASES} from './support/ordering-cases.mjs';

const CASES_MODULE = '/tests/js/support/ordering-cases.mjs';

let server;
before(async () => { server = await startStaticServer({'/': REPO_ROOT}); });
after(() => server?.close());

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

for (const base of ['indexeddb://ordering/', 'localstorage://ordering/']) {
  describe(`${base} runs operations in call order`, () => {
    for (const name of Object.keys(CASES)) {
      it(name, async () => {
        assert.deepEqual(await callInPage(page, CASES_MODULE, 'runCase', name, base), []);
      });
    }
  });
}

it('across stores: copyModel indexeddb:// -> localstorage:// and moveModel back, not awaited, then listModels', async () => {
  const r = await page.evaluate(async () => {
    const ma = await import('model-artifacts');
    const model = {modelTopology: {x: 1}, weightSpecs: [{name: 'w', dtype: 'float32', shape: [1]}],
      weightData: new Float32Array([42]).buffer};
    await ma.save(model, 'indexeddb://across/src');
    const steps = [ma.copyModel('indexeddb://across/src', 'localstorage://across/copy'),
      ma.moveModel('localstorage://across/copy', 'indexeddb://across/moved')];
    const listed = Object.keys(await ma.listModels()).filter(k => k.includes('across')).sort();
    await Promise.all(steps);
    return listed;
  });
  assert.deepEqual(r, ['indexeddb://across/moved', 'indexeddb://across/src']);
});

it('no page errors', () => {
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(consoleErrors, []);
  assert.deepEqual(failedRequests, []);
});
}));
