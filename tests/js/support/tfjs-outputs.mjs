// Running TensorFlow.js models in tests: their outputs as plain arrays, and
// an exact comparison (same weights, same backend: bit-identical results).
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
