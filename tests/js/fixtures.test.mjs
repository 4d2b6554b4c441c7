// Every fixture with an expected.json (12 stored + the generated 64 MiB one),
// loaded the way tf.io.http's loader builds artifacts, checked against the
// goldens computed by the real TensorFlow.js 4.22.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import * as ma from 'model-artifacts';
import {
  fixtureNames, loadFixture, LARGE_FIXTURE, checkDecoded, chunkedStream, joinBytes, offsetView,
  sha256, toArrayBuffer, throwsMa,
} from './support/common.mjs';

const names = fixtureNames();

it('finds the 12 stored fixtures and the generated one', () => {
  assert.equal(names.length, 13, names.join(', '));
  assert.ok(names.includes(LARGE_FIXTURE));
  assert.ok(names.includes('faceapi-tiny-face-detector'));
});

for (const name of names) {
  describe(name, () => {
    let fx;
    const large = name === LARGE_FIXTURE;
    before(async () => { fx = await loadFixture(name); });
    after(() => { fx = null; });

    it('test harness: shards match expected.json', () => {
      const want = fx.expected.shards ?? null;
      if (want) {
        assert.equal(fx.shards.length, want.length);
        want.forEach((s, i) => {
          assert.equal(fx.shards[i].byteLength, s.byteLength, s.path);
          assert.equal(sha256(fx.shards[i]), s.sha256, s.path);
        });
      }
      assert.equal(fx.specs.length, fx.expected.numWeights);
    });

    it('getModelArtifactsInfoForJSON sizes equal the goldens', () => {
      const info = ma.getModelArtifactsInfoForJSON(fx.artifacts);
      assert.ok(info.dateSaved instanceof Date, 'dateSaved is a Date');
      assert.ok(!Number.isNaN(info.dateSaved.getTime()), 'dateSaved is a valid date');
      assert.ok(Math.abs(Date.now() - info.dateSaved.getTime()) < 60_000, 'dateSaved is now');
      assert.equal(info.modelTopologyType, 'JSON');
      const exp = fx.expected.artifactsInfo;
      assert.equal(info.modelTopologyBytes, exp.modelTopologyBytes, 'modelTopologyBytes');
      assert.equal(info.weightSpecsBytes, exp.weightSpecsBytes, 'weightSpecsBytes');
      assert.equal(info.weightDataBytes, exp.weightDataBytes, 'weightDataBytes');
      // The same with the weight data joined into one ArrayBuffer.
      const joined = ma.concatenateArrayBuffers(fx.shards);
      const info2 = ma.getModelArtifactsInfoForJSON({...fx.artifacts, weightData: joined});
      assert.equal(info2.weightDataBytes, exp.weightDataBytes);
      assert.equal(info2.modelTopologyBytes, exp.modelTopologyBytes);
    });

    it('concatenateArrayBuffers / CompositeArrayBuffer give the stored bytes', () => {
      const joined = ma.concatenateArrayBuffers(fx.shards);
      assert.ok(joined instanceof ArrayBuffer);
      assert.equal(joined.byteLength, fx.expected.weightData.byteLength);
      assert.equal(sha256(joined), fx.expected.weightData.sha256);
      const cab = new ma.CompositeArrayBuffer(fx.shards);
      assert.equal(cab.byteLength, fx.expected.weightData.byteLength);
      for (const w of fx.expected.weights) {
        const bytes = cab.slice(w.offset, w.offset + w.byteLength);
        assert.ok(bytes instanceof ArrayBuffer);
        assert.equal(bytes.byteLength, w.byteLength, w.name);
        assert.equal(sha256(bytes), w.storedSha256, `stored bytes of '${w.name}'`);
      }
    });

    it('decodeWeights(ArrayBuffer[] shards) matches the goldens', () => {
      checkDecoded(ma.decodeWeights(fx.shards, fx.specs), fx.expected, 'shards');
    });

    it('decodeWeights(one joined ArrayBuffer) matches the goldens', () => {
      const joined = toArrayBuffer(joinBytes(fx.shards));
      checkDecoded(ma.decodeWeights(joined, fx.specs), fx.expected, 'joined');
    });

    it('decodeWeights(Uint8Array views with a non-zero byteOffset) matches the goldens', () => {
      const views = fx.shards.map((s, i) => offsetView(s, 3 + i));
      for (const v of views) assert.ok(v.byteOffset > 0);
      checkDecoded(ma.decodeWeights(views, fx.specs), fx.expected, 'shard views');
      const one = offsetView(joinBytes(fx.shards), 13);
      checkDecoded(ma.decodeWeights(one, fx.specs), fx.expected, 'one view');
      // Inputs are not modified.
      assert.equal(sha256(joinBytes(views)), fx.expected.weightData.sha256);
    });

    it('decodeWeightsStream with odd-sized chunks matches the goldens', async () => {
      const joined = joinBytes(fx.shards);
      const chunk = large ? 64 * 1024 + 3 : joined.byteLength < 400_000 ? 14 : 4099;
      const decoded = await ma.decodeWeightsStream(chunkedStream(joined, chunk), fx.specs);
      checkDecoded(decoded, fx.expected, `stream/${chunk}`);
    });

    it('decodeWeightsStream ending one byte early rejects with E_WEIGHT_DATA_TOO_SHORT', async () => {
      const joined = joinBytes(fx.shards);
      // The last weight with stored bytes is the one that comes up short.
      const last = [...fx.expected.weights].reverse().find(w => w.byteLength > 0);
      const stopAt = last.offset + last.byteLength - 1;
      let err;
      try {
        await ma.decodeWeightsStream(chunkedStream(joined, large ? 1 << 20 : 4096, {stopAt}), fx.specs);
      } catch (e) { err = e; }
      assert.ok(err, 'rejected');
      assert.equal(err.name, 'ModelArtifactsError');
      // A string weight can also come up short inside an element.
      const codes = last.dtype === 'string' ? ['E_WEIGHT_DATA_TOO_SHORT', 'E_STRING_OVERRUN']
        : ['E_WEIGHT_DATA_TOO_SHORT'];
      assert.ok(codes.includes(err.code), `${err.code}: ${err.message}`);
      assert.ok(err.message.includes(last.name), `message names '${last.name}': ${err.message}`);
    });

    if (name !== 'faceapi-tiny-face-detector') {
      it('parseModelJSON keeps keys, order and numbers; getWeightSpecs flattens', () => {
        const parsed = ma.parseModelJSON(fx.modelText);
        assert.deepEqual(Object.keys(parsed), fx.expected.modelJson.keys);
        assert.equal(JSON.stringify(parsed), JSON.stringify(fx.modelJSON));
        assert.deepEqual(ma.getWeightSpecs(parsed.weightsManifest), fx.specs);
        // Spaced (Python) and compact (JS) JSON parse the same.
        const spaced = JSON.stringify(fx.modelJSON, null, 2);
        assert.equal(JSON.stringify(ma.parseModelJSON(spaced)), JSON.stringify(fx.modelJSON));
      });

      it('getModelArtifactsForJSONSync builds what the http loader builds', () => {
        const a = ma.getModelArtifactsForJSONSync(fx.modelJSON, fx.specs, fx.shards);
        assert.equal(JSON.stringify(a.modelTopology), JSON.stringify(fx.modelJSON.modelTopology));
        for (const k of ['modelTopology', 'format', 'generatedBy', 'convertedBy']) {
          assert.ok(k in a, `key ${k} present`);
        }
        assert.equal(a.format, fx.modelJSON.format);
        assert.equal(a.generatedBy, fx.modelJSON.generatedBy);
        assert.equal(a.convertedBy, fx.modelJSON.convertedBy);
        assert.equal('trainingConfig' in a, fx.expected.modelJson.hasTrainingConfig);
        assert.equal('signature' in a, fx.expected.modelJson.hasSignature);
        assert.equal('userDefinedMetadata' in a, fx.expected.modelJson.hasUserDefinedMetadata);
        assert.equal('modelInitializer' in a, fx.expected.modelJson.hasModelInitializer);
        assert.equal('initializerSignature' in a, fx.expected.modelJson.hasInitializerSignature);
        assert.ok(!('weightsManifest' in a), 'weightsManifest is not copied into artifacts');
        assert.deepEqual(a.weightSpecs, fx.specs);
        assert.equal(sha256(joinBytes(a.weightData)), fx.expected.weightData.sha256);
        const info = ma.getModelArtifactsInfoForJSON(a);
        assert.equal(info.modelTopologyBytes, fx.expected.artifactsInfo.modelTopologyBytes);
        assert.equal(info.weightSpecsBytes, fx.expected.artifactsInfo.weightSpecsBytes);
        assert.equal(info.weightDataBytes, fx.expected.artifactsInfo.weightDataBytes);
      });
    } else {
      it('bare manifest: getWeightSpecs flattens; parseModelJSON rejects a bare array', () => {
        assert.deepEqual(ma.getWeightSpecs(fx.manifest), fx.specs);
        throwsMa(() => ma.parseModelJSON(fx.modelText), 'E_INVALID_MODEL_JSON');
      });
    }

    if (large) {
      it('shardArtifacts with the default size reproduces the converter shards', () => {
        const joined = ma.concatenateArrayBuffers(fx.shards);
        const out = ma.shardArtifacts({...fx.artifacts, weightData: joined});
        assert.deepEqual(out.files.map(f => f.path), fx.expected.shards.map(s => s.path));
        out.files.forEach((f, i) => {
          assert.ok(f.data instanceof ArrayBuffer, 'file data is an ArrayBuffer');
          assert.equal(f.data.byteLength, 4194304);
          assert.equal(sha256(f.data), fx.expected.shards[i].sha256, f.path);
        });
        assert.deepEqual(out.modelJSON.weightsManifest,
          [{paths: fx.expected.shards.map(s => s.path), weights: fx.specs}]);
        assert.equal(JSON.stringify(out.modelJSON.modelTopology), JSON.stringify(fx.modelJSON.modelTopology));
        assert.equal(out.modelJSON.format, 'graph-model');
      });
    }
  });
}
