// Our versions of TensorFlow.js 4.22's own io tests (io_utils,
// composite_array_buffer, passthrough, router_registry), the fixes we make
// to its bugs, every bad input with its error code, and quantizeArtifacts /
// shardArtifacts.
import {describe, it, before} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as ma from 'model-artifacts';
import {
  FIXTURES_DIR, loadFixture, joinBytes, sha256, serializeStrings, toArrayBuffer, chunkedStream,
  throwsMa, rejectsMa, assertMaError, asU8,
} from './support/common.mjs';

const f32bytes = a => new Uint8Array(new Float32Array(a).buffer);
const i32bytes = a => new Uint8Array(new Int32Array(a).buffer);
const u16bytes = a => new Uint8Array(new Uint16Array(a).buffer);
const ab = u8 => toArrayBuffer(asU8(u8));
const bytesOf = x => Array.from(asU8(x));

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

// --------------------------------------------------------------- io_utils

describe('io_utils: encodeWeights', () => {
  it('float32 tensors as a NamedTensorMap', async () => {
    const {data, specs} = await ma.encodeWeights({
      x1: {dtype: 'float32', shape: [2, 2], data: new Float32Array([10, 20, 30, 40])},
      x2: {dtype: 'float32', shape: [], data: [42]},
      x3: {dtype: 'float32', shape: [4], data: [-1.3, -3.7, 1.3, 3.7]},
    });
    assert.ok(data instanceof ArrayBuffer);
    assert.equal(data.byteLength, 4 * 9);
    assert.deepEqual(bytesOf(data), bytesOf(f32bytes([10, 20, 30, 40, 42, -1.3, -3.7, 1.3, 3.7])));
    assert.deepEqual(specs, [
      {name: 'x1', dtype: 'float32', shape: [2, 2]},
      {name: 'x2', dtype: 'float32', shape: []},
      {name: 'x3', dtype: 'float32', shape: [4]},
    ]);
  });

  it('float32 tensors as a NamedTensor array', async () => {
    const {data, specs} = await ma.encodeWeights([
      {name: 'x1234', tensor: {dtype: 'float32', shape: [], data: [42]}},
      {name: 'a42', tensor: {dtype: 'float32', shape: [2, 2], data: [10, 20, 30, 40]}},
    ]);
    assert.deepEqual(bytesOf(data), bytesOf(f32bytes([42, 10, 20, 30, 40])));
    assert.deepEqual(specs, [
      {name: 'x1234', dtype: 'float32', shape: []},
      {name: 'a42', dtype: 'float32', shape: [2, 2]},
    ]);
  });

  it('an empty NamedTensor array', async () => {
    const {data, specs} = await ma.encodeWeights([]);
    assert.ok(data instanceof ArrayBuffer);
    assert.equal(data.byteLength, 0);
    assert.deepEqual(specs, []);
  });

  it('int32, bool and complex64 tensors', async () => {
    const {data, specs} = await ma.encodeWeights({
      i: {dtype: 'int32', shape: [3], data: new Int32Array([1, -2, 2147483647])},
      b: {dtype: 'bool', shape: [4], data: [true, false, false, true]},
      c: {dtype: 'complex64', shape: [2], data: new Float32Array([1, 2, 3, 4])},
    });
    assert.deepEqual(specs, [
      {name: 'i', dtype: 'int32', shape: [3]},
      {name: 'b', dtype: 'bool', shape: [4]},
      {name: 'c', dtype: 'complex64', shape: [2]},
    ]);
    assert.deepEqual(bytesOf(data), [...bytesOf(i32bytes([1, -2, 2147483647])), 1, 0, 0, 1,
      ...bytesOf(f32bytes([1, 2, 3, 4]))]);
  });

  it('string tensors: exact byte layout with Cyrillic and CJK', async () => {
    const {data, specs} = await ma.encodeWeights({
      x1: {dtype: 'string', shape: [2, 2], data: ['a', 'bc', 'def', 'g']},
      x2: {dtype: 'string', shape: [], data: ['']},
      x3: {dtype: 'string', shape: [2], data: ['здраво', 'поздрав']},
      x4: {dtype: 'string', shape: [], data: ['正常']},
      x5: {dtype: 'string', shape: [], data: [new TextEncoder().encode('hello')]},
    });
    assert.equal(data.byteLength, 80);
    const want = joinBytes([
      serializeStrings(['a', 'bc', 'def', 'g']), serializeStrings(['']),
      serializeStrings(['здраво', 'поздрав']), serializeStrings(['正常']), serializeStrings(['hello']),
    ]);
    assert.deepEqual(bytesOf(data), Array.from(want));
    // tfjs test's exact offsets: x1 is 23 bytes, x2 4, x3 34, x4 10, x5 9.
    assert.deepEqual(bytesOf(data.slice(23, 27)), [0, 0, 0, 0]);
    assert.deepEqual(bytesOf(data.slice(27, 31)), [12, 0, 0, 0]);
    assert.deepEqual(specs.map(s => [s.name, s.dtype, s.shape]), [
      ['x1', 'string', [2, 2]], ['x2', 'string', []], ['x3', 'string', [2]], ['x4', 'string', []],
      ['x5', 'string', []],
    ]);
  });

  it('mixed dtypes, group, and Object.keys order (integer-like keys first)', async () => {
    const {data, specs} = await ma.encodeWeights({
      b: {dtype: 'float32', shape: [1], data: [1.5]},
      2: {dtype: 'int32', shape: [1], data: [7]},
      1: {dtype: 'bool', shape: [2], data: [1, 0]},
      s: {dtype: 'string', shape: [1], data: ['z']},
    }, 'optimizer');
    assert.deepEqual(specs, [
      {name: '1', dtype: 'bool', shape: [2], group: 'optimizer'},
      {name: '2', dtype: 'int32', shape: [1], group: 'optimizer'},
      {name: 'b', dtype: 'float32', shape: [1], group: 'optimizer'},
      {name: 's', dtype: 'string', shape: [1], group: 'optimizer'},
    ]);
    assert.deepEqual(bytesOf(data), [1, 0, ...bytesOf(i32bytes([7])), ...bytesOf(f32bytes([1.5])),
      1, 0, 0, 0, 122]);
  });

  it('a TypedArray view with a non-zero byteOffset encodes only its own bytes', async () => {
    const backing = new Float32Array([99, 1, 2, 3, 99]);
    const view = backing.subarray(1, 4);
    const {data} = await ma.encodeWeights({v: {dtype: 'float32', shape: [3], data: view}});
    assert.deepEqual(bytesOf(data), bytesOf(f32bytes([1, 2, 3])));
  });

  it('round-trips through decodeWeights', async () => {
    const tensors = {
      f: {dtype: 'float32', shape: [2, 3], data: new Float32Array([0, -0, 1e-40, 3.4e38, -1, 0.5])},
      i: {dtype: 'int32', shape: [2], data: new Int32Array([-2147483648, 5])},
      b: {dtype: 'bool', shape: [3], data: new Uint8Array([0, 1, 1])},
      c: {dtype: 'complex64', shape: [1], data: new Float32Array([7, -8])},
      s: {dtype: 'string', shape: [3], data: ['', 'naïve ☃', '\u{1F600}']},
    };
    const {data, specs} = await ma.encodeWeights(tensors);
    const out = ma.decodeWeights(data, specs);
    assert.ok(out.f.data instanceof Float32Array);
    assert.deepEqual(bytesOf(out.f.data), bytesOf(tensors.f.data));
    assert.ok(out.i.data instanceof Int32Array);
    assert.deepEqual(Array.from(out.i.data), [-2147483648, 5]);
    assert.ok(out.b.data instanceof Uint8Array);
    assert.deepEqual(Array.from(out.b.data), [0, 1, 1]);
    assert.ok(out.c.data instanceof Float32Array);
    assert.deepEqual(Array.from(out.c.data), [7, -8]);
    assert.deepEqual(out.s.data.map(u => new TextDecoder().decode(u)), ['', 'naïve ☃', '\u{1F600}']);
    assert.deepEqual(out.f.shape, [2, 3]);
    assert.deepEqual(out.s.shape, [3]);
  });

  it('bad tensors reject with typed errors naming the weight', async () => {
    await rejectsMa(() => ma.encodeWeights({w16: {dtype: 'int16', shape: [1], data: [1]}}),
      'E_UNSUPPORTED_DTYPE', ['w16', 'int16']);
    await rejectsMa(() => ma.encodeWeights({short: {dtype: 'float32', shape: [3], data: [1, 2]}}),
      ['E_INVALID_ARGUMENT', 'E_INVALID_WEIGHT_SPEC'], ['short']);
    await rejectsMa(() => ma.encodeWeights({neg: {dtype: 'float32', shape: [-1], data: []}}),
      ['E_INVALID_WEIGHT_SPEC', 'E_INVALID_ARGUMENT'], ['neg']);
    await rejectsMa(() => ma.encodeWeights(42), 'E_INVALID_ARGUMENT');
  });
});

