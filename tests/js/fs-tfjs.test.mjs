// fileSystem() with the real TensorFlow.js 4.22 (@tensorflow/tfjs, pure JS,
// cpu backend) in Node, on folders under os.tmpdir():
// model.save(ma.fileSystem('file://dir')) then
// tf.loadLayersModel(ma.fileSystem('file://dir/model.json')) predicts
// identically (also with includeOptimizer and userDefinedMetadata); a folder
// written by hand the way tfjs-node writes it loads; singleWeightsFile
// writes that layout; where tfjs-node's file:// handler is wrong
// (shared/reference/tfjs-io.md §2.5: modelInitializer / initializerSignature
// dropped, ArrayBuffer[] weightData written as zeros) ours is right.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {buildDenseModel as buildModel, outputsOf, sameOutputs} from './support/tfjs-outputs.mjs';
import * as ma from 'model-artifacts';
import {FIXTURES_DIR, joinBytes, sha256, toArrayBuffer, loadFixture, checkDecoded} from './support/common.mjs';
import {tempDir, removeTempDirs, fileUrl, tree} from './support/fs-helpers.mjs';

let root;
let seq = 0;
const fresh = label => path.join(root, `${label}-${++seq}`);
const readJSON = p => JSON.parse(fs.readFileSync(p, 'utf8'));

before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
  root = tempDir('ma-fs-tfjs-');
});
after(removeTempDirs);


const input = () => tf.randomUniform([5, 6], -1, 1, 'float32', 9);
function predictions(model) {
  const x = input();
  try { return outputsOf(model.predict(x)); } finally { x.dispose(); }
}
/** What model.save hands a save handler. */
async function capture(model, config) {
  let captured;
  await model.save(tf.io.withSaveHandler(async a => {
    captured = a;
    return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
  }), config);
  return captured;
}
const weightsOf = model => model.getWeights().map(w => sha256(w.dataSync()));

