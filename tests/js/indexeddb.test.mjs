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

describe('a chunked model loads through the shared shard path', () => {
  // 4 float32 values in chunks of 4 bytes, read 8 bytes per transaction:
  // two batches ("files") of two chunks.
  const values = new Float32Array([1, 2, 3, 4]);
  const artifacts = {modelTopology: {}, weightSpecs: [{name: 'w', dtype: 'float32', shape: [4]}],
    weightData: values.buffer.slice(0)};
  const options = {chunkThreshold: 0, chunkSize: 8};

  it('onProgress rises to exactly 1 with the bytes read, for load and for a weight stream', async () => {
    await ma.browserIndexedDB('chunks/progress', options).save(artifacts);
    for (const streamWeights of [false, true]) {
      const seen = [];
      const onProgress = (f, d) => seen.push([f, d?.loadedBytes]);
      const loaded = await ma.browserIndexedDB('chunks/progress', {...options, onProgress, streamWeights}).load();
      const bytes = streamWeights
        ? new Uint8Array(await new Response(loaded.getWeightStream()).arrayBuffer())
        : new Uint8Array(await new Blob([loaded.weightData].flat()).arrayBuffer());
      assert.deepEqual(new Float32Array(bytes.buffer), values);
      assert.ok(seen.length >= 2, JSON.stringify(seen));
      assert.deepEqual(seen.at(-1), [1, 16]);
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i][0] >= seen[i - 1][0], JSON.stringify(seen));
    }
    await ma.removeModel('indexeddb://chunks/progress');
  });

  it('an abort once the first batch is read stops the load: E_ABORTED', async () => {
    await ma.browserIndexedDB('chunks/abort', options).save(artifacts);
    const controller = new AbortController();
    const onProgress = (f, d) => { if (d?.loadedBytes === 8) controller.abort(); };
    await rejectsMa(() => ma.browserIndexedDB('chunks/abort', {...options, onProgress, signal: controller.signal})
      .load(), 'E_ABORTED');
    await ma.removeModel('indexeddb://chunks/abort');
  });
});
