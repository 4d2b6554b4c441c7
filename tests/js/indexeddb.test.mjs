// indexeddb:// in Node over fake-indexeddb: the package keeps one connection
// per database (src/glue.js), and must follow `globalThis.indexedDB` when a
// test suite swaps in a fresh factory between cases (the usual way to reset
// fake-indexeddb), instead of reading the old one through its cached
// connection. The browsers' side is tests/js/indexeddb-browser.test.mjs.
import 'fake-indexeddb/auto';
import {IDBFactory} from 'fake-indexeddb';
import {describe, it} from 'node:test';
import assert from 'node:assert/strict';
import * as ma from 'model-artifacts';
import {rejectsMa} from './support/common.mjs';

const model = (v, chunked) => [{modelTopology: {v}, weightSpecs: [{name: 'w', dtype: 'float32', shape: [2]}],
  weightData: new Float32Array([v, v]).buffer}, chunked ? {chunkThreshold: 0, chunkSize: 4} : {}];
const valueOf = artifacts => new Float32Array([artifacts.weightData].flat()[0])[0];

describe('a new globalThis.indexedDB is the one used', () => {
  for (const chunked of [false, true]) {
    it(`${chunked ? 'chunked' : 'tfjs'} layout: after a swap to a fresh factory the old models are gone; swapping back finds them`, async () => {
      const first = globalThis.indexedDB;
      const [artifacts, options] = model(1, chunked);
      await ma.browserIndexedDB('swap/m', options).save(artifacts);
      assert.equal(valueOf(await ma.browserIndexedDB('swap/m').load()), 1);

      globalThis.indexedDB = new IDBFactory();
      try {
        await rejectsMa(() => ma.browserIndexedDB('swap/m').load(), 'E_NOT_FOUND');
        assert.deepEqual(await ma.listModels(), {});
        const [other, otherOptions] = model(2, chunked);
        await ma.browserIndexedDB('swap/m', otherOptions).save(other);
        assert.equal(valueOf(await ma.browserIndexedDB('swap/m').load()), 2);
      } finally {
        globalThis.indexedDB = first;
      }
      assert.equal(valueOf(await ma.browserIndexedDB('swap/m').load()), 1);
      await ma.removeModel('indexeddb://swap/m');
    });
  }
});
