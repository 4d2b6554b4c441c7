// TensorFlow.js models in tests: a small seeded layers model, its outputs
// as plain arrays, and an exact comparison (same weights, same backend:
// bit-identical results).
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';

/** Every output of a model run as plain arrays (tensors disposed). */
export function outputsOf(result) {
  const list = Array.isArray(result) ? result : result instanceof tf.Tensor ? [result] : Object.values(result);
  const out = list.map(t => ({shape: t.shape, dtype: t.dtype, data: Array.from(t.dataSync())}));
  tf.dispose(list);
  return out;
}

/** Same shapes, dtypes and values (NaN equals NaN here). */
export function sameOutputs(got, want, label) {
  assert.equal(got.length, want.length, `${label}: output count`);
  got.forEach((g, i) => {
    assert.deepEqual(g.shape, want[i].shape, `${label}: output ${i} shape`);
    assert.equal(g.dtype, want[i].dtype, `${label}: output ${i} dtype`);
    assert.deepEqual(g.data, want[i].data, `${label}: output ${i} values`);
  });
}

/** A small dense model with seeded weights: [n, 6] in, [n, 3] out. */
export function buildDenseModel() {
  const model = tf.sequential();
  model.add(tf.layers.dense({inputShape: [6], units: 8, activation: 'relu',
    kernelInitializer: tf.initializers.glorotUniform({seed: 1}),
    biasInitializer: tf.initializers.randomUniform({minval: -0.5, maxval: 0.5, seed: 2})}));
  model.add(tf.layers.dense({units: 3,
    kernelInitializer: tf.initializers.glorotUniform({seed: 3}),
    biasInitializer: tf.initializers.randomUniform({minval: -0.5, maxval: 0.5, seed: 4})}));
  return model;
}