describe('io_utils: decodeWeights', () => {
  // The tfjs "mixed dtype tensors" case: float32, int32, bool, string,
  // complex64 in one buffer.
  const mixedSpecs = [
    {name: 'x1', dtype: 'int32', shape: [3]},
    {name: 'x2', dtype: 'float32', shape: [2]},
    {name: 'x3', dtype: 'bool', shape: [2, 2]},
    {name: 'x4', dtype: 'string', shape: [2]},
    {name: 'x5', dtype: 'complex64', shape: [2]},
  ];
  const mixedBytes = joinBytes([i32bytes([1, 2, 3]), f32bytes([-7.25, 1e30]), new Uint8Array([1, 0, 0, 1]),
    serializeStrings(['здраво', 'a']), f32bytes([1, 2, 3, 4])]);
  const checkMixed = out => {
    assert.deepEqual(Array.from(out.x1.data), [1, 2, 3]);
    assert.ok(out.x1.data instanceof Int32Array);
    assert.deepEqual(Array.from(out.x2.data), [-7.25, Math.fround(1e30)]);
    assert.deepEqual(Array.from(out.x3.data), [1, 0, 0, 1]);
    assert.deepEqual(out.x3.shape, [2, 2]);
    assert.equal(out.x3.dtype, 'bool');
    assert.deepEqual(out.x4.data.map(u => new TextDecoder().decode(u)), ['здраво', 'a']);
    assert.deepEqual(Array.from(out.x5.data), [1, 2, 3, 4]);
    assert.equal(out.x5.dtype, 'complex64');
    assert.deepEqual(out.x5.shape, [2]);
  };

  const quantCases = () => {
    const q8 = new Uint8Array([0, 48, 255]);
    return [
      ['uint8 → float32', {name: 'w', dtype: 'float32', shape: [3],
        quantization: {dtype: 'uint8', min: -1, scale: 0.1}}, q8,
      Float32Array, [-1, 3.8, 24.5].map(Math.fround)],
      ['uint8 → int32', {name: 'w', dtype: 'int32', shape: [3],
        quantization: {dtype: 'uint8', min: -1, scale: 0.1}}, q8, Int32Array, [-1, 4, 25]],
      ['uint16 → float32', {name: 'w', dtype: 'float32', shape: [3],
        quantization: {dtype: 'uint16', min: -1, scale: 0.1}}, u16bytes([0, 48, 65535]),
      Float32Array, [-1, 48 * 0.1 - 1, 65535 * 0.1 - 1].map(Math.fround)],
      ['uint16 → int32', {name: 'w', dtype: 'int32', shape: [3],
        quantization: {dtype: 'uint16', min: -1, scale: 0.1}}, u16bytes([0, 48, 65535]),
      Int32Array, [-1, 4, 6553]],
      // JS Math.round: half rounds up, towards +Infinity (-2.5 → -2, 2.5 → 3).
      ['uint8 → int32, Math.round halves', {name: 'w', dtype: 'int32', shape: [4],
        quantization: {dtype: 'uint8', min: -3.5, scale: 1}}, new Uint8Array([1, 6, 0, 3]),
      Int32Array, [-2, 3, -3, 0]],
      // f64 arithmetic, then one rounding to f32.
      ['uint8 → float32 in f64', {name: 'w', dtype: 'float32', shape: [2],
        quantization: {dtype: 'uint8', min: 0.1, scale: 0.2}}, new Uint8Array([3, 255]),
      Float32Array, [Math.fround(3 * 0.2 + 0.1), Math.fround(255 * 0.2 + 0.1)]],
      ['float16 → float32', {name: 'w', dtype: 'float32', shape: [3],
        quantization: {dtype: 'float16'}}, u16bytes([13312, 14336, 14848]),
      Float32Array, [0.25, 0.5, 0.75]],
    ];
  };

  for (const mode of ['from arraybuffer', 'from stream']) {
    const decode = async (bytes, specs) => mode === 'from arraybuffer'
      ? ma.decodeWeights(ab(bytes), specs)
      : ma.decodeWeightsStream(chunkedStream(asU8(bytes), 14), specs);

    describe(mode, () => {
      it('mixed dtype tensors', async () => {
        checkMixed(await decode(mixedBytes, mixedSpecs));
      });

      it('unsupported dtype raises a typed error', async () => {
        const specs = [{name: 'ok', dtype: 'float32', shape: [1]}, {name: 'bad16', dtype: 'int16', shape: [1]}];
        let err;
        try { await decode(new Uint8Array(8), specs); } catch (e) { err = e; }
        assertMaError(err, 'E_UNSUPPORTED_DTYPE', ['bad16', 'int16']);
        assert.equal(err.weight, 'bad16');
      });

      for (const [label, spec, bytes, Cls, want] of quantCases()) {
        it(`quantization ${label}`, async () => {
          const out = await decode(bytes, [spec]);
          assert.ok(out.w.data instanceof Cls, `${Cls.name}, got ${out.w.data.constructor.name}`);
          assert.equal(out.w.dtype, spec.dtype);
          assert.deepEqual(Array.from(out.w.data), want);
        });
      }

      it('float16 is bit-exact IEEE binary16 for all 65536 values (NaN payloads kept)', async () => {
        const all = new Uint16Array(65536);
        for (let i = 0; i < 65536; i++) all[i] = i;
        const out = await decode(new Uint8Array(all.buffer), [{name: 'h', dtype: 'float32', shape: [65536],
          quantization: {dtype: 'float16', original_dtype: 'float32'}}]);
        const bits = new Uint32Array(out.h.data.buffer, out.h.data.byteOffset, 65536);
        const f = new Float32Array(1);
        const fb = new Uint32Array(f.buffer);
        let bad = 0;
        let firstBad = null;
        for (let h = 0; h < 65536; h++) {
          const s = h >> 15;
          const e = (h >> 10) & 31;
          const m = h & 1023;
          let want;
          if (e === 31 && m !== 0) {
            want = ((s << 31) | 0x7f800000 | (m << 13)) >>> 0;
          } else {
            const sign = s ? -1 : 1;
            f[0] = e === 0 ? sign * m * 2 ** -24 : e === 31 ? sign * Infinity : sign * (1 + m / 1024) * 2 ** (e - 15);
            want = fb[0];
          }
          if (bits[h] !== want) { bad++; firstBad ??= [h, bits[h], want]; }
        }
        assert.equal(bad, 0, `mismatches, first: ${JSON.stringify(firstBad)}`);
      });

      it('empty weights and scalars', async () => {
        const out = await decode(f32bytes([5]), [
          {name: 'e', dtype: 'float32', shape: [0, 3]},
          {name: 's', dtype: 'float32', shape: []},
          {name: 'es', dtype: 'string', shape: [0]},
        ]);
        assert.equal(out.e.data.length, 0);
        assert.deepEqual(out.e.shape, [0, 3]);
        assert.deepEqual(Array.from(out.s.data), [5]);
        assert.deepEqual(out.s.shape, []);
        assert.deepEqual(out.es.data, []);
      });

      it('too-short data rejects with E_WEIGHT_DATA_TOO_SHORT naming the weight', async () => {
        const specs = [{name: 'first', dtype: 'float32', shape: [2]}, {name: 'second/w', dtype: 'float32', shape: [3]}];
        let err;
        try { await decode(new Uint8Array(8 + 11), specs); } catch (e) { err = e; }
        assertMaError(err, 'E_WEIGHT_DATA_TOO_SHORT', ['second/w']);
        assert.equal(err.weight, 'second/w');
        err = undefined;
        try { await decode(new Uint8Array(0), [{name: 'q8', dtype: 'float32', shape: [4],
          quantization: {dtype: 'uint8', min: 0, scale: 1}}]); } catch (e) { err = e; }
        assertMaError(err, 'E_WEIGHT_DATA_TOO_SHORT', ['q8']);
      });

      it('string lengths past the data reject with E_STRING_OVERRUN', async () => {
        const bytes = joinBytes([serializeStrings(['ok']), new Uint8Array([100, 0, 0, 0, 65, 66, 67])]);
        let err;
        try { await decode(bytes, [{name: 'words', dtype: 'string', shape: [2]}]); } catch (e) { err = e; }
        assertMaError(err, 'E_STRING_OVERRUN', ['words']);
        assert.equal(err.weight, 'words');
        // A length prefix of 0xFFFFFFFF must not allocate 4 GiB.
        err = undefined;
        try { await decode(new Uint8Array([255, 255, 255, 255, 1]), [{name: 'huge', dtype: 'string', shape: [1]}]); }
        catch (e) { err = e; }
        assertMaError(err, 'E_STRING_OVERRUN', ['huge']);
        // The length prefix itself cut short.
        err = undefined;
        try { await decode(new Uint8Array([1, 0]), [{name: 'cut', dtype: 'string', shape: [1]}]); } catch (e) { err = e; }
        assertMaError(err, ['E_STRING_OVERRUN', 'E_WEIGHT_DATA_TOO_SHORT'], ['cut']);
      });
    });
  }

  it('decodeWeights accepts a TypedArray[] of views and respects byteOffset', () => {
    const a = new Uint8Array(20).fill(0xEE);
    a.set(i32bytes([1, 2]).subarray(0, 5), 3);
    const b = new Uint8Array(20).fill(0xEE);
    b.set(i32bytes([1, 2]).subarray(5), 9);
    const out = ma.decodeWeights([a.subarray(3, 8), b.subarray(9, 12)], [{name: 'v', dtype: 'int32', shape: [2]}]);
    assert.deepEqual(Array.from(out.v.data), [1, 2]);
  });

  it('decodeWeights returns data whose buffers are independent of the input', () => {
    const buf = ab(f32bytes([1, 2]));
    const out = ma.decodeWeights(buf, [{name: 'v', dtype: 'float32', shape: [2]}]);
    new Float32Array(buf).fill(9);
    assert.deepEqual(Array.from(out.v.data), [1, 2]);
  });

  it('trailing bytes after the last weight are ignored (as in tfjs)', () => {
    const out = ma.decodeWeights(ab(f32bytes([1, 2, 3])), [{name: 'v', dtype: 'float32', shape: [2]}]);
    assert.deepEqual(Array.from(out.v.data), [1, 2]);
  });

  it('decodeWeightsStream: an erroring stream rejects with E_STREAM and the cause', async () => {
    const boom = new Error('network went away');
    let n = 0;
    const stream = new ReadableStream({
      pull(c) { if (n++ === 0) c.enqueue(new Uint8Array(4)); else c.error(boom); },
    });
    const err = await rejectsMa(() => ma.decodeWeightsStream(stream, [{name: 'w', dtype: 'float32', shape: [4]}]),
      'E_STREAM');
    assert.equal(err.cause, boom);
  });

  it('decodeWeightsStream: a chunk that is not bytes rejects with a typed error', async () => {
    const stream = new ReadableStream({start(c) { c.enqueue('not bytes'); c.close(); }});
    await rejectsMa(() => ma.decodeWeightsStream(stream, [{name: 'w', dtype: 'float32', shape: [1]}]),
      ['E_STREAM', 'E_INVALID_ARGUMENT']);
  });

  it('decodeWeightsStream: a bad spec rejects before reading', async () => {
    await rejectsMa(() => ma.decodeWeightsStream(chunkedStream(new Uint8Array(4), 4),
      [{name: 'w', dtype: 'int16', shape: [1]}]), 'E_UNSUPPORTED_DTYPE', ['w']);
  });

  it('decodeWeightsStream: not a stream rejects with E_INVALID_ARGUMENT', async () => {
    await rejectsMa(() => ma.decodeWeightsStream(new ArrayBuffer(4), [{name: 'w', dtype: 'float32', shape: [1]}]),
      'E_INVALID_ARGUMENT');
  });

  it('decodeWeightsStream: one large tensor in 64 KiB chunks is not quadratic', async () => {
    // 16 MiB float32 tensor; tfjs 4.22 needs ~1.5 s here. Generous bound.
    const n = 4 * 1024 * 1024;
    const src = new Float32Array(n);
    for (let i = 0; i < n; i++) src[i] = i;
    const t0 = performance.now();
    const out = await ma.decodeWeightsStream(chunkedStream(new Uint8Array(src.buffer), 65536),
      [{name: 'big', dtype: 'float32', shape: [n]}]);
    const ms = performance.now() - t0;
    assert.equal(out.big.data.length, n);
    assert.equal(out.big.data[n - 1], n - 1);
    assert.equal(sha256(out.big.data), sha256(src));
    assert.ok(ms < 10_000, `took ${ms} ms`);
  });
});

