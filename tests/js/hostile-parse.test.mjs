// Hostile model.json texts and weight data, in Node: parsing stays linear
// (a quadratic parse fails the size comparison, whatever the machine's
// speed), string weights cost memory in proportion to their input, and
// anything JSON.parse accepts in a topology or a name is accepted and kept.
import {describe, it} from 'node:test';
import assert from 'node:assert/strict';
import * as ma from 'model-artifacts';
import {manySpecs} from './support/hostile-child.mjs';
import {runHostile} from './support/fs-helpers.mjs';
import {throwsMa} from './support/common.mjs';

/** Fastest of `runs` timings of fn(), in ms. */
function fastest(fn, runs = 3) {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    fn();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

describe('parseModelJSON stays linear in the number of weight specs', () => {
  it('16x the specs costs about 16x the CPU time, in fresh processes (quadratic: 256x; the old parse: about 90x)', {timeout: 120_000}, async () => {
    // Each parse in a fresh child, so wasm memory grows from scratch as it
    // does for a user (the old parse was quadratic in its memory growth).
    // CPU time, not wall time: other work on the machine barely moves it.
    const parseCpu = async n => {
      let best = Infinity;
      for (let i = 0; i < 2; i++) {
        const r = await runHostile(['parse', String(n)], {heapMiB: 512, timeoutMs: 90_000});
        assert.equal(r.ok, true, JSON.stringify(r));
        best = Math.min(best, r.value.cpuMs);
      }
      return best;
    };
    const [small, large] = [await parseCpu(15_000), await parseCpu(240_000)];
    const js = [manySpecs(15_000), manySpecs(240_000)].map(t => fastest(() => JSON.parse(t)));
    assert.ok(large / small < 40, `parse CPU time grew ${(large / small).toFixed(1)}x for 16x the specs (${small.toFixed(0)} -> ${large.toFixed(0)} ms; JSON.parse ${js[0].toFixed(0)} -> ${js[1].toFixed(0)} ms)`);
  });

  it('240k specs (14 MB) in a child under a 512 MiB heap: parses, memory a small multiple of the text', async () => {
    const r = await runHostile(['parse', '240000'], {heapMiB: 512, timeoutMs: 60_000});
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(r.value.specs, 240_000);
    const textMiB = r.value.textBytes / 2 ** 20;
    assert.ok(r.rssMiB < 60 * textMiB + 100, `peak RSS ${r.rssMiB} MiB for ${textMiB.toFixed(1)} MiB of text`);
  });
});

describe('string weights: memory in proportion to the input', () => {
  it('a [4Mi] string weight of empty strings (16 MiB): decodes in a child under a 1 GiB heap, well under 1 GiB RSS', async () => {
    const r = await runHostile(['strings', String(4 * 2 ** 20)], {heapMiB: 1024, timeoutMs: 60_000});
    assert.equal(r.ok, true, JSON.stringify(r));
    assert.equal(r.value.elements, 4 * 2 ** 20);
    assert.ok(r.rssMiB < 900, `peak RSS ${r.rssMiB} MiB (the old decode: 1.6 GB)`);
  });

  it('string elements are exact, independent views (writes to one do not reach another)', () => {
    const enc = new TextEncoder();
    const parts = ['ab', '', 'здраво'].map(s => enc.encode(s));
    const bytes = new Uint8Array(parts.reduce((n, p) => n + 4 + p.length, 0));
    const view = new DataView(bytes.buffer);
    let at = 0;
    for (const p of parts) { view.setUint32(at, p.length, true); bytes.set(p, at + 4); at += 4 + p.length; }
    const {s} = ma.decodeWeights(bytes.buffer, [{name: 's', shape: [3], dtype: 'string'}]);
    assert.deepEqual(s.data.map(d => new TextDecoder().decode(d)), ['ab', '', 'здраво']);
    s.data[0].fill(0);
    assert.equal(new TextDecoder().decode(s.data[2]), 'здраво');
    assert.equal(s.data[1].length, 0);
    throwsMa(() => ma.decodeWeights(bytes.buffer.slice(0, 9), [{name: 's', shape: [3], dtype: 'string'}]), 'E_STRING_OVERRUN');
  });
});

describe('anything JSON.parse accepts in a topology or a name is accepted and kept', () => {
  const deep = n => `${'['.repeat(n)}${']'.repeat(n)}`;
  const modelText = (topology, name) => `{"modelTopology": ${topology}, "weightsManifest": [{"paths": ["w.bin"],
    "weights": [{"name": ${JSON.stringify(name)}, "shape": [2], "dtype": "float32"}]}]}`;

  it('a topology nested 100,000 deep (the old parse stopped at 128)', () => {
    const text = modelText(`{"a": ${deep(100_000)}}`, 'w');
    const parsed = ma.parseModelJSON(text);
    let depth = 0;
    for (let v = parsed.modelTopology.a; Array.isArray(v); v = v[0]) depth++;
    assert.equal(depth, 100_000);
  });

  it('a lone surrogate in a weight name and in the topology, through parse, load and decode', async () => {
    const name = 'dense\ud800/kernel';
    const text = modelText('{"s": "\\udfff"}', name);
    const parsed = ma.parseModelJSON(text);
    assert.equal(parsed.modelTopology.s, '\udfff');
    assert.equal(parsed.weightsManifest[0].weights[0].name, name);
    const weights = new Float32Array([1, 2]).buffer;
    const artifacts = await ma.getModelArtifactsForJSON(parsed, async m => [ma.getWeightSpecs(m), weights]);
    const decoded = ma.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
    assert.deepEqual(Object.keys(decoded), [name]);
    assert.deepEqual(Array.from(decoded[name].data), [1, 2]);
    const q = ma.quantizeArtifacts(artifacts, {dtype: 'float16'});
    assert.equal(q.weightSpecs[0].name, name, 'quantizing keeps the name');
  });

  it('syntax errors are still E_INVALID_JSON, shapes E_INVALID_MODEL_JSON', () => {
    throwsMa(() => ma.parseModelJSON('{"modelTopology": ['), 'E_INVALID_JSON');
    throwsMa(() => ma.parseModelJSON('<html>'), 'E_INVALID_JSON');
    throwsMa(() => ma.parseModelJSON('[1, 2]'), 'E_INVALID_MODEL_JSON');
    throwsMa(() => ma.parseModelJSON('{"format": "x"}'), 'E_INVALID_MODEL_JSON');
  });
});
