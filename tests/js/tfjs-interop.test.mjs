// Interop with the real TensorFlow.js 4.22 (@tensorflow/tfjs, cpu backend):
// what tfjs saves we decode, what we encode / quantize / shard tfjs loads,
// and our handlers plug into model.save / tf.loadLayersModel.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import * as ma from 'model-artifacts';
import {joinBytes, sha256, asU8, loadFixture, throwsMa} from './support/common.mjs';

const bytesOf = x => Array.from(asU8(x));
const same = (a, b, msg) => assert.equal(sha256(a), sha256(b), msg);

/** Max |a - b| over two arrays of equal length. */
function maxAbsDiff(a, b) {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function buildModel() {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({
    inputShape: [8, 8, 2], filters: 4, kernelSize: 3, activation: 'relu',
    kernelInitializer: tf.initializers.glorotUniform({seed: 1}),
    biasInitializer: tf.initializers.randomUniform({minval: -0.5, maxval: 0.5, seed: 2}),
  }));
  model.add(tf.layers.flatten());
  model.add(tf.layers.dense({
    units: 16,
    kernelInitializer: tf.initializers.glorotUniform({seed: 3}),
    biasInitializer: tf.initializers.randomUniform({minval: -0.5, maxval: 0.5, seed: 4}),
  }));
  return model;
}

async function capture(model, config) {
  let captured;
  const result = await model.save(tf.io.withSaveHandler(async a => {
    captured = a;
    return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
  }), config);
  assert.ok(result.modelArtifactsInfo);
  return captured;
}

let model;
let artifacts;
let input;
let expectedOut;

before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
  model = buildModel();
  artifacts = await capture(model);
  input = tf.randomUniform([5, 8, 8, 2], -1, 1, 'float32', 7);
  expectedOut = model.predict(input).dataSync();
});

after(() => {
  model?.dispose();
  input?.dispose();
});

describe('tfjs saves, we decode', () => {
  it('decodeWeights(model.save artifacts) equals model.getWeights() exactly', () => {
    const specs = artifacts.weightSpecs;
    const weights = model.getWeights();
    assert.equal(specs.length, weights.length);
    assert.ok(specs.length >= 4);
    const decoded = ma.decodeWeights(artifacts.weightData, specs);
    assert.deepEqual(Object.keys(decoded), specs.map(s => s.name));
    specs.forEach((s, i) => {
      assert.equal(s.name, model.weights[i].originalName);
      const d = decoded[s.name];
      assert.equal(d.dtype, 'float32');
      assert.deepEqual(d.shape, weights[i].shape);
      assert.ok(d.data instanceof Float32Array);
      same(d.data, weights[i].dataSync(), s.name);
    });
  });

  it('decodeWeightsStream of the same bytes equals model.getWeights()', async () => {
    const bytes = joinBytes(artifacts.weightData);
    let pos = 0;
    const stream = new ReadableStream({pull(c) {
      if (pos >= bytes.length) { c.close(); return; }
      c.enqueue(bytes.slice(pos, pos + 33));
      pos += 33;
    }});
    const decoded = await ma.decodeWeightsStream(stream, artifacts.weightSpecs);
    model.getWeights().forEach((w, i) => same(decoded[artifacts.weightSpecs[i].name].data, w.dataSync()));
  });

  it('includeOptimizer artifacts (group: optimizer) decode like tf.io.decodeWeights', async () => {
    const m = buildModel();
    m.compile({optimizer: tf.train.adam(0.01), loss: 'meanSquaredError'});
    const xs = tf.randomUniform([4, 8, 8, 2], -1, 1, 'float32', 11);
    const ys = tf.randomUniform([4, 16], -1, 1, 'float32', 12);
    await m.fit(xs, ys, {epochs: 1, batchSize: 4, verbose: 0});
    const a = await capture(m, {includeOptimizer: true});
    const groups = new Set(a.weightSpecs.map(s => s.group));
    assert.ok(groups.has('optimizer'), 'has optimizer weights');
    const theirs = tf.io.decodeWeights(a.weightData, a.weightSpecs);
    const ours = ma.decodeWeights(a.weightData, a.weightSpecs);
    assert.deepEqual(Object.keys(ours).sort(), Object.keys(theirs).sort());
    for (const s of a.weightSpecs) {
      assert.equal(ours[s.name].dtype, theirs[s.name].dtype, s.name);
      same(ours[s.name].data, theirs[s.name].dataSync(), s.name);
    }
    const info = ma.getModelArtifactsInfoForJSON(a);
    const tinfo = tf.io.getModelArtifactsInfoForJSON(a);
    for (const k of ['modelTopologyBytes', 'weightSpecsBytes', 'weightDataBytes']) assert.equal(info[k], tinfo[k], k);
    tf.dispose([xs, ys, ...Object.values(theirs)]);
    m.dispose();
  });
});