describe('tfjs layers models through ma.fileSystem', () => {
  it("model.save(ma.fileSystem('file://dir')) then tf.loadLayersModel(ma.fileSystem('file://dir/model.json')) predicts identically", async () => {
    const model = buildModel();
    const dir = fresh('layers');
    try {
      const res = await model.save(ma.fileSystem(fileUrl(dir)));
      assert.equal(res.modelArtifactsInfo.modelTopologyType, 'JSON');
      assert.deepEqual(Object.keys(tree(dir)).sort(), ['group1-shard1of1.bin', 'model.json']);
      const back = await tf.loadLayersModel(ma.fileSystem(fileUrl(path.join(dir, 'model.json'))));
      sameOutputs(predictions(back), predictions(model), 'reloaded');
      assert.deepEqual(weightsOf(back), weightsOf(model));
      back.dispose();
    } finally {
      model.dispose();
    }
  });

  it("includeOptimizer: true (Adam 2.5e-2, loss and metrics) and userDefinedMetadata survive; training then continues as after tfjs's own round trip", async () => {
    const model = buildModel();
    const dir = fresh('optimizer');
    const x = tf.randomUniform([8, 6], -1, 1, 'float32', 21);
    const y = tf.randomUniform([8, 3], -1, 1, 'float32', 22);
    try {
      model.compile({optimizer: tf.train.adam(2.5e-2), loss: 'meanSquaredError', metrics: ['mse']});
      await model.fit(x, y, {epochs: 2, batchSize: 8, verbose: 0});
      const meta = {purpose: 'fs test', nested: {n: 1, list: [1, 2]}};
      model.setUserDefinedMetadata(meta);
      await model.save(ma.fileSystem(fileUrl(dir)), {includeOptimizer: true});

      const mj = readJSON(path.join(dir, 'model.json'));
      assert.deepEqual(mj.userDefinedMetadata, meta);
      assert.deepEqual(mj.trainingConfig, (await capture(model, {includeOptimizer: true})).trainingConfig);
      assert.equal(mj.trainingConfig.loss, 'mean_squared_error');
      assert.ok(mj.weightsManifest[0].weights.some(w => w.group === 'optimizer'), 'optimizer weights saved');

      const back = await tf.loadLayersModel(ma.fileSystem(fileUrl(path.join(dir, 'model.json'))));
      assert.deepEqual(back.getUserDefinedMetadata(), meta);
      sameOutputs(predictions(back), predictions(model), 'reloaded');
      assert.ok(back.optimizer, 'optimizer restored');
      assert.equal(back.optimizer.getConfig().learningRate, 2.5e-2);
      assert.equal(back.loss, 'meanSquaredError', 'loss restored from trainingConfig');
      const ow = (await model.optimizer.getWeights()).map(w => sha256(w.tensor.dataSync()));
      const bw = (await back.optimizer.getWeights()).map(w => sha256(w.tensor.dataSync()));
      assert.deepEqual(bw, ow, 'optimizer state restored');
      // One more step: tfjs's own round trip of the same artifacts (from
      // memory) is the yardstick (a restored Adam does not continue exactly
      // like the original in tfjs itself).
      const art = await capture(model, {includeOptimizer: true});
      const ref = await tf.loadLayersModel(tf.io.fromMemory(art));
      const h1 = await ref.fit(x, y, {epochs: 1, batchSize: 8, verbose: 0});
      const h2 = await back.fit(x, y, {epochs: 1, batchSize: 8, verbose: 0});
      assert.equal(h2.history.loss[0], h1.history.loss[0]);
      assert.deepEqual(weightsOf(back), weightsOf(ref));
      ref.dispose();
      back.dispose();
    } finally {
      tf.dispose([x, y]);
      model.dispose();
    }
  });

  it('a tfjs-node style folder (model.json + one weights.bin, written by hand) loads', async () => {
    const model = buildModel();
    try {
      const a = await capture(model);
      const dir = fresh('tfjs-node');
      fs.mkdirSync(dir);
      // Key order as tfjs-node's NodeFileSystem.save writes it.
      const modelJSON = {
        modelTopology: a.modelTopology,
        weightsManifest: [{paths: ['weights.bin'], weights: a.weightSpecs}],
        format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy,
      };
      fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(modelJSON));
      fs.writeFileSync(path.join(dir, 'weights.bin'), joinBytes(a.weightData));
      const back = await tf.loadLayersModel(ma.fileSystem(fileUrl(path.join(dir, 'model.json'))));
      sameOutputs(predictions(back), predictions(model), 'tfjs-node folder');
      back.dispose();
      const ours = await ma.load(fileUrl(path.join(dir, 'model.json')));
      assert.equal(sha256(joinBytes(ours.weightData)), sha256(joinBytes(a.weightData)));
      assert.deepEqual(ours.weightSpecs, a.weightSpecs);
    } finally {
      model.dispose();
    }
  });

  it('singleWeightsFile: true writes the tfjs-node layout (model.json + weights.bin)', async () => {
    const model = buildModel();
    try {
      const a = await capture(model);
      const dir = fresh('single');
      await ma.fileSystem(fileUrl(dir), {singleWeightsFile: true}).save(a);
      assert.deepEqual(Object.keys(tree(dir)).sort(), ['model.json', 'weights.bin']);
      assert.equal(sha256(fs.readFileSync(path.join(dir, 'weights.bin'))), sha256(joinBytes(a.weightData)));
      const mj = readJSON(path.join(dir, 'model.json'));
      // What tfjs-node writes (key order aside: JSON readers ignore it).
      assert.deepEqual(mj, {
        modelTopology: a.modelTopology,
        weightsManifest: [{paths: ['weights.bin'], weights: a.weightSpecs}],
        format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy,
      });
      const back = await tf.loadLayersModel(ma.fileSystem(fileUrl(path.join(dir, 'model.json'))));
      sameOutputs(predictions(back), predictions(model), 'single file');
      back.dispose();
    } finally {
      model.dispose();
    }
  });

  it('ArrayBuffer[] weightData is saved as its bytes (tfjs-node writes zeros)', async () => {
    const model = buildModel();
    try {
      const a = await capture(model);
      const bytes = joinBytes(a.weightData);
      // Uneven pieces that cut through tensors, one of them empty.
      const cuts = [0, 7, 7, 101, bytes.byteLength];
      const pieces = cuts.slice(1).map((end, i) => toArrayBuffer(bytes.subarray(cuts[i], end)));
      for (const options of [{}, {singleWeightsFile: true}, {shardSizeBytes: 64}]) {
        const dir = fresh('pieces');
        await ma.fileSystem(fileUrl(dir), options).save({...a, weightData: pieces});
        const mj = readJSON(path.join(dir, 'model.json'));
        const onDisk = joinBytes(mj.weightsManifest[0].paths.map(p => fs.readFileSync(path.join(dir, p))));
        assert.equal(sha256(onDisk), sha256(bytes), `${JSON.stringify(options)}: bytes on disk`);
        assert.ok(onDisk.some(b => b !== 0));
        const back = await tf.loadLayersModel(ma.fileSystem(fileUrl(path.join(dir, 'model.json'))));
        sameOutputs(predictions(back), predictions(model), JSON.stringify(options));
        back.dispose();
      }
    } finally {
      model.dispose();
    }
  });
});

