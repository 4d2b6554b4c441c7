// quantizeArtifacts and shardArtifacts against the TensorFlow.js converter's
// fixtures (bytes, manifest entries, shard names and sizes), their edge
// cases and bad options.
import {describe, it, before} from 'node:test';
import assert from 'node:assert/strict';
import * as ma from 'model-artifacts';
import {loadFixture, joinBytes, sha256, toArrayBuffer, throwsMa, f32bytes} from './support/common.mjs';

// ------------------------------------------------ quantize / shard artifacts

describe('quantizeArtifacts and shardArtifacts', () => {
  let f32;
  const targets = {};
  before(async () => {
    f32 = await loadFixture('synth-layers-f32-sharded');
    for (const d of ['uint8', 'uint16', 'float16']) targets[d] = await loadFixture(`synth-layers-${d}`);
  });

  for (const dtype of ['uint8', 'uint16', 'float16']) {
    it(`${dtype}: reproduces the converter's bytes and manifest entries`, () => {
      const out = ma.quantizeArtifacts(f32.artifacts, {dtype});
      const want = targets[dtype];
      assert.equal(sha256(joinBytes(out.weightData)), want.expected.weightData.sha256);
      assert.deepEqual(out.weightSpecs, want.specs);
      // The rest of the artifacts is kept.
      assert.equal(JSON.stringify(out.modelTopology), JSON.stringify(f32.artifacts.modelTopology));
      assert.equal(out.format, f32.artifacts.format);
      assert.deepEqual(out.userDefinedMetadata, f32.artifacts.userDefinedMetadata);
      // The input is not modified.
      assert.ok(f32.artifacts.weightSpecs.every(s => !('quantization' in s)));
      assert.equal(sha256(joinBytes(f32.artifacts.weightData)), f32.expected.weightData.sha256);
      // Decoding gives the converter fixture's goldens.
      const dec = ma.decodeWeights(out.weightData, out.weightSpecs);
      for (const w of want.expected.weights) {
        assert.equal(sha256(dec[w.name].data), w.decoded.sha256, w.name);
      }
    });
  }

  it('quantized values stay within the quantization error bound', () => {
    const orig = ma.decodeWeights(f32.shards, f32.specs);
    for (const dtype of ['uint8', 'uint16', 'float16']) {
      const out = ma.quantizeArtifacts(f32.artifacts, {dtype});
      const dec = ma.decodeWeights(out.weightData, out.weightSpecs);
      for (const spec of out.weightSpecs) {
        const a = orig[spec.name].data;
        const b = dec[spec.name].data;
        const q = spec.quantization;
        for (let i = 0; i < a.length; i++) {
          // Round to nearest: half a step (float16: half an ulp); one step
          // allows for the converter's clipping after the zero-point nudge.
          const bound = dtype === 'float16' ? Math.abs(a[i]) * 2 ** -11 + 2 ** -25 : q.scale + 1e-6;
          assert.ok(Math.abs(a[i] - b[i]) <= bound, `${dtype} ${spec.name}[${i}]: ${a[i]} vs ${b[i]}`);
        }
      }
    }
  });

  it("'weights' selects by name and glob; others keep their bytes", () => {
    const out = ma.quantizeArtifacts(f32.artifacts, {dtype: 'uint8', weights: ['fc1/*', 'logits/?ias']});
    const quantized = out.weightSpecs.filter(s => s.quantization).map(s => s.name).sort();
    assert.deepEqual(quantized, ['fc1/bias', 'fc1/kernel', 'logits/bias']);
    const cab = new ma.CompositeArrayBuffer(joinBytes(out.weightData));
    const u8 = Object.fromEntries(targets.uint8.expected.weights.map(w => [w.name, w]));
    const f = Object.fromEntries(f32.expected.weights.map(w => [w.name, w]));
    let off = 0;
    for (const s of out.weightSpecs) {
      const golden = s.quantization ? u8[s.name] : f[s.name];
      const bytes = cab.slice(off, off + golden.byteLength);
      assert.equal(sha256(bytes), golden.storedSha256, s.name);
      if (s.quantization) assert.deepEqual(s, targets.uint8.specs.find(t => t.name === s.name));
      off += golden.byteLength;
    }
    assert.equal(off, cab.byteLength);
    const single = ma.quantizeArtifacts(f32.artifacts, {dtype: 'float16', weights: 'conv1/kernel'});
    assert.deepEqual(single.weightSpecs.filter(s => s.quantization).map(s => s.name), ['conv1/kernel']);
    // A pattern that matches no weight is a caller mistake, reported.
    throwsMa(() => ma.quantizeArtifacts(f32.artifacts, {dtype: 'uint8', weights: 'no-such-*'}),
      'E_INVALID_ARGUMENT', ['no-such-*']);
  });

  it('leaves int32 and already quantized weights untouched', async () => {
    const saved = await loadFixture('synth-layers-tfjs-saved');
    const out = ma.quantizeArtifacts(saved.artifacts, {dtype: 'uint16'});
    const iter = out.weightSpecs.find(s => s.name === 'iter');
    assert.deepEqual(iter, {name: 'iter', shape: [], dtype: 'int32', group: 'optimizer'});
    assert.deepEqual(out.trainingConfig, saved.artifacts.trainingConfig);
    const dec = ma.decodeWeights(out.weightData, out.weightSpecs);
    assert.equal(sha256(dec.iter.data), saved.expected.weights.find(w => w.name === 'iter').decoded.sha256);
    const again = ma.quantizeArtifacts(targets.uint8.artifacts, {dtype: 'float16'});
    assert.deepEqual(again.weightSpecs, targets.uint8.specs);
    assert.equal(sha256(joinBytes(again.weightData)), targets.uint8.expected.weightData.sha256);
  });

  it('float16 overflow, underflow and NaN follow IEEE round-to-nearest-even', async () => {
    const {data, specs} = await ma.encodeWeights({
      w: {dtype: 'float32', shape: [8], data: [70000, -70000, 65519, 1e-8, -1e-8, NaN, Infinity, 2 ** -24]},
    });
    const out = ma.quantizeArtifacts({modelTopology: {}, weightSpecs: specs, weightData: data}, {dtype: 'float16'});
    const raw = new Uint16Array(toArrayBuffer(joinBytes(out.weightData)));
    assert.deepEqual(Array.from(raw.slice(0, 5)), [0x7c00, 0xfc00, 0x7bff, 0x0000, 0x8000]);
    assert.ok((raw[5] & 0x7c00) === 0x7c00 && (raw[5] & 0x3ff) !== 0, 'NaN stays NaN');
    assert.deepEqual(Array.from(raw.slice(6)), [0x7c00, 0x0001]);
    const dec = ma.decodeWeights(out.weightData, out.weightSpecs).w.data;
    assert.deepEqual(Array.from(dec.slice(0, 3)), [Infinity, -Infinity, 65504]);
    assert.ok(Object.is(dec[4], -0));
    assert.ok(Number.isNaN(dec[5]));
  });

  it('uint8/uint16 of non-finite values → E_INVALID_ARGUMENT naming the weight', async () => {
    const {data, specs} = await ma.encodeWeights({naughty: {dtype: 'float32', shape: [2], data: [1, NaN]}});
    throwsMa(() => ma.quantizeArtifacts({weightSpecs: specs, weightData: data}, {dtype: 'uint8'}),
      'E_INVALID_ARGUMENT', ['naughty']);
  });

  it('bad quantize options → E_INVALID_ARGUMENT', () => {
    for (const opts of [undefined, {}, {dtype: 'int8'}, {dtype: 'float32'}, {dtype: 'uint8', weights: 42},
      {dtype: 'uint8', weights: [1]}]) {
      throwsMa(() => ma.quantizeArtifacts(f32.artifacts, opts), 'E_INVALID_ARGUMENT');
    }
  });

  it('quantizeArtifacts with too-short weight data → E_WEIGHT_DATA_TOO_SHORT', () => {
    const short = {...f32.artifacts, weightData: f32.shards.slice(0, 4)};
    throwsMa(() => ma.quantizeArtifacts(short, {dtype: 'uint8'}), 'E_WEIGHT_DATA_TOO_SHORT');
  });

  it('shardArtifacts hashes: true lists each file\'s sha256 in the group (the converter fixture\'s shards)', () => {
    const out = ma.shardArtifacts(f32.artifacts, {shardSizeBytes: 32768, hashes: true});
    const group = out.modelJSON.weightsManifest[0];
    assert.deepEqual(group.sha256, out.files.map(f => sha256(f.data)));
    assert.deepEqual(group.sha256, f32.expected.shards.map(s => s.sha256));
    assert.equal(ma.shardArtifacts(f32.artifacts, {shardSizeBytes: 32768}).modelJSON.weightsManifest[0].sha256, undefined);
  });

  it('shardArtifacts: converter names, sizes and manifest; weights straddle shards', () => {
    const out = ma.shardArtifacts(f32.artifacts, {shardSizeBytes: 32768});
    assert.deepEqual(out.files.map(f => f.path), f32.expected.shards.map(s => s.path));
    out.files.forEach((f, i) => {
      assert.ok(f.data instanceof ArrayBuffer);
      assert.equal(f.data.byteLength, f32.expected.shards[i].byteLength, f.path);
      assert.equal(sha256(f.data), f32.expected.shards[i].sha256, f.path);
    });
    assert.deepEqual(out.modelJSON.weightsManifest, [{paths: out.files.map(f => f.path), weights: f32.specs}]);
    assert.equal(JSON.stringify(out.modelJSON.modelTopology), JSON.stringify(f32.modelJSON.modelTopology));
    assert.equal(out.modelJSON.format, 'layers-model');
    assert.equal(out.modelJSON.generatedBy, f32.modelJSON.generatedBy);
    assert.deepEqual(out.modelJSON.userDefinedMetadata, f32.modelJSON.userDefinedMetadata);
    assert.ok(!('weightData' in out.modelJSON) && !('weightSpecs' in out.modelJSON));
    // The round trip decodes to the goldens.
    const dec = ma.decodeWeights(out.files.map(f => f.data), ma.getWeightSpecs(out.modelJSON.weightsManifest));
    for (const w of f32.expected.weights) assert.equal(sha256(dec[w.name].data), w.decoded.sha256);
  });

  it('shardArtifacts: odd sizes, one shard, and the 4 MiB default', () => {
    const total = f32.expected.weightData.byteLength;
    const out = ma.shardArtifacts(f32.artifacts, {shardSizeBytes: 1000});
    const n = Math.ceil(total / 1000);
    assert.equal(out.files.length, n);
    out.files.forEach((f, i) => {
      assert.equal(f.path, `group1-shard${i + 1}of${n}.bin`);
      assert.equal(f.data.byteLength, i < n - 1 ? 1000 : total - 1000 * (n - 1));
    });
    assert.equal(sha256(joinBytes(out.files.map(f => f.data))), f32.expected.weightData.sha256);
    const dflt = ma.shardArtifacts(f32.artifacts);
    assert.deepEqual(dflt.files.map(f => f.path), ['group1-shard1of1.bin']);
    assert.equal(dflt.files[0].data.byteLength, total);
    const exact = ma.shardArtifacts(f32.artifacts, {shardSizeBytes: total});
    assert.equal(exact.files.length, 1);
  });

  it('shardArtifacts: no weights → no files', () => {
    const out = ma.shardArtifacts({modelTopology: {a: 1}, weightSpecs: [], weightData: new ArrayBuffer(0)});
    assert.deepEqual(out.files, []);
    assert.deepEqual(out.modelJSON.modelTopology, {a: 1});
  });

  it('bad shard options → E_INVALID_ARGUMENT', () => {
    for (const shardSizeBytes of [0, -1, 1.5, NaN, Infinity, '1000']) {
      throwsMa(() => ma.shardArtifacts(f32.artifacts, {shardSizeBytes}), 'E_INVALID_ARGUMENT');
    }
  });
});

