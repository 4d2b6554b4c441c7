// Our versions of TensorFlow.js 4.22's io_utils model.json functions
// (parseModelJSON, getModelArtifactsForJSON[Sync],
// getModelJSONForModelArtifacts, getModelArtifactsInfoForJSON,
// getWeightSpecs), the fixes we make to its bugs, and bad model.json input
// with its error code.
import {describe, it} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as ma from 'model-artifacts';
import {
  FIXTURES_DIR, joinBytes, toArrayBuffer, throwsMa, rejectsMa, f32bytes, bytesOf,
} from './support/common.mjs';

// --------------------------------------------------------------- artifacts

describe('model JSON functions', () => {
  it('parseModelJSON: invalid JSON → E_INVALID_JSON', () => {
    for (const text of ['{', '', 'not json', '{"modelTopology": {},}', "{'a': 1}"]) {
      throwsMa(() => ma.parseModelJSON(text), 'E_INVALID_JSON');
    }
  });

  it('parseModelJSON: neither modelTopology nor weightsManifest → E_INVALID_MODEL_JSON', () => {
    for (const text of ['{}', '{"format": "layers-model"}', '[]', '42', 'null', '"x"']) {
      throwsMa(() => ma.parseModelJSON(text), 'E_INVALID_MODEL_JSON');
    }
  });

  it('parseModelJSON: a malformed weightsManifest → E_INVALID_MODEL_JSON', () => {
    throwsMa(() => ma.parseModelJSON('{"weightsManifest": {}}'), 'E_INVALID_MODEL_JSON');
    throwsMa(() => ma.parseModelJSON('{"weightsManifest": [{"weights": []}]}'), 'E_INVALID_MODEL_JSON');
  });

  it('parseModelJSON: topology only and weights only are valid', () => {
    assert.deepEqual(ma.parseModelJSON('{"modelTopology": {"a": 1}}'), {modelTopology: {a: 1}});
    const w = ma.parseModelJSON('{"weightsManifest": [{"paths": ["a.bin"], "weights": []}]}');
    assert.deepEqual(w, {weightsManifest: [{paths: ['a.bin'], weights: []}]});
  });

  it('getModelArtifactsForJSONSync: missing topology and manifest → E_INVALID_MODEL_JSON', () => {
    throwsMa(() => ma.getModelArtifactsForJSONSync({}), 'E_INVALID_MODEL_JSON');
    throwsMa(() => ma.getModelArtifactsForJSONSync({format: 'graph-model'}, [], new ArrayBuffer(0)),
      'E_INVALID_MODEL_JSON');
  });

  it('getModelArtifactsForJSONSync: a manifest without specs/data is rejected', () => {
    const mj = {modelTopology: {}, weightsManifest: [{paths: ['a'], weights: []}]};
    throwsMa(() => ma.getModelArtifactsForJSONSync(mj), ['E_INVALID_ARGUMENT', 'E_INVALID_MODEL_JSON']);
  });

  it('getModelArtifactsForJSONSync: topology only; keys as in tfjs; unknown fields dropped', () => {
    const a = ma.getModelArtifactsForJSONSync({modelTopology: {x: 1}, extra: 5, signature: null});
    assert.deepEqual(a.modelTopology, {x: 1});
    for (const k of ['modelTopology', 'format', 'generatedBy', 'convertedBy']) assert.ok(k in a, k);
    assert.equal(a.format, undefined);
    assert.ok(!('extra' in a));
    assert.ok(!('signature' in a));
    assert.ok(!('weightSpecs' in a) || a.weightSpecs === undefined);
  });

  it('getModelArtifactsForJSON calls loadWeights with the manifest, only when present', async () => {
    const manifest = [{paths: ['a.bin'], weights: [{name: 'w', dtype: 'float32', shape: [1]}]}];
    let calls = 0;
    const data = toArrayBuffer(f32bytes([3]));
    const a = await ma.getModelArtifactsForJSON({modelTopology: {t: 1}, weightsManifest: manifest, format: 'f'},
      async m => { calls++; assert.deepEqual(m, manifest); return [m[0].weights, data]; });
    assert.equal(calls, 1);
    assert.deepEqual(a.weightSpecs, manifest[0].weights);
    assert.deepEqual(bytesOf(joinBytes(a.weightData)), bytesOf(f32bytes([3])));
    assert.equal(a.format, 'f');
    const b = await ma.getModelArtifactsForJSON({modelTopology: {t: 1}}, async () => { calls++; return [[], data]; });
    assert.equal(calls, 1);
    assert.deepEqual(b.modelTopology, {t: 1});
    // A failing loader's error propagates.
    const boom = new Error('loader failed');
    await assert.rejects(ma.getModelArtifactsForJSON({modelTopology: {}, weightsManifest: manifest},
      async () => { throw boom; }), e => e === boom || e.cause === boom);
  });

  it("getModelJSONForModelArtifacts reproduces tfjs's own saved model.json byte for byte", () => {
    const dir = path.join(FIXTURES_DIR, 'synth-layers-tfjs-saved');
    const text = fs.readFileSync(path.join(dir, 'model.json'), 'utf8');
    const mj = JSON.parse(text);
    const specs = ma.getWeightSpecs(mj.weightsManifest);
    const data = toArrayBuffer(fs.readFileSync(path.join(dir, 'model.weights.bin')));
    const artifacts = ma.getModelArtifactsForJSONSync(mj, specs, data);
    const out = ma.getModelJSONForModelArtifacts(artifacts, [{paths: ['./model.weights.bin'], weights: specs}]);
    assert.equal(JSON.stringify(out), text);
  });

  it('getModelJSONForModelArtifacts: key order and null/undefined handling', () => {
    const out = ma.getModelJSONForModelArtifacts({
      trainingConfig: {loss: 'mse', optimizer_config: {}}, initializerSignature: {i: 1}, modelInitializer: {m: 1},
      userDefinedMetadata: {u: 1}, signature: {s: 1}, convertedBy: null, modelTopology: {t: 1},
    }, [{paths: ['w.bin'], weights: []}]);
    // tfjs keeps format/generatedBy keys with undefined values; what is
    // written (JSON.stringify) has them omitted and convertedBy null kept.
    assert.deepEqual(Object.keys(JSON.parse(JSON.stringify(out))), ['modelTopology', 'convertedBy',
      'weightsManifest', 'signature', 'userDefinedMetadata', 'modelInitializer', 'initializerSignature',
      'trainingConfig']);
    assert.equal(out.convertedBy, null);
    assert.equal(out.format, undefined);
    assert.deepEqual(out.weightsManifest, [{paths: ['w.bin'], weights: []}]);
  });

  it('getModelArtifactsInfoForJSON: sizes are UTF-8 byte lengths; null fields count 0', () => {
    const info = ma.getModelArtifactsInfoForJSON({
      modelTopology: {name: 'naïve ☃'}, weightSpecs: [{name: 'é', dtype: 'float32', shape: [1]}],
      weightData: [new ArrayBuffer(3), new ArrayBuffer(5)],
    });
    assert.equal(info.modelTopologyBytes, Buffer.byteLength(JSON.stringify({name: 'naïve ☃'})));
    assert.equal(info.weightSpecsBytes, Buffer.byteLength(JSON.stringify([{name: 'é', dtype: 'float32', shape: [1]}])));
    assert.equal(info.weightDataBytes, 8);
    assert.equal(info.modelTopologyType, 'JSON');
    assert.ok(info.dateSaved instanceof Date);
    const empty = ma.getModelArtifactsInfoForJSON({});
    assert.equal(empty.modelTopologyBytes, 0);
    assert.equal(empty.weightSpecsBytes, 0);
    assert.equal(empty.weightDataBytes, 0);
  });

  it('getModelArtifactsInfoForJSON: a binary topology → E_BINARY_TOPOLOGY', () => {
    throwsMa(() => ma.getModelArtifactsInfoForJSON({modelTopology: new ArrayBuffer(4)}), 'E_BINARY_TOPOLOGY');
    throwsMa(() => ma.getModelArtifactsInfoForJSON({modelTopology: new Uint8Array(4).buffer, weightSpecs: []}),
      'E_BINARY_TOPOLOGY');
  });

  it('getWeightSpecs flattens groups in order', () => {
    const specs = ma.getWeightSpecs([
      {paths: ['a'], weights: [{name: 'a1', dtype: 'float32', shape: [1]}, {name: 'a2', dtype: 'int32', shape: []}]},
      {paths: [], weights: []},
      {paths: ['b'], weights: [{name: 'b1', dtype: 'bool', shape: [2], group: 'optimizer'}]},
    ]);
    assert.deepEqual(specs.map(s => s.name), ['a1', 'a2', 'b1']);
    assert.equal(specs[2].group, 'optimizer');
  });
});

