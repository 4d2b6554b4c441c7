// One options parser for every handler (src/handlers/options.rs): the same
// typed error for the same bad option whichever handler or URL gets it, a
// `signal` honoured by IndexedDB, localStorage and file:// as by http, and
// `save(artifacts, url, options)` passing its options to the save routers.
import 'fake-indexeddb/auto';
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import * as ma from 'model-artifacts';
import {MemoryStorage, rejectsMa, throwsMa} from './support/common.mjs';
import {tempDir, removeTempDirs, fileUrl} from './support/fs-helpers.mjs';

globalThis.localStorage = new MemoryStorage();

let root;
before(() => { root = tempDir('ma-options-'); });
after(removeTempDirs);

const model = () => ({modelTopology: {x: 1}, weightSpecs: [{name: 'w', dtype: 'float32', shape: [2]}],
  weightData: new Float32Array([1, 2]).buffer});
const abortedSignal = () => { const c = new AbortController(); c.abort(new Error('stop')); return c.signal; };
const urls = () => ({
  indexeddb: 'indexeddb://options/m',
  localstorage: 'localstorage://options/m',
  file: `${fileUrl(root)}/m`,
  http: 'http://127.0.0.1:9/model.json',
});

describe('a bad option is the same typed error everywhere', () => {
  const BAD = [
    [{signal: 'stop'}, 'signal'],
    [{signal: {}}, 'signal'],
    [{onProgress: 5}, 'onProgress'],
    [{concurrency: 0}, 'concurrency'],
    [{retries: -1}, 'retries'],
    [{timeout: 1.5}, 'timeout'],
  ];
  for (const [options, name] of BAD) {
    it(`${JSON.stringify(options)}: E_INVALID_ARGUMENT naming ${name}, from every handler and router`, async () => {
      for (const [scheme, url] of Object.entries(urls())) {
        throwsMa(() => ma.getLoadHandlers(url, options), 'E_INVALID_ARGUMENT', [name]);
        await rejectsMa(() => ma.load(url, options), 'E_INVALID_ARGUMENT', [name]);
        if (scheme !== 'http') {
          throwsMa(() => ma.getSaveHandlers(url, options), 'E_INVALID_ARGUMENT', [name]);
          await rejectsMa(() => ma.save(model(), url, options), 'E_INVALID_ARGUMENT', [name]);
        }
      }
      throwsMa(() => ma.browserIndexedDB('options/m', options), 'E_INVALID_ARGUMENT', [name]);
      throwsMa(() => ma.browserLocalStorage('options/m', options), 'E_INVALID_ARGUMENT', [name]);
      throwsMa(() => ma.browserOPFS('options/m', options), 'E_INVALID_ARGUMENT', [name]);
      throwsMa(() => ma.fileSystem(`${root}/m`, options), 'E_INVALID_ARGUMENT', [name]);
      throwsMa(() => ma.http('http://127.0.0.1:9/model.json', options), 'E_INVALID_ARGUMENT', [name]);
      throwsMa(() => ma.browserFiles([new File(['{}'], 'model.json')], options), 'E_INVALID_ARGUMENT', [name]);
      throwsMa(() => ma.browserDownloads('m', options), 'E_INVALID_ARGUMENT', [name]);
    });
  }
});

describe('signal', () => {
  it('an aborted signal stops save and load with E_ABORTED in IndexedDB, localStorage and file://, and nothing is stored', async () => {
    for (const [scheme, url] of Object.entries(urls())) {
      if (scheme === 'http') continue;
      await rejectsMa(() => ma.save(model(), url, {signal: abortedSignal()}), 'E_ABORTED');
      await rejectsMa(() => ma.load(url), 'E_NOT_FOUND');
      await ma.save(model(), url);
      const err = await rejectsMa(() => ma.load(url, {signal: abortedSignal()}), 'E_ABORTED');
      assert.equal(err.cause?.message, 'stop', `${scheme}: the signal's reason is the cause`);
      await rejectsMa(() => ma.getSaveHandlers(url, {signal: abortedSignal()})[0].save(model()), 'E_ABORTED');
      await ma.removeModel(url);
    }
    assert.deepEqual(fs.readdirSync(root), []);
  });

  it('fileSystem(path, {signal}): a signal aborted during a load stops it between files', async () => {
    const dir = `${root}/sharded`;
    const big = {modelTopology: {x: 1}, weightSpecs: [{name: 'w', dtype: 'float32', shape: [4096]}],
      weightData: new Float32Array(4096).buffer};
    await ma.fileSystem(dir, {shardSizeBytes: 1024}).save(big);
    const controller = new AbortController();
    let calls = 0;
    const onProgress = () => { if (++calls === 2) controller.abort(); };
    await rejectsMa(() => ma.fileSystem(`${dir}/model.json`, {signal: controller.signal, onProgress}).load(),
      'E_ABORTED');
    await ma.removeModel(fileUrl(dir));
  });

  it('browserFiles and browserDownloads stop on an aborted signal', async () => {
    const json = JSON.stringify({modelTopology: {}, weightsManifest: [{paths: ['w.bin'],
      weights: [{name: 'w', dtype: 'float32', shape: [2]}]}]});
    const files = [new File([json], 'model.json'), new File([new Float32Array([1, 2])], 'w.bin')];
    assert.equal((await ma.browserFiles(files).load()).weightSpecs.length, 1);
    await rejectsMa(() => ma.browserFiles(files, {signal: abortedSignal()}).load(), 'E_ABORTED', ['model.json']);
    // Aborted while model.json is read: the weight file is not read.
    const controller = new AbortController();
    let weightReads = 0;
    const jsonFile = {name: 'model.json', size: json.length, text: async () => { controller.abort(); return json; }};
    const weightFile = {name: 'w.bin', size: 8, arrayBuffer: async () => { weightReads++; return new ArrayBuffer(8); }};
    await rejectsMa(() => ma.browserFiles([jsonFile, weightFile], {signal: controller.signal}).load(), 'E_ABORTED',
      ['w.bin']);
    assert.equal(weightReads, 0);
    await rejectsMa(() => ma.browserDownloads('m', {signal: abortedSignal()}).save(model()), 'E_ABORTED');
  });

  it('the http handler keeps its abort error', async () => {
    await rejectsMa(() => ma.http('http://127.0.0.1:9/model.json', {signal: abortedSignal()}).load(),
      'E_ABORTED', ['aborted']);
  });
});

describe('save(artifacts, url, options)', () => {
  it('passes its options to the save routers (onProgress of a file:// save)', async () => {
    const seen = [];
    await ma.save(model(), `${fileUrl(root)}/progress`, {onProgress: f => seen.push(f)});
    assert.equal(seen.at(-1), 1);
    await ma.removeModel(`${fileUrl(root)}/progress`);
  });

  it('a user save router receives the options', async () => {
    let got;
    ma.registerSaveRouter((url, options) => {
      if (url !== 'mine://x') return null;
      got = options;
      return ma.withSaveHandler(async () => ({modelArtifactsInfo: {}}));
    });
    const options = {custom: 1};
    await ma.save(model(), 'mine://x', options);
    assert.equal(got, options);
  });
});
