// Saves to file:// of weights that exist only as getWeightStream(): every
// fixture loaded with streamWeights saves to the same files, byte for byte,
// as the same model saved from memory (shards, shardSizeBytes, hashes,
// singleWeightsFile); string weights (a stream of unknown length); streams
// that end short, run on, never end or fail leave the folder before
// untouched and nothing beside it; copyModel / moveModel between folders.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as ma from 'model-artifacts';
import {LARGE_FIXTURE, fixtureNames, joinBytes, rejectsMa} from './support/common.mjs';
import {streamOnly} from './support/page-helpers.mjs';
import {tempDir, removeTempDirs, fileUrl, modelFileOf, copyFixtureModel, leftovers, snapshot} from './support/fs-helpers.mjs';

const MiB = 1 << 20;
let root;
before(() => { root = tempDir('ma-fs-streamed-'); });
after(removeTempDirs);

let n = 0;
const fresh = () => path.join(root, `m${++n}`);


/** Random bytes, like real weights. */
function randomBytes(count, seed) {
  const out = new Uint8Array(count);
  let x = seed * 2654435761 >>> 0;
  for (let i = 0; i < count; i++) { x ^= x << 13; x ^= x >>> 17; x ^= x << 5; out[i] = x & 0xff; }
  return out;
}

function floatModel(bytes, seed) {
  return {
    modelTopology: {node: [{name: 'w', op: 'Const'}], seed},
    format: 'graph-model', generatedBy: 'fs-streamed.test.mjs', convertedBy: null,
    weightSpecs: [{name: 'w', shape: [bytes / 4], dtype: 'float32'}],
    weightData: randomBytes(bytes, seed).buffer,
  };
}

/** Every file under `dir` with its bytes (model.json parsed). */
function contents(dir) {
  const out = snapshot(dir);
  out['model.json'] = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
  return out;
}

describe('every fixture, loaded with streamWeights, saves as it does from memory', () => {
  for (const name of fixtureNames().filter(n => modelFileOf(n) === 'model.json')) {
    it(name, async () => {
      const src = await copyFixtureModel(name, fresh());
      const url = fileUrl(path.join(src, modelFileOf(name)));
      const [fromMemory, fromStream] = [fresh(), fresh()];
      await ma.save(await ma.load(url), fileUrl(fromMemory));
      const events = [];
      const streamed = await ma.load(url, {streamWeights: true});
      assert.equal(streamed.weightData, undefined);
      const saved = await ma.fileSystem(fromStream, {onProgress: (f, d) => events.push([f, d.loadedBytes])})
        .save(streamed);
      assert.deepEqual(contents(fromStream), contents(fromMemory));
      const bytes = fs.statSync(path.join(fromMemory, 'weights.bin'), {throwIfNoEntry: false})?.size
        ?? Object.entries(snapshot(fromMemory)).filter(([k]) => k.endsWith('.bin')).reduce((s, [k]) => s + fs.statSync(path.join(fromMemory, k)).size, 0);
      assert.equal(saved.modelArtifactsInfo.weightDataBytes, bytes);
      if (bytes > 0) assert.deepEqual(events.at(-1), [1, bytes]);
      if (name === LARGE_FIXTURE) assert.ok(events.length > 16, `${events.length} progress events`);
    });
  }
});