describe('graph models: modelInitializer / initializerSignature are kept (tfjs-node drops them)', () => {
  const NAME = 'synth-graph-multigroup';
  const feeds = () => ({input: tf.tensor2d([[1, 2, 3, 4], [-1, 0.5, 0, 2]])});
  async function run(model) {
    const f = feeds();
    try { return outputsOf(await model.executeAsync(f)); } finally { tf.dispose(Object.values(f)); }
  }

  it('save via ma.fileSystem, reload in tf.loadGraphModel: the hash table lookup still works', async () => {
    const fx = await loadFixture(NAME);
    // Reference: tfjs loading the fixture's own files from memory.
    const ref = await tf.loadGraphModel(tf.io.fromMemory(fx.artifacts));
    const want = await run(ref);
    assert.deepEqual(want[1].data, [-1, 10, -1, 20], 'reference lookup');

    const src = await ma.fileSystem(fileUrl(path.join(FIXTURES_DIR, NAME, 'model.json'))).load();
    const dir = fresh('graph');
    await ma.fileSystem(fileUrl(dir)).save(src);
    const mj = readJSON(path.join(dir, 'model.json'));
    assert.deepEqual(mj.modelInitializer, fx.modelJSON.modelInitializer);
    assert.deepEqual(mj.initializerSignature, fx.modelJSON.initializerSignature);
    assert.deepEqual(mj.signature, fx.modelJSON.signature);
    checkDecoded(ma.decodeWeights((await ma.load(fileUrl(dir))).weightData, src.weightSpecs), fx.expected, 'saved');

    const back = await tf.loadGraphModel(ma.fileSystem(fileUrl(path.join(dir, 'model.json'))));
    sameOutputs(await run(back), want, 'reloaded graph model');
    ref.dispose();
    back.dispose();
  });

  it("GraphModel.save(ma.fileSystem(dir)) from tfjs keeps them too", async () => {
    const model = await tf.loadGraphModel(ma.fileSystem(fileUrl(path.join(FIXTURES_DIR, NAME, 'model.json'))));
    const want = await run(model);
    const dir = fresh('graph-save');
    await model.save(ma.fileSystem(fileUrl(dir)));
    const mj = readJSON(path.join(dir, 'model.json'));
    assert.ok(mj.modelInitializer, 'modelInitializer saved');
    assert.ok(mj.initializerSignature, 'initializerSignature saved');
    const back = await tf.loadGraphModel(ma.fileSystem(fileUrl(path.join(dir, 'model.json'))));
    const got = await run(back);
    assert.deepEqual(got[1].data, [-1, 10, -1, 20]);
    sameOutputs(got, want, 'tfjs-saved graph model');
    model.dispose();
    back.dispose();
  });
});