// ------------------------------------------------------ edges and our fixes

describe('edge cases', () => {
  it('quantize: constant weights get scale 1, codes 0; views with offsets are read correctly', () => {
    const q = ma.quantizeArtifacts({weightSpecs: [{name: 'w', dtype: 'float32', shape: [3]}],
      weightData: toArrayBuffer(f32bytes([-2, -2, -2]))}, {dtype: 'uint8'});
    assert.deepEqual(q.weightSpecs[0].quantization, {dtype: 'uint8', min: -2, scale: 1, original_dtype: 'float32'});
    assert.deepEqual(Array.from(joinBytes(q.weightData)), [0, 0, 0]);
    const big = new Uint8Array(100);
    big.set(f32bytes([0.5, -1, 2, 3]), 10);
    const h = ma.quantizeArtifacts({weightSpecs: [{name: 'w', dtype: 'float32', shape: [4]}],
      weightData: [big.subarray(10, 26)]}, {dtype: 'float16'});
    assert.deepEqual(Array.from(ma.decodeWeights(h.weightData, h.weightSpecs).w.data), [0.5, -1, 2, 3]);
    const s = ma.shardArtifacts({weightSpecs: [{name: 'w', dtype: 'float32', shape: [4]}],
      weightData: [big.subarray(10, 26)]}, {shardSizeBytes: 5});
    assert.deepEqual(Array.from(joinBytes(s.files.map(f => f.data))), Array.from(f32bytes([0.5, -1, 2, 3])));
  });

  it('shardArtifacts: weight data shorter than the specs → E_WEIGHT_DATA_TOO_SHORT', () => {
    throwsMa(() => ma.shardArtifacts({modelTopology: {}, weightSpecs: [{name: 'w/short', dtype: 'float32', shape: [4]}],
      weightData: new ArrayBuffer(4)}), 'E_WEIGHT_DATA_TOO_SHORT', ['w/short']);
  });
});