describe('io_utils: bad weight specs', () => {
  const buf = new ArrayBuffer(64);
  const dec = specs => () => ma.decodeWeights(buf, specs);

  it('unknown dtype → E_UNSUPPORTED_DTYPE', () => {
    for (const dtype of ['int16', 'float16', 'uint8', 'float64', 'int64']) {
      const err = throwsMa(dec([{name: 'wd', dtype, shape: [1]}]), 'E_UNSUPPORTED_DTYPE', ['wd', dtype]);
      assert.equal(err.weight, 'wd');
    }
  });

  it('unknown quantization dtype → E_UNSUPPORTED_QUANTIZATION', () => {
    throwsMa(dec([{name: 'wq', dtype: 'float32', shape: [1], quantization: {dtype: 'int8', min: 0, scale: 1}}]),
      'E_UNSUPPORTED_QUANTIZATION', ['wq', 'int8']);
  });

  it('missing / non-finite scale or min, or quantization: null → E_INVALID_QUANTIZATION', () => {
    const bad = [
      {dtype: 'uint8', min: 0},
      {dtype: 'uint8', scale: 1},
      {dtype: 'uint16'},
      {dtype: 'uint8', min: 0, scale: NaN},
      {dtype: 'uint8', min: Infinity, scale: 1},
      {dtype: 'uint16', min: 0, scale: -Infinity},
      {dtype: 'uint8', min: '0', scale: 1},
      null,
    ];
    for (const quantization of bad) {
      const err = throwsMa(dec([{name: 'wm', dtype: 'float32', shape: [1], quantization}]),
        'E_INVALID_QUANTIZATION', ['wm']);
      assert.equal(err.weight, 'wm', JSON.stringify(quantization));
    }
  });

  it('float16 on an int32 weight → E_INVALID_QUANTIZATION', () => {
    throwsMa(dec([{name: 'wi', dtype: 'int32', shape: [1], quantization: {dtype: 'float16'}}]),
      'E_INVALID_QUANTIZATION', ['wi']);
  });

  it('affine quantization of a bool or string weight is rejected', () => {
    for (const dtype of ['bool', 'string']) {
      throwsMa(dec([{name: 'wb', dtype, shape: [1], quantization: {dtype: 'uint8', min: 0, scale: 1}}]),
        ['E_INVALID_QUANTIZATION', 'E_UNSUPPORTED_DTYPE'], ['wb']);
    }
  });

  it('negative, non-integer or non-number dims → E_INVALID_WEIGHT_SPEC', () => {
    for (const shape of [[-1], [2, -3], [1.5], [2, 0.5], ['3'], [null], [NaN], [Infinity]]) {
      const err = throwsMa(dec([{name: 'ws', dtype: 'float32', shape}]), 'E_INVALID_WEIGHT_SPEC', ['ws']);
      assert.equal(err.weight, 'ws', JSON.stringify(shape));
    }
    throwsMa(dec([{name: 'ns', dtype: 'float32', shape: 3}]), 'E_INVALID_WEIGHT_SPEC', ['ns']);
    throwsMa(dec([{name: 'nos', dtype: 'float32'}]), 'E_INVALID_WEIGHT_SPEC', ['nos']);
    throwsMa(dec([{dtype: 'float32', shape: [1]}]), 'E_INVALID_WEIGHT_SPEC');
  });

  it('element count overflow → E_SHAPE_OVERFLOW (no huge allocation)', () => {
    throwsMa(dec([{name: 'wo', dtype: 'float32', shape: [2 ** 40, 2 ** 40]}]), 'E_SHAPE_OVERFLOW', ['wo']);
    throwsMa(dec([{name: 'wo2', dtype: 'int32', shape: [2 ** 31, 2 ** 31, 2 ** 31]}]), 'E_SHAPE_OVERFLOW', ['wo2']);
    throwsMa(dec([{name: 'ws3', dtype: 'string', shape: [2 ** 40, 2 ** 40]}]), 'E_SHAPE_OVERFLOW', ['ws3']);
    // Representable element count, but far more bytes than given: must fail
    // fast without allocating.
    throwsMa(dec([{name: 'wbig', dtype: 'float32', shape: [2 ** 26, 2 ** 26]}]),
      ['E_SHAPE_OVERFLOW', 'E_WEIGHT_DATA_TOO_SHORT'], ['wbig']);
    throwsMa(dec([{name: 'wbig2', dtype: 'float32', shape: [2 ** 20, 2 ** 10]}]),
      'E_WEIGHT_DATA_TOO_SHORT', ['wbig2']);
  });

  it('specs or weight data of the wrong kind → typed errors', () => {
    throwsMa(() => ma.decodeWeights(buf, 'nope'), ['E_INVALID_ARGUMENT', 'E_INVALID_MODEL_JSON']);
    throwsMa(() => ma.decodeWeights('abc', [{name: 'w', dtype: 'float32', shape: [1]}]), 'E_INVALID_ARGUMENT');
    throwsMa(() => ma.decodeWeights([new ArrayBuffer(4), 5], [{name: 'w', dtype: 'float32', shape: [1]}]),
      'E_INVALID_ARGUMENT');
  });
});