describe('encodeWeights / decodeWeights against tf.io', () => {
  const strings = ['', 'hello', 'naïve ☃', 'здраво', '正常', '\u{1F600}'];
  const mk = () => ({
    f: tf.tensor2d([[1.5, -2.25, 3e-38], [NaN, Infinity, -0]], [2, 3], 'float32'),
    i: tf.tensor1d([0, -1, 2147483647, -2147483648], 'int32'),
    b: tf.tensor1d([true, false, true], 'bool'),
    s: tf.tensor(strings, [2, 3], 'string'),
    c: tf.complex([1, -2, 3.5], [4, 5.25, -6]),
    e: tf.zeros([0, 2], 'float32'),
  });
  const plain = {
    f: {dtype: 'float32', shape: [2, 3], data: new Float32Array([1.5, -2.25, 3e-38, NaN, Infinity, -0])},
    i: {dtype: 'int32', shape: [4], data: new Int32Array([0, -1, 2147483647, -2147483648])},
    b: {dtype: 'bool', shape: [3], data: [true, false, true]},
    s: {dtype: 'string', shape: [2, 3], data: strings},
    c: {dtype: 'complex64', shape: [3], data: new Float32Array([1, 4, -2, 5.25, 3.5, -6])},
    e: {dtype: 'float32', shape: [0, 2], data: new Float32Array(0)},
  };

  const checkTfDecoded = (t, tensors) => {
    same(t.f.dataSync(), tensors.f.data);
    assert.deepEqual(t.f.shape, [2, 3]);
    assert.deepEqual(Array.from(t.i.dataSync()), Array.from(plain.i.data));
    assert.equal(t.b.dtype, 'bool');
    assert.deepEqual(Array.from(t.b.dataSync()), [1, 0, 1]);
    assert.equal(t.s.dtype, 'string');
    assert.deepEqual(t.s.shape, [2, 3]);
    assert.deepEqual(Array.from(t.s.dataSync()), strings);
    assert.equal(t.c.dtype, 'complex64');
    assert.deepEqual(Array.from(tf.real(t.c).dataSync()), [1, -2, 3.5]);
    assert.deepEqual(Array.from(tf.imag(t.c).dataSync()), [4, 5.25, -6]);
    assert.deepEqual(t.e.shape, [0, 2]);
  };

  it('our encodeWeights (plain tensors) → tf.io.decodeWeights gives the values; bytes equal tf.io.encodeWeights', async () => {
    const ours = await ma.encodeWeights(plain);
    const t = tf.io.decodeWeights(ours.data, ours.specs);
    checkTfDecoded(t, plain);
    const tensors = mk();
    const theirs = await tf.io.encodeWeights(tensors);
    assert.deepEqual(ours.specs, theirs.specs);
    assert.deepEqual(bytesOf(ours.data), bytesOf(theirs.data));
    tf.dispose([...Object.values(t), ...Object.values(tensors)]);
  });

  it('our encodeWeights accepts tfjs Tensors (map and array forms, with group)', async () => {
    const tensors = mk();
    const theirs = await tf.io.encodeWeights(tensors, 'optimizer');
    const ours = await ma.encodeWeights(tensors, 'optimizer');
    assert.deepEqual(ours.specs, theirs.specs);
    assert.deepEqual(bytesOf(ours.data), bytesOf(theirs.data));
    const arr = Object.entries(tensors).map(([name, tensor]) => ({name, tensor}));
    const theirsArr = await tf.io.encodeWeights(arr);
    const oursArr = await ma.encodeWeights(arr);
    assert.deepEqual(oursArr.specs, theirsArr.specs);
    assert.deepEqual(bytesOf(oursArr.data), bytesOf(theirsArr.data));
    // The model's own variables too.
    const named = model.weights.map(w => ({name: w.originalName, tensor: w.read()}));
    const mo = await ma.encodeWeights(named);
    assert.deepEqual(mo.specs, artifacts.weightSpecs);
    assert.deepEqual(bytesOf(mo.data), bytesOf(joinBytes(artifacts.weightData)));
    tf.dispose(Object.values(tensors));
  });

  it('tf.io.encodeWeights → our decodeWeights gives the values', async () => {
    const tensors = mk();
    const {data, specs} = await tf.io.encodeWeights(tensors);
    const d = ma.decodeWeights(data, specs);
    same(d.f.data, plain.f.data);
    assert.ok(d.i.data instanceof Int32Array);
    assert.deepEqual(Array.from(d.i.data), Array.from(plain.i.data));
    assert.deepEqual(Array.from(d.b.data), [1, 0, 1]);
    assert.deepEqual(d.s.data.map(u => new TextDecoder().decode(u)), strings);
    assert.deepEqual(d.s.shape, [2, 3]);
    assert.deepEqual(Array.from(d.c.data), [1, 4, -2, 5.25, 3.5, -6]);
    assert.equal(d.c.dtype, 'complex64');
    assert.equal(d.e.data.length, 0);
    tf.dispose(Object.values(tensors));
  });

  it('quantized weights: tf.io.decodeWeights and ours agree bit for bit', async () => {
    for (const name of ['synth-graph-multigroup', 'human-selfie-f16', 'upscaler-psnr-small-uint8']) {
      const fx = await loadFixture(name);
      const theirs = tf.io.decodeWeights(fx.shards, fx.specs);
      const ours = ma.decodeWeights(fx.shards, fx.specs);
      for (const s of fx.specs) {
        if (s.dtype === 'string') {
          assert.deepEqual(ours[s.name].data.map(u => new TextDecoder().decode(u)), Array.from(theirs[s.name].dataSync()));
        } else {
          same(ours[s.name].data, theirs[s.name].dataSync(), `${name}: ${s.name}`);
        }
      }
      tf.dispose(Object.values(theirs));
    }
  });
});

