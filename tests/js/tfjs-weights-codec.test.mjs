// Our versions of TensorFlow.js 4.22's io_utils weight tests: encodeWeights,
// decodeWeights and decodeWeightsStream (every dtype, quantization on
// decode), the fixes we make to its bugs, and every bad weight spec with its
// error code.
import {describe, it} from 'node:test';
import assert from 'node:assert/strict';
import * as ma from 'model-artifacts';
import {
  joinBytes, sha256, serializeStrings, toArrayBuffer, chunkedStream, throwsMa, rejectsMa,
  assertMaError, asU8, f32bytes, i32bytes, u16bytes, bytesOf,
} from './support/common.mjs';

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
      ? ma.decodeWeights(toArrayBuffer(bytes), specs)
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
    const buf = toArrayBuffer(f32bytes([1, 2]));
    const out = ma.decodeWeights(buf, [{name: 'v', dtype: 'float32', shape: [2]}]);
    new Float32Array(buf).fill(9);
    assert.deepEqual(Array.from(out.v.data), [1, 2]);
  });

  it('trailing bytes after the last weight are ignored (as in tfjs)', () => {
    const out = ma.decodeWeights(toArrayBuffer(f32bytes([1, 2, 3])), [{name: 'v', dtype: 'float32', shape: [2]}]);
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

// ------------------------------------------------------ edges and our fixes

describe('edge cases', () => {
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
    const out = ma.decodeWeights(toArrayBuffer(f32bytes([1, 2])), [{name: 'a', dtype: 'float32', shape: [1]},
      {name: 'a', dtype: 'float32', shape: [1]}]);
    assert.deepEqual(Array.from(out.a.data), [2]);
  });
});