describe('io_utils: concatenateArrayBuffers', () => {
  it('3 non-empty ArrayBuffers', () => {
    const out = ma.concatenateArrayBuffers([ab(new Uint8Array([1, 2, 3])), ab(new Uint8Array([11, 22, 33])),
      ab(new Uint8Array([111, 122, 133]))]);
    assert.ok(out instanceof ArrayBuffer);
    assert.deepEqual(bytesOf(out), [1, 2, 3, 11, 22, 33, 111, 122, 133]);
  });
  it('non-empty and empty ArrayBuffers', () => {
    const out = ma.concatenateArrayBuffers([ab(new Uint8Array([1, 2, 3])), new ArrayBuffer(0),
      new ArrayBuffer(0), ab(new Uint8Array([111, 122, 133]))]);
    assert.deepEqual(bytesOf(out), [1, 2, 3, 111, 122, 133]);
    const lead = ma.concatenateArrayBuffers([new ArrayBuffer(0), ab(new Uint8Array([4, 5]))]);
    assert.deepEqual(bytesOf(lead), [4, 5]);
  });
  it('a single ArrayBuffer (bare and in an array)', () => {
    const one = ab(new Uint8Array([1, 2, 3]));
    assert.deepEqual(bytesOf(ma.concatenateArrayBuffers(one)), [1, 2, 3]);
    assert.deepEqual(bytesOf(ma.concatenateArrayBuffers([one])), [1, 2, 3]);
  });
  it('zero ArrayBuffers', () => {
    const out = ma.concatenateArrayBuffers([]);
    assert.ok(out instanceof ArrayBuffer);
    assert.equal(out.byteLength, 0);
  });
});