// ------------------------------------------------------ edges and our fixes

describe('edge cases', () => {
  it('getModelArtifactsInfoForJSON sizes equal JSON.stringify UTF-8 lengths for tricky values', () => {
    const cases = [
      {x: 1e21}, {x: 1e-7}, {x: 0.000001}, {x: -0}, {x: 0.1 + 0.2}, {x: 5e-324}, {x: 2 ** 53 + 2},
      {b: 1, 2: 1, 1: 1}, {s: '\ud800'}, {s: '\u2028\u2029'}, {s: '\u0000\u001f\u007f"\\'}, {s: 'é☃😀'},
      {u: undefined, f: () => 1, n: null}, {a: [undefined, NaN, Infinity]}, {big: 1.7976931348623157e308},
      {d: new Date(0)},
    ];
    for (const c of cases) {
      const info = ma.getModelArtifactsInfoForJSON({modelTopology: c, weightSpecs: [{name: JSON.stringify(c), dtype: 'float32', shape: [1]}]});
      assert.equal(info.modelTopologyBytes, Buffer.byteLength(JSON.stringify(c)), JSON.stringify(c));
      assert.equal(info.weightSpecsBytes,
        Buffer.byteLength(JSON.stringify([{name: JSON.stringify(c), dtype: 'float32', shape: [1]}])));
    }
  });

  it('parseModelJSON agrees with JSON.parse on numbers, duplicate keys and key order', () => {
    for (const t of ['{"modelTopology": {"b":1,"2":1,"1":1}}',
      '{"modelTopology": {"x": 1e21, "y": 1E-7, "z": -0, "w": 0.1}}', '{"modelTopology": {"a":1,"a":2}}',
      '{"modelTopology": {"__proto__": {"p": 1}}}', '{"modelTopology": {"n": 123456789012345678901234567890}}',
      ' \n{"modelTopology": {}} \n']) {
      assert.equal(JSON.stringify(ma.parseModelJSON(t)), JSON.stringify(JSON.parse(t)), t);
    }
  });
});

describe('more fixes', () => {
  it('fix: getModelArtifactsInfoForJSON counts a view by its byteLength, not its buffer', () => {
    const v = new Uint8Array(new ArrayBuffer(100), 10, 5);
    assert.equal(ma.getModelArtifactsInfoForJSON({weightData: [v]}).weightDataBytes, 5);
    assert.equal(ma.getModelArtifactsInfoForJSON({weightData: v}).weightDataBytes, 5);
  });

  it('getModelArtifactsForJSON: a loader resolving to the wrong shape → E_INVALID_ARGUMENT', async () => {
    await rejectsMa(() => ma.getModelArtifactsForJSON({modelTopology: {}, weightsManifest: []}, () => 5),
      'E_INVALID_ARGUMENT');
    await rejectsMa(() => ma.getModelArtifactsForJSON({}, async () => [[], new ArrayBuffer(0)]),
      'E_INVALID_MODEL_JSON');
  });
});