describe('file:// saves of a stream', () => {
  it('shardSizeBytes, hashes and singleWeightsFile: the same files as from memory', async () => {
    const a = floatModel(3 * MiB + 4, 1);
    for (const options of [{shardSizeBytes: 1000}, {hashes: true, shardSizeBytes: MiB}, {singleWeightsFile: true},
      {singleWeightsFile: true, hashes: true}]) {
      const [fromMemory, fromStream] = [fresh(), fresh()];
      await ma.fileSystem(fromMemory, options).save(a);
      await ma.fileSystem(fromStream, options).save(streamOnly(a));
      assert.deepEqual(contents(fromStream), contents(fromMemory), JSON.stringify(options));
    }
  });

  it('string weights (a stream of unknown length): converter names once the count is known', async () => {
    const enc = new TextEncoder();
    const strings = Array.from({length: 3000}, (_, i) => `token-${i}-${'x'.repeat(i % 50)}`);
    const parts = strings.flatMap(t => {
      const b = enc.encode(t);
      const len = new Uint8Array(4);
      new DataView(len.buffer).setUint32(0, b.length, true);
      return [len, b];
    });
    const floats = randomBytes(4096, 2);
    const data = new Uint8Array(parts.reduce((s, p) => s + p.length, floats.length));
    let at = 0;
    for (const p of [floats, ...parts]) { data.set(p, at); at += p.length; }
    const a = {
      modelTopology: {node: []}, format: 'graph-model',
      weightSpecs: [{name: 'f', shape: [1024], dtype: 'float32'}, {name: 'vocab', shape: [3000], dtype: 'string'}],
      weightData: data.buffer,
    };
    const [fromMemory, fromStream] = [fresh(), fresh()];
    await ma.fileSystem(fromMemory, {shardSizeBytes: 20_000}).save(a);
    const events = [];
    await ma.fileSystem(fromStream, {shardSizeBytes: 20_000, onProgress: f => events.push(f)}).save(streamOnly(a));
    assert.deepEqual(contents(fromStream), contents(fromMemory));
    assert.ok(fs.readdirSync(fromStream).includes('group1-shard7of7.bin'), fs.readdirSync(fromStream).join());
    assert.equal(events.at(-1), 1);
    const back = await ma.load(fileUrl(path.join(fromStream, 'model.json')));
    assert.deepEqual(joinBytes(back.weightData), data);
  });

  it('a stream that ends short, runs on, never ends or fails: typed errors; the model before is untouched', async () => {
    const dir = fresh();
    await ma.save(floatModel(MiB, 3), fileUrl(dir));
    const before = snapshot(dir);
    const b = floatModel(5 * MiB, 4);
    const log = {};
    await rejectsMa(() => ma.save(streamOnly(b, {extra: -3}), fileUrl(dir)), 'E_SIZE_MISMATCH',
      ['getWeightStream() gave 5242877 bytes; the weightSpecs need 5242880']);
    await rejectsMa(() => ma.save(streamOnly(b, {extra: 1}), fileUrl(dir)), 'E_SIZE_MISMATCH',
      ['gave more than 5242880 bytes; the weightSpecs need 5242880']);
    await rejectsMa(() => ma.save(streamOnly(b, {endless: true, log}), fileUrl(dir)), 'E_SIZE_MISMATCH');
    assert.equal(log.cancelled, true, 'the endless stream was cancelled');
    assert.ok((log.pastEnd ?? 0) <= 2, `pulled ${log.pastEnd} chunks past the end`);
    const failed = await rejectsMa(() => ma.save(streamOnly(b, {fail: true}), fileUrl(dir)), 'E_STREAM',
      ['the disk went away']);
    assert.equal(failed.cause?.name, 'TypeError');
    await rejectsMa(() => ma.save({...streamOnly(b), getWeightStream: () => 42}, fileUrl(dir)), 'E_INVALID_ARGUMENT',
      ['ReadableStream']);
    assert.deepEqual(snapshot(dir), before);
    assert.deepEqual(leftovers(root, path.basename(dir)), []);
  });

  it('copyModel and moveModel between folders stream, and the move reads both back', async () => {
    const a = floatModel(9 * MiB, 5);
    const [src, copy, moved] = [fresh(), fresh(), fresh()];
    await ma.save(a, fileUrl(src));
    await ma.copyModel(fileUrl(src), fileUrl(copy));
    await ma.moveModel(fileUrl(copy), fileUrl(moved));
    assert.equal(fs.existsSync(copy), false);
    assert.deepEqual(contents(moved), contents(src));
  });
});