describe('io_utils: isHTTPScheme', () => {
  it('matches /^https?:\\/\\// exactly', () => {
    assert.equal(ma.isHTTPScheme('http://a/b'), true);
    assert.equal(ma.isHTTPScheme('https://a/b'), true);
    assert.equal(ma.isHTTPScheme('HTTP://a/b'), false);
    assert.equal(ma.isHTTPScheme('localhost://foo'), false);
    assert.equal(ma.isHTTPScheme('foo:5000/bar'), false);
    assert.equal(ma.isHTTPScheme('file:///a'), false);
    assert.equal(ma.isHTTPScheme(' http://a'), false);
  });
});

// -------------------------------------------------- composite_array_buffer

describe('CompositeArrayBuffer', () => {
  const make = sizes => {
    let v = 0;
    return sizes.map(n => {
      const u = new Uint8Array(n);
      for (let i = 0; i < n; i++) u[i] = v++;
      return u.buffer;
    });
  };
  const range = (a, b) => Array.from({length: Math.max(0, b - a)}, (_, i) => a + i);

  for (const [label, sizes] of [['uniform [4,4,4,4,1]', [4, 4, 4, 4, 1]], ['non-uniform [3,5,4,5]', [3, 5, 4, 5]]]) {
    describe(label, () => {
      const total = sizes.reduce((a, b) => a + b, 0);
      const cab = () => new ma.CompositeArrayBuffer(make(sizes));

      it('slices across multiple buffers', () => {
        const c = cab();
        assert.equal(c.byteLength, total);
        for (let start = 0; start <= total; start++) {
          for (let end = start; end <= total; end++) {
            assert.deepEqual(bytesOf(c.slice(start, end)), range(start, end), `slice(${start}, ${end})`);
          }
        }
      });
      it("slices to the end of the array when 'end' is not specified", () => {
        assert.deepEqual(bytesOf(cab().slice(5)), range(5, total));
      });
      it('makes a copy when slice() is called with no arguments', () => {
        const bufs = make(sizes);
        const c = new ma.CompositeArrayBuffer(bufs);
        const s = c.slice();
        assert.ok(s instanceof ArrayBuffer);
        assert.deepEqual(bytesOf(s), range(0, total));
        for (const b of bufs) assert.notEqual(s, b);
        new Uint8Array(s).fill(200);
        assert.deepEqual(bytesOf(c.slice()), range(0, total));
      });
      it('slices from zero when start is negative', () => {
        assert.deepEqual(bytesOf(cab().slice(-4, 5)), range(0, 5));
      });
      it('slices to the end when end is greater than length', () => {
        assert.deepEqual(bytesOf(cab().slice(7, 1000)), range(7, total));
      });
      it('slices multiple ranges out of order', () => {
        const c = cab();
        assert.deepEqual(bytesOf(c.slice(13, 15)), [13, 14]);
        assert.deepEqual(bytesOf(c.slice(0, 2)), [0, 1]);
        assert.deepEqual(bytesOf(c.slice(9, 13)), [9, 10, 11, 12]);
        assert.deepEqual(bytesOf(c.slice(16, 17)), [16]);
        assert.deepEqual(bytesOf(c.slice(3, 9)), range(3, 9));
      });
      it('end <= start and start past the end give an empty buffer', () => {
        const c = cab();
        assert.equal(c.slice(9, 4).byteLength, 0);
        assert.equal(c.slice(9, 9).byteLength, 0);
        assert.equal(c.slice(100, 200).byteLength, 0);
      });
      it('join concatenates', () => {
        assert.deepEqual(bytesOf(ma.CompositeArrayBuffer.join(make(sizes))), range(0, total));
      });
    });
  }

  it('can be created from an empty arraybuffer', () => {
    const c = new ma.CompositeArrayBuffer(new Uint8Array([]));
    assert.equal(c.slice().byteLength, 0);
    assert.equal(c.byteLength, 0);
  });
  it('can be created from a single array', () => {
    const c = new ma.CompositeArrayBuffer(new Uint8Array([1, 2, 3]));
    assert.deepEqual(bytesOf(c.slice()), [1, 2, 3]);
    assert.deepEqual(bytesOf(new ma.CompositeArrayBuffer(ab(new Uint8Array([4, 5]))).slice()), [4, 5]);
  });
  it('can be created from zero arrays (byteLength 0, not undefined)', () => {
    const c = new ma.CompositeArrayBuffer([]);
    assert.equal(c.slice().byteLength, 0);
    assert.equal(c.byteLength, 0);
  });
  it('can be created from undefined input (byteLength 0)', () => {
    const c = new ma.CompositeArrayBuffer();
    assert.equal(c.slice().byteLength, 0);
    assert.equal(c.byteLength, 0);
    assert.equal(ma.CompositeArrayBuffer.join().byteLength, 0);
  });
  it('treats NaN as zero when passed as the start of slice', () => {
    const c = new ma.CompositeArrayBuffer(make([4, 4, 4, 4, 1]));
    assert.deepEqual(bytesOf(c.slice(NaN, 3)), [0, 1, 2]);
  });
  it('treats NaN as zero when passed as the end of slice', () => {
    const c = new ma.CompositeArrayBuffer(make([4, 4, 4, 4, 1]));
    assert.equal(c.slice(0, NaN).byteLength, 0);
  });
  it('supports TypedArray input', () => {
    const c = new ma.CompositeArrayBuffer(new Float32Array([1, 2, 3]));
    assert.deepEqual(bytesOf(c.slice()), bytesOf(f32bytes([1, 2, 3])));
    const c2 = new ma.CompositeArrayBuffer([new Float32Array([1]), new Int32Array([7, 8])]);
    assert.deepEqual(bytesOf(c2.slice()), [...bytesOf(f32bytes([1])), ...bytesOf(i32bytes([7, 8]))]);
  });
  it('fix: a TypedArray byteOffset/byteLength is respected', () => {
    const backing = new Uint8Array([9, 9, 1, 2, 3, 9, 9]);
    const c = new ma.CompositeArrayBuffer(backing.subarray(2, 5));
    assert.equal(c.byteLength, 3);
    assert.deepEqual(bytesOf(c.slice()), [1, 2, 3]);
    const f = new Float32Array([0, 1.5, 2.5, 0]).subarray(1, 3);
    const c2 = new ma.CompositeArrayBuffer([backing.subarray(2, 4), f]);
    assert.equal(c2.byteLength, 2 + 8);
    assert.deepEqual(bytesOf(c2.slice(1, 6)), [2, ...bytesOf(f32bytes([1.5])).slice(0, 4)]);
    assert.deepEqual(bytesOf(ma.CompositeArrayBuffer.join([backing.subarray(4, 6), backing.subarray(0, 1)])),
      [3, 9, 9]);
  });
  it('fix: a leading empty buffer does not turn slices into zeros', () => {
    const c = new ma.CompositeArrayBuffer([new ArrayBuffer(0), ...make([4, 4, 1])]);
    assert.equal(c.byteLength, 9);
    assert.deepEqual(bytesOf(c.slice(2, 7)), [2, 3, 4, 5, 6]);
    const c2 = new ma.CompositeArrayBuffer([...make([3]), new ArrayBuffer(0), new ArrayBuffer(0), ...make([2])]);
    assert.deepEqual(bytesOf(c2.slice()), [0, 1, 2, 0, 1]);
  });
  it('fix: an empty composite has byteLength 0 and getModelArtifactsInfoForJSON counts 0', () => {
    assert.equal(new ma.CompositeArrayBuffer([]).byteLength, 0);
    const info = ma.getModelArtifactsInfoForJSON({modelTopology: {}, weightSpecs: [], weightData: []});
    assert.equal(info.weightDataBytes, 0);
  });
});

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
    const data = ab(f32bytes([3]));
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
    const data = ab(fs.readFileSync(path.join(dir, 'model.weights.bin')));
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
  const weightData1 = ab(f32bytes([1, 2, 3, 4]));
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

