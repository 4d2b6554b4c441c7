// Our versions of TensorFlow.js 4.22's concatenateArrayBuffers (io_utils)
// and composite_array_buffer tests, with the fixes we make to its bugs.
import {describe, it} from 'node:test';
import assert from 'node:assert/strict';
import * as ma from 'model-artifacts';
import {toArrayBuffer, f32bytes, i32bytes, bytesOf} from './support/common.mjs';

// --------------------------------------------------------------- io_utils

describe('io_utils: concatenateArrayBuffers', () => {
  it('3 non-empty ArrayBuffers', () => {
    const out = ma.concatenateArrayBuffers([toArrayBuffer(new Uint8Array([1, 2, 3])), toArrayBuffer(new Uint8Array([11, 22, 33])),
      toArrayBuffer(new Uint8Array([111, 122, 133]))]);
    assert.ok(out instanceof ArrayBuffer);
    assert.deepEqual(bytesOf(out), [1, 2, 3, 11, 22, 33, 111, 122, 133]);
  });
  it('non-empty and empty ArrayBuffers', () => {
    const out = ma.concatenateArrayBuffers([toArrayBuffer(new Uint8Array([1, 2, 3])), new ArrayBuffer(0),
      new ArrayBuffer(0), toArrayBuffer(new Uint8Array([111, 122, 133]))]);
    assert.deepEqual(bytesOf(out), [1, 2, 3, 111, 122, 133]);
    const lead = ma.concatenateArrayBuffers([new ArrayBuffer(0), toArrayBuffer(new Uint8Array([4, 5]))]);
    assert.deepEqual(bytesOf(lead), [4, 5]);
  });
  it('a single ArrayBuffer (bare and in an array)', () => {
    const one = toArrayBuffer(new Uint8Array([1, 2, 3]));
    assert.deepEqual(bytesOf(ma.concatenateArrayBuffers(one)), [1, 2, 3]);
    assert.deepEqual(bytesOf(ma.concatenateArrayBuffers([one])), [1, 2, 3]);
  });
  it('zero ArrayBuffers', () => {
    const out = ma.concatenateArrayBuffers([]);
    assert.ok(out instanceof ArrayBuffer);
    assert.equal(out.byteLength, 0);
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
    assert.deepEqual(bytesOf(new ma.CompositeArrayBuffer(toArrayBuffer(new Uint8Array([4, 5]))).slice()), [4, 5]);
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
