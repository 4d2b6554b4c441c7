// Call order in Node (tfjs drop-in: operations started without `await` run
// in the order they were called, per store): the cases of
// support/ordering-cases.mjs over indexeddb:// (fake-indexeddb),
// localstorage:// (an in-memory Storage on globalThis) and file:// (real
// temp folders), plus copies and moves across two stores.
import 'fake-indexeddb/auto';
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import * as ma from 'model-artifacts';
import {MemoryStorage, rejectsMa} from './support/common.mjs';
import {CASES} from './support/ordering-cases.mjs';
import {tempDir, removeTempDirs, fileUrl} from './support/fs-helpers.mjs';

globalThis.localStorage = new MemoryStorage();

let root;
before(() => { root = tempDir('ma-ordering-'); });
after(removeTempDirs);

const STORES = {
  indexeddb: () => ({base: 'indexeddb://ordering/', listRoot: undefined}),
  localstorage: () => ({base: 'localstorage://ordering/', listRoot: undefined}),
  file: () => ({base: `${fileUrl(root)}/`, listRoot: fileUrl(root)}),
};

for (const [store, where] of Object.entries(STORES)) {
  describe(`${store}:// runs operations in call order`, () => {
    for (const [name, run] of Object.entries(CASES)) {
      it(name, async () => {
        const {base, listRoot} = where();
        assert.deepEqual(await run(ma, base, listRoot), []);
      });
    }
  });
}

describe('across stores', () => {
  const model = {modelTopology: {x: 1}, weightSpecs: [{name: 'w', dtype: 'float32', shape: [1]}],
    weightData: new Float32Array([42]).buffer};

  it('copyModel indexeddb:// -> file://, not awaited, then listModels(file://) lists the copy', async () => {
    await ma.save(model, 'indexeddb://across/src');
    const dest = `${fileUrl(root)}/across-copy`;
    const copying = ma.copyModel('indexeddb://across/src', dest);
    assert.ok(dest in await ma.listModels(fileUrl(root)));
    await copying;
  });

  it('moveModel file:// -> localstorage://, not awaited, then listModels() lists the destination, not the source', async () => {
    const src = `${fileUrl(root)}/across-move`;
    await ma.save(model, src);
    const moving = ma.moveModel(src, 'localstorage://across/moved');
    const listed = await ma.listModels();
    assert.ok('localstorage://across/moved' in listed, Object.keys(listed).join());
    assert.ok(!(src in await ma.listModels(fileUrl(root))));
    await moving;
  });

  it('copyModel indexeddb:// -> localstorage://, not awaited, then a localStorage load waits for the copy', async () => {
    await ma.save(model, 'indexeddb://across/for-ls');
    const copying = ma.copyModel('indexeddb://across/for-ls', 'localstorage://across/from-idb');
    const loaded = await ma.browserLocalStorage('across/from-idb').load();
    assert.deepEqual(Array.from(new Float32Array(loaded.weightData)), [42]);
    await copying;
  });

  it('removeModel indexeddb:// then a copy onto it: the copy comes after the remove', async () => {
    await ma.save(model, 'localstorage://across/a');
    await ma.save(model, 'indexeddb://across/b');
    const removing = ma.removeModel('indexeddb://across/b');
    const copying = ma.copyModel('localstorage://across/a', 'indexeddb://across/b');
    await removing;
    await copying;
    assert.ok('indexeddb://across/b' in await ma.listModels());
  });
});

describe('an abort while waiting for a turn', () => {
  let server;
  let release;
  const held = new Promise(resolve => { release = resolve; });
  before(async () => {
    // Answers nothing until released, then 404: a copy from it holds its
    // destination's turn until then.
    server = http.createServer(async (req, res) => { await held; res.writeHead(404).end(); });
    await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
  });
  after(() => server.close());

  it('rejects with E_ABORTED at once, while the earlier operation still runs', {timeout: 20_000}, async () => {
    const source = `http://127.0.0.1:${server.address().port}/model.json`;
    let copySettled = false;
    const copying = ma.copyModel(source, 'indexeddb://waiting/x');
    copying.catch(() => {}).finally(() => { copySettled = true; });
    const controller = new AbortController();
    const loading = ma.load('indexeddb://waiting/x', {signal: controller.signal});
    controller.abort();
    await rejectsMa(() => loading, 'E_ABORTED');
    assert.equal(copySettled, false, 'the load did not wait for the copy');
    release();
    await rejectsMa(() => copying, 'E_HTTP_STATUS');
  });
});