describe('what we write, tfjs loads', () => {
  // Loads artifacts with tfjs's own loader and checks predictions.
  async function predictWith(a) {
    const m = await tf.loadLayersModel(tf.io.fromMemory(a));
    const out = m.predict(input).dataSync();
    m.dispose();
    return out;
  }

  it('our fromMemory(artifacts) works with tf.loadLayersModel (exact predictions)', async () => {
    const m = await tf.loadLayersModel(ma.fromMemory(artifacts));
    same(m.predict(input).dataSync(), expectedOut);
    m.dispose();
    const legacy = await tf.loadLayersModel(ma.fromMemory(artifacts.modelTopology, artifacts.weightSpecs,
      artifacts.weightData));
    same(legacy.predict(input).dataSync(), expectedOut);
    legacy.dispose();
  });

  it('our withSaveHandler works with model.save', async () => {
    let ours;
    const dateSaved = new Date(2020, 1, 2);
    const result = await model.save(ma.withSaveHandler(async a => {
      ours = a;
      return {modelArtifactsInfo: {dateSaved, modelTopologyType: 'JSON', weightDataBytes: 123}};
    }));
    assert.equal(result.modelArtifactsInfo.weightDataBytes, 123);
    assert.equal(result.modelArtifactsInfo.dateSaved.getTime(), dateSaved.getTime());
    assert.equal(JSON.stringify(ours.modelTopology), JSON.stringify(artifacts.modelTopology));
    assert.deepEqual(ours.weightSpecs, artifacts.weightSpecs);
    assert.deepEqual(bytesOf(joinBytes(ours.weightData)), bytesOf(joinBytes(artifacts.weightData)));
    assert.equal(ours.format, 'layers-model');
    // And a handler error reaches model.save's caller.
    const boom = new Error('disk full');
    await assert.rejects(model.save(ma.withSaveHandler(async () => { throw boom; })), e => e === boom || e.cause === boom);
  });

  for (const dtype of ['float16', 'uint16', 'uint8']) {
    it(`quantizeArtifacts(${dtype}) + shardArtifacts(1000 B) loads in tfjs and predicts within the bound`, async () => {
      const q = ma.quantizeArtifacts(artifacts, {dtype});
      assert.ok(q.weightSpecs.every(s => s.quantization?.dtype === dtype));
      const sharded = ma.shardArtifacts(q, {shardSizeBytes: 1000});
      const total = joinBytes(q.weightData).byteLength;
      assert.equal(sharded.files.length, Math.ceil(total / 1000));
      assert.ok(sharded.files.length >= 2, 'weights straddle shards');
      const specs = tf.io.getWeightSpecs(sharded.modelJSON.weightsManifest);
      const loaded = tf.io.getModelArtifactsForJSONSync(sharded.modelJSON, specs, sharded.files.map(f => f.data));
      const got = await predictWith(loaded);

      // Reference: the original architecture with tfjs's own dequantization
      // of our bytes must predict the same.
      const deq = tf.io.decodeWeights(sharded.files.map(f => f.data), specs);
      const ref = buildModel();
      ref.setWeights(specs.map(s => deq[s.name]));
      const refOut = ref.predict(input).dataSync();
      assert.ok(maxAbsDiff(got, refOut) <= 1e-6, `vs dequantized reference: ${maxAbsDiff(got, refOut)}`);

      // Bound from the per-weight quantization error: float16 half an ulp,
      // affine half a step (one step to allow for clipping).
      const orig = ma.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
      const err = {};
      for (const s of specs) {
        err[s.name] = maxAbsDiff(deq[s.name].dataSync(), orig[s.name].data);
        const bound = dtype === 'float16' ? Math.max(...orig[s.name].data.map(Math.abs)) * 2 ** -11
          : s.quantization.scale;
        assert.ok(err[s.name] <= bound + 1e-7, `${s.name}: weight error ${err[s.name]} > ${bound}`);
      }
      // Output error, first order plus the cross term: y = Wd·relu(conv(x)) + bd
      // with 18 taps per conv output, |x| <= 1, relu 1-Lipschitz.
      const [ck, cb, dk, db] = specs.map(s => err[s.name]);
      const feat = tf.model({inputs: model.inputs, outputs: model.layers[1].output}).predict(input);
      const h = feat.arraySync();
      const sumAbsH = Math.max(...h.map(row => row.reduce((a, v) => a + Math.abs(v), 0)));
      const wd = orig[specs[2].name].data; // [144, 16]
      let maxCol = 0;
      for (let k = 0; k < 16; k++) {
        let c = 0;
        for (let j = 0; j < 144; j++) c += Math.abs(wd[j * 16 + k]);
        maxCol = Math.max(maxCol, c);
      }
      const dh = 18 * ck + cb;
      const outBound = dk * sumAbsH + maxCol * dh + db + 144 * dk * dh + 1e-5;
      const outErr = maxAbsDiff(got, expectedOut);
      assert.ok(outErr <= outBound, `${dtype}: output error ${outErr} > ${outBound}`);
      feat.dispose();
      assert.ok(outErr > 0 || dtype === 'float16', 'quantization changed something');
      tf.dispose(Object.values(deq));
      ref.dispose();
    });
  }

  it('shardArtifacts(1000 B) of unquantized weights loads with exact predictions', async () => {
    const sharded = ma.shardArtifacts(artifacts, {shardSizeBytes: 1000});
    const specs = tf.io.getWeightSpecs(sharded.modelJSON.weightsManifest);
    const loaded = tf.io.getModelArtifactsForJSONSync(sharded.modelJSON, specs, sharded.files.map(f => f.data));
    same(await predictWith(loaded), expectedOut);
  });

  it('our encodeWeights output loads as the model weights', async () => {
    const named = model.getWeights().map((t, i) => ({name: artifacts.weightSpecs[i].name,
      tensor: {dtype: 'float32', shape: t.shape, data: t.dataSync()}}));
    const {data, specs} = await ma.encodeWeights(named);
    same(await predictWith({modelTopology: artifacts.modelTopology, weightSpecs: specs, weightData: data}), expectedOut);
  });

  it('quantizeArtifacts rejects bad options before touching tfjs', () => {
    throwsMa(() => ma.quantizeArtifacts(artifacts, {dtype: 'int4'}), 'E_INVALID_ARGUMENT');
  });
});