// ---------------------------------------------------------- router_registry

describe('router registry', () => {
  let uniq = 0;
  const scheme = base => `${base}${process.pid}x${uniq++}`;
  class FooHandler { async save() { return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}}; } }
  class BarHandler { async load() { return {modelTopology: {bar: 1}}; } }

  it('getSaveHandlers succeeds', () => {
    const foo = scheme('foo');
    const bar = scheme('bar');
    ma.registerSaveRouter(url => (typeof url === 'string' && url.startsWith(`${foo}://`) ? new FooHandler() : null));
    ma.registerSaveRouter(url => (typeof url === 'string' && url.startsWith(`${bar}://`) ? new BarHandler() : null));
    const h1 = ma.getSaveHandlers(`${foo}:///123`);
    assert.equal(h1.length, 1);
    assert.ok(h1[0] instanceof FooHandler);
    const h2 = ma.getSaveHandlers(`${bar}:///456`);
    assert.equal(h2.length, 1);
    assert.ok(h2[0] instanceof BarHandler);
    assert.deepEqual(ma.getSaveHandlers(`${scheme('qux')}:///789`), []);
  });

  it('getLoadHandlers succeeds', () => {
    const foo = scheme('foo');
    const bar = scheme('bar');
    ma.registerLoadRouter(url => (typeof url === 'string' && url.startsWith(`${foo}://`) ? new FooHandler() : null));
    ma.registerLoadRouter(url => (typeof url === 'string' && url.startsWith(`${bar}://`) ? new BarHandler() : null));
    const h1 = ma.getLoadHandlers(`${foo}:///123`);
    assert.equal(h1.length, 1);
    assert.ok(h1[0] instanceof FooHandler);
    const h2 = ma.getLoadHandlers(`${bar}:///456`);
    assert.equal(h2.length, 1);
    assert.ok(h2[0] instanceof BarHandler);
    assert.deepEqual(ma.getLoadHandlers(`${scheme('qux')}:///789`), []);
  });

  it('getLoadHandlers with a string array argument succeeds', () => {
    const foo = scheme('arr');
    ma.registerLoadRouter(url => (Array.isArray(url) && url[0].startsWith(`${foo}://`) ? new FooHandler() : null));
    const h = ma.getLoadHandlers([`${foo}:///123`, `${foo}:///456`]);
    assert.equal(h.length, 1);
    assert.ok(h[0] instanceof FooHandler);
    assert.deepEqual(ma.getLoadHandlers(`${foo}:///123`), []);
  });

  it('getSaveHandlers does not see load routers (no crosstalk)', () => {
    const foo = scheme('loadonly');
    ma.registerLoadRouter(url => (String(url).startsWith(`${foo}://`) ? new FooHandler() : null));
    assert.deepEqual(ma.getSaveHandlers(`${foo}:///123`), []);
    assert.equal(ma.getLoadHandlers(`${foo}:///123`).length, 1);
  });

  it('getLoadHandlers passes the same loadOptions object through', () => {
    const foo = scheme('opts');
    let seen;
    ma.registerLoadRouter((url, loadOptions) => {
      if (String(url).startsWith(`${foo}://`)) { seen = loadOptions; return new BarHandler(); }
      return null;
    });
    const loadOptions = {onProgress: () => {}, fetchFunc: () => {}, strict: false};
    const h = ma.getLoadHandlers(`${foo}:///123`, loadOptions);
    assert.equal(h.length, 1);
    assert.equal(seen, loadOptions);
  });

  it('routers are called in registration order', () => {
    const foo = scheme('order');
    const a = new BarHandler();
    const b = new BarHandler();
    ma.registerLoadRouter(url => (String(url).startsWith(`${foo}://`) ? a : null));
    ma.registerLoadRouter(url => (String(url).startsWith(`${foo}://`) ? b : null));
    const h = ma.getLoadHandlers(`${foo}://m`);
    assert.equal(h.length, 2);
    assert.equal(h[0], a);
    assert.equal(h[1], b);
  });

  it('load(): one handler → its artifacts, options reach the router', async () => {
    const foo = scheme('one');
    let seen;
    ma.registerLoadRouter((url, opts) => {
      if (String(url).startsWith(`${foo}://`)) { seen = opts; return {load: async () => ({modelTopology: {one: 1}})}; }
      return null;
    });
    const a = await ma.load(`${foo}://m`, {weightPathPrefix: 'xyz/'});
    assert.deepEqual(a.modelTopology, {one: 1});
    assert.equal(seen?.weightPathPrefix, 'xyz/');
  });

  it('load(): zero handlers → E_NO_HANDLER, two → E_MULTIPLE_HANDLERS', async () => {
    const none = scheme('none');
    await rejectsMa(() => ma.load(`${none}://m`), 'E_NO_HANDLER', [`${none}://m`]);
    const two = scheme('two');
    for (let i = 0; i < 2; i++) {
      ma.registerLoadRouter(url => (String(url).startsWith(`${two}://`) ? new BarHandler() : null));
    }
    const err = await rejectsMa(() => ma.load(`${two}://m`), 'E_MULTIPLE_HANDLERS', [`${two}://m`]);
    assert.ok(/\b2\b/.test(err.message), `message gives the count: ${err.message}`);
  });

  it('load(): a handler without load() → typed error', async () => {
    const foo = scheme('saveonly');
    ma.registerLoadRouter(url => (String(url).startsWith(`${foo}://`) ? new FooHandler() : null));
    await rejectsMa(() => ma.load(`${foo}://m`), ['E_NOT_SUPPORTED', 'E_INVALID_ARGUMENT', 'E_NO_HANDLER']);
  });

  it('save(): one handler → its result; zero → E_NO_HANDLER; two → E_MULTIPLE_HANDLERS', async () => {
    const one = scheme('sone');
    let saved;
    const dateSaved = new Date();
    ma.registerSaveRouter(url => (String(url).startsWith(`${one}://`)
      ? {save: async a => { saved = a; return {modelArtifactsInfo: {dateSaved, modelTopologyType: 'JSON'}}; }}
      : null));
    const artifacts = {modelTopology: {a: 1}, weightSpecs: [], weightData: new ArrayBuffer(0)};
    const r = await ma.save(artifacts, `${one}://m`);
    assert.deepEqual(r.modelArtifactsInfo, {dateSaved, modelTopologyType: 'JSON'});
    assert.deepEqual(saved.modelTopology, {a: 1});
    const none = scheme('snone');
    await rejectsMa(() => ma.save(artifacts, `${none}://m`), 'E_NO_HANDLER', [`${none}://m`]);
    const two = scheme('stwo');
    for (let i = 0; i < 2; i++) {
      ma.registerSaveRouter(url => (String(url).startsWith(`${two}://`) ? new FooHandler() : null));
    }
    await rejectsMa(() => ma.save(artifacts, `${two}://m`), 'E_MULTIPLE_HANDLERS', [`${two}://m`]);
  });
});

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

  it('decodeWeightsStream: empty chunks, zero-size weights and an empty stream', async () => {
    const bytes = f32bytes([1, 2, 3, 4, 5]);
    const s = new ReadableStream({start(c) {
      c.enqueue(new Uint8Array(0)); c.enqueue(bytes.subarray(0, 3)); c.enqueue(new ArrayBuffer(0));
      c.enqueue(bytes.subarray(3)); c.enqueue(new Uint8Array(0)); c.close();
    }});
    const out = await ma.decodeWeightsStream(s, [{name: 'a', dtype: 'float32', shape: [2]},
      {name: 'e', dtype: 'float32', shape: [0]}, {name: 'b', dtype: 'float32', shape: [3]}]);
    assert.deepEqual(Array.from(out.a.data), [1, 2]);
    assert.equal(out.e.data.length, 0);
    assert.deepEqual(Array.from(out.b.data), [3, 4, 5]);
    const empty = () => new ReadableStream({start(c) { c.close(); }});
    assert.deepEqual(await ma.decodeWeightsStream(empty(), []), {});
    const z = await ma.decodeWeightsStream(empty(), [{name: 'z', dtype: 'string', shape: [0]}]);
    assert.deepEqual(z.z.data, []);
  });

  it('fix: decodeWeightsStream releases the stream when done or failed', async () => {
    const bytes = f32bytes([1, 2, 3]);
    const ok = new Blob([bytes]).stream();
    await ma.decodeWeightsStream(ok, [{name: 'a', dtype: 'float32', shape: [1]}]);
    assert.equal(ok.locked, false);
    const bad = new Blob([bytes]).stream();
    await rejectsMa(() => ma.decodeWeightsStream(bad, [{name: 'a', dtype: 'float32', shape: [9]}]),
      'E_WEIGHT_DATA_TOO_SHORT', ['a']);
    assert.equal(bad.locked, false);
  });

  it('decodeWeights: string shape with a huge element count fails fast on small data', () => {
    const t0 = performance.now();
    throwsMa(() => ma.decodeWeights(new ArrayBuffer(8), [{name: 'strs', dtype: 'string', shape: [2 ** 40]}]),
      ['E_STRING_OVERRUN', 'E_WEIGHT_DATA_TOO_SHORT'], ['strs']);
    assert.ok(performance.now() - t0 < 2000);
  });

  it('affine quantization of a complex64 weight → E_INVALID_QUANTIZATION', () => {
    throwsMa(() => ma.decodeWeights(new ArrayBuffer(8), [{name: 'cq', dtype: 'complex64', shape: [1],
      quantization: {dtype: 'uint8', min: 0, scale: 1}}]), 'E_INVALID_QUANTIZATION', ['cq']);
  });

  it('duplicate names: the later weight wins (as in tfjs)', () => {
    const out = ma.decodeWeights(ab(f32bytes([1, 2])), [{name: 'a', dtype: 'float32', shape: [1]},
      {name: 'a', dtype: 'float32', shape: [1]}]);
    assert.deepEqual(Array.from(out.a.data), [2]);
  });

  it('quantize: constant weights get scale 1, codes 0; views with offsets are read correctly', () => {
    const q = ma.quantizeArtifacts({weightSpecs: [{name: 'w', dtype: 'float32', shape: [3]}],
      weightData: ab(f32bytes([-2, -2, -2]))}, {dtype: 'uint8'});
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

  it('isHTTPScheme of a non-string → E_INVALID_ARGUMENT (not a TypeError)', () => {
    throwsMa(() => ma.isHTTPScheme(undefined), 'E_INVALID_ARGUMENT');
    throwsMa(() => ma.isHTTPScheme(42), 'E_INVALID_ARGUMENT');
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
