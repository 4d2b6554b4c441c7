// The package's tf.io surface as TensorFlow.js 4.22 has it: every format
// function exported, ModelArtifactsError, and arguments of the wrong kind
// rejected with typed errors (not TypeErrors).
import {describe, it} from 'node:test';
import assert from 'node:assert/strict';
import * as ma from 'model-artifacts';
import {throwsMa} from './support/common.mjs';

// ------------------------------------------------------------------ exports

describe('exports', () => {
  it('has every tf.io format function and ModelArtifactsError', () => {
    for (const k of ['getModelArtifactsInfoForJSON', 'getModelArtifactsForJSON',
      'getModelArtifactsForJSONSync', 'getModelJSONForModelArtifacts', 'getWeightSpecs',
      'parseModelJSON', 'encodeWeights', 'decodeWeights', 'decodeWeightsStream',
      'concatenateArrayBuffers', 'isHTTPScheme', 'CompositeArrayBuffer', 'quantizeArtifacts',
      'shardArtifacts', 'fromMemory', 'fromMemorySync', 'withSaveHandler', 'withSaveHandlerSync',
      'registerLoadRouter', 'registerSaveRouter', 'getLoadHandlers', 'getSaveHandlers', 'load',
      'save', 'ModelArtifactsError']) {
      assert.equal(typeof ma[k], 'function', k);
    }
  });

  it('ModelArtifactsError is an Error subclass with name and code', () => {
    let err;
    try { ma.parseModelJSON('{'); } catch (e) { err = e; }
    assert.ok(err instanceof ma.ModelArtifactsError);
    assert.ok(err instanceof Error);
    assert.equal(err.name, 'ModelArtifactsError');
    assert.equal(err.code, 'E_INVALID_JSON');
    assert.equal(typeof err.message, 'string');
    assert.ok(err.message.length > 0);
    assert.equal(typeof err.stack, 'string');
  });
});

describe('edge cases', () => {
  it('arguments of the wrong kind → E_INVALID_ARGUMENT', () => {
    throwsMa(() => ma.getModelArtifactsInfoForJSON(null), 'E_INVALID_ARGUMENT');
    throwsMa(() => ma.getModelArtifactsInfoForJSON({weightData: 'abc'}), 'E_INVALID_ARGUMENT');
    throwsMa(() => new ma.CompositeArrayBuffer('abc'), 'E_INVALID_ARGUMENT');
    throwsMa(() => ma.concatenateArrayBuffers([1, 2]), 'E_INVALID_ARGUMENT');
    throwsMa(() => ma.withSaveHandler(5), 'E_INVALID_ARGUMENT');
    throwsMa(() => ma.withSaveHandlerSync('x'), 'E_INVALID_ARGUMENT');
    throwsMa(() => ma.registerLoadRouter(5), 'E_INVALID_ARGUMENT');
    throwsMa(() => ma.registerSaveRouter({}), 'E_INVALID_ARGUMENT');
    throwsMa(() => ma.shardArtifacts({modelTopology: {}, weightSpecs: [{name: 'a', dtype: 'float32', shape: [1]}]}),
      'E_INVALID_ARGUMENT');
    throwsMa(() => ma.quantizeArtifacts({modelTopology: {}}, {dtype: 'uint8'}), 'E_INVALID_ARGUMENT');
  });
});
