// Our versions of TensorFlow.js 4.22's passthrough tests: withSaveHandler[Sync]
// and fromMemory[Sync].
import {describe, it} from 'node:test';
import assert from 'node:assert/strict';
import * as ma from 'model-artifacts';
import {toArrayBuffer, f32bytes, bytesOf} from './support/common.mjs';

// ------------------------------------------------------------- passthrough

describe('passthrough', () => {
  const modelTopology1 = {
    class_name: 'Sequential', keras_version: '2.1.4',
    config: [{class_name: 'Dense', config: {kernel_initializer: {class_name: 'VarianceScaling',
      config: {distribution: 'uniform', scale: 1.0, seed: null, mode: 'fan_avg'}}, name: 'dense',
    kernel_constraint: null, bias_regularizer: null, bias_constraint: null, dtype: 'float32',
    activation: 'linear', trainable: true, kernel_regularizer: null, bias_initializer: {class_name: 'Zeros',
      config: {}}, units: 1, batch_input_shape: [null, 3], use_bias: true, activity_regularizer: null}}],
    backend: 'tensorflow',
  };
  const weightSpecs1 = [{name: 'dense/kernel', shape: [3, 1], dtype: 'float32'},
    {name: 'dense/bias', shape: [1], dtype: 'float32'}];
  const weightData1 = toArrayBuffer(f32bytes([1, 2, 3, 4]));
  const trainingConfig1 = {loss: 'categorical_crossentropy', metrics: ['accuracy'],
    optimizer_config: {class_name: 'SGD', config: {learningRate: 0.1}}};
  const artifacts1 = {modelTopology: modelTopology1, weightSpecs: weightSpecs1, weightData: weightData1};

  for (const sync of [false, true]) {
    const label = sync ? 'Sync' : '';
    it(`withSaveHandler${label} passes the artifacts through on save`, async () => {
      const dateSaved = new Date();
      let saved;
      let calls = 0;
      const result = {modelArtifactsInfo: {dateSaved, modelTopologyType: 'JSON',
        modelTopologyBytes: JSON.stringify(modelTopology1).length,
        weightSpecsBytes: JSON.stringify(weightSpecs1).length, weightDataBytes: weightData1.byteLength}};
      const handler = sync
        ? ma.withSaveHandlerSync(a => { saved = a; calls++; return result; })
        : ma.withSaveHandler(async a => { saved = a; calls++; return result; });
      assert.equal(typeof handler.save, 'function');
      const r = sync ? handler.save(artifacts1) : await handler.save(artifacts1);
      if (sync) assert.equal(typeof r.then, 'undefined', 'sync save returns a value, not a promise');
      assert.equal(calls, 1);
      assert.deepEqual(r.modelArtifactsInfo, result.modelArtifactsInfo);
      assert.deepEqual(saved.modelTopology, modelTopology1);
      assert.deepEqual(saved.weightSpecs, weightSpecs1);
      assert.deepEqual(bytesOf(saved.weightData), bytesOf(weightData1));
    });

    const fm = (...args) => sync ? ma.fromMemorySync(...args) : ma.fromMemory(...args);
    const loadOf = async h => {
      assert.equal(typeof h.load, 'function');
      const r = h.load();
      if (sync) assert.equal(typeof r.then, 'undefined', 'sync load returns a value');
      return await r;
    };

    it(`fromMemory${label}: load topology and weights, legacy signature`, async () => {
      const a = await loadOf(fm(modelTopology1, weightSpecs1, weightData1, trainingConfig1));
      assert.deepEqual(a.modelTopology, modelTopology1);
      assert.deepEqual(a.weightSpecs, weightSpecs1);
      assert.deepEqual(bytesOf(a.weightData), bytesOf(weightData1));
      assert.deepEqual(a.trainingConfig, trainingConfig1);
    });
    it(`fromMemory${label}: load topology and weights`, async () => {
      const a = await loadOf(fm(artifacts1));
      assert.deepEqual(a.modelTopology, modelTopology1);
      assert.deepEqual(a.weightSpecs, weightSpecs1);
      assert.deepEqual(bytesOf(a.weightData), bytesOf(weightData1));
    });
    it(`fromMemory${label}: load model topology only, legacy signature`, async () => {
      const a = await loadOf(fm(modelTopology1));
      assert.deepEqual(a.modelTopology, modelTopology1);
      assert.equal(a.weightSpecs, undefined);
      assert.equal(a.weightData, undefined);
    });
    it(`fromMemory${label}: load model topology only`, async () => {
      const a = await loadOf(fm({modelTopology: modelTopology1}));
      assert.deepEqual(a.modelTopology, modelTopology1);
      assert.equal(a.weightSpecs, undefined);
      assert.equal(a.weightData, undefined);
    });
    it(`fromMemory${label}: load topology, weights, and user-defined metadata`, async () => {
      const userDefinedMetadata = {'fooField': 'fooValue'};
      const a = await loadOf(fm({modelTopology: modelTopology1, weightSpecs: weightSpecs1, weightData: weightData1,
        userDefinedMetadata}));
      assert.deepEqual(a.modelTopology, modelTopology1);
      assert.deepEqual(a.weightSpecs, weightSpecs1);
      assert.deepEqual(bytesOf(a.weightData), bytesOf(weightData1));
      assert.deepEqual(a.userDefinedMetadata, userDefinedMetadata);
    });
    it(`fromMemory${label}: weights only (weightSpecs without topology) is artifacts form`, async () => {
      const a = await loadOf(fm({weightSpecs: weightSpecs1, weightData: weightData1}));
      assert.deepEqual(a.weightSpecs, weightSpecs1);
      assert.deepEqual(bytesOf(a.weightData), bytesOf(weightData1));
      assert.ok(a.modelTopology == null);
    });
  }
});
