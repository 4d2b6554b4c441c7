// getWeightLayout: the core's stored sizes and offsets, as the CLI's inspect
// and verify and the demo show them.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as ma from '../../index.node.js';

const specs = [
  {name: 'dense/kernel', shape: [2, 3], dtype: 'float32'},
  {name: 'dense/bias', shape: [3], dtype: 'float32', quantization: {dtype: 'float16'}},
  {name: 'mask', shape: [5], dtype: 'bool'},
  {name: 'ids', shape: [2], dtype: 'int32', quantization: {dtype: 'uint8', scale: 1, min: 0}},
  {name: 'pair', shape: [1], dtype: 'complex64'},
];

describe('getWeightLayout', () => {
  it('gives every dtype and quantization its stored size, offsets in spec order', () => {
    assert.deepEqual(ma.getWeightLayout(specs).map(w => [w.name, w.offset, w.byteLength]), [
      ['dense/kernel', 0, 24], ['dense/bias', 24, 6], ['mask', 30, 5], ['ids', 35, 2], ['pair', 37, 8],
    ]);
  });

  it('matches what encodeWeights wrote, strings measured through their length prefixes', async () => {
    const {data, specs: written} = await ma.encodeWeights({
      a: {dtype: 'float32', shape: [2], data: new Float32Array([1, 2])},
      s: {dtype: 'string', shape: [2], data: [new Uint8Array([104, 105]), new Uint8Array(5)]},
      b: {dtype: 'int32', shape: [1], data: new Int32Array([7])},
    });
    const layout = ma.getWeightLayout(written, data);
    assert.deepEqual(layout.map(w => [w.name, w.offset, w.byteLength]), [['a', 0, 8], ['s', 8, 15], ['b', 23, 4]]);
    assert.equal(layout.at(-1).offset + layout.at(-1).byteLength, data.byteLength);
    // Shards measure the same as one buffer.
    assert.deepEqual(ma.getWeightLayout(written, [data.slice(0, 10), data.slice(10)]), layout);
  });

  it('is null from the first weight it cannot measure: a string without data, data that ends too soon', () => {
    const withString = [specs[0], {name: 's', shape: [1], dtype: 'string'}, specs[2]];
    assert.deepEqual(ma.getWeightLayout(withString).map(w => [w.offset, w.byteLength]), [[0, 24], [24, null], [null, null]]);
    assert.deepEqual(ma.getWeightLayout(specs, new ArrayBuffer(30)).map(w => [w.offset, w.byteLength]),
      [[0, 24], [24, 6], [30, null], [null, null], [null, null]]);
  });

  it('rejects a bad spec with the typed error decoding gives it', () => {
    assert.throws(() => ma.getWeightLayout([{name: 'x', shape: [1], dtype: 'float64'}]),
      {name: 'ModelArtifactsError', code: 'E_UNSUPPORTED_DTYPE'});
    assert.throws(() => ma.getWeightLayout('nope'), {name: 'ModelArtifactsError', code: 'E_INVALID_ARGUMENT'});
  });
});
