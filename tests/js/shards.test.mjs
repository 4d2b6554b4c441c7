// The one shard path (src/handlers/shards.rs) as browserFiles uses it, in
// Node over real File objects: the sha256 a manifest lists is checked for
// picked files as for http and file://, and onProgress reports the weight
// bytes. (http and file:// are tested in http.test.mjs and fs.test.mjs;
// browserFiles in the browsers in files-browser.test.mjs.)
import {describe, it} from 'node:test';
import assert from 'node:assert/strict';
import {createHash} from 'node:crypto';
import * as ma from 'model-artifacts';
import {rejectsMa} from './support/common.mjs';

const hex = bytes => createHash('sha256').update(bytes).digest('hex');
const shards = [new Float32Array([1, 2, 3]), new Float32Array([4, 5, 6, 7])].map(a => new Uint8Array(a.buffer));
const picked = (hashes, files = shards) => {
  const manifest = [{paths: ['a.bin', 'b.bin'], weights: [{name: 'w', dtype: 'float32', shape: [7]}], sha256: hashes}];
  const json = new File([JSON.stringify({modelTopology: {}, weightsManifest: manifest})], 'model.json');
  return [json, new File([files[0]], 'a.bin'), new File([files[1]], 'b.bin')];
};

describe('browserFiles on the shard path', () => {
  it('files matching their sha256 load; one flipped byte is E_INTEGRITY naming that file', async () => {
    const hashes = shards.map(hex);
    const loaded = await ma.browserFiles(picked(hashes)).load();
    assert.deepEqual(Array.from(ma.decodeWeights(loaded.weightData, loaded.weightSpecs).w.data), [1, 2, 3, 4, 5, 6, 7]);
    const flipped = shards[1].slice();
    flipped[5] ^= 1;
    const e = await rejectsMa(() => ma.browserFiles(picked(hashes, [shards[0], flipped])).load(), 'E_INTEGRITY', ['b.bin']);
    assert.equal(e.path, 'b.bin');
  });

  it('onProgress counts the weight bytes up to 1', async () => {
    const seen = [];
    await ma.browserFiles(picked(undefined), {onProgress: (fraction, details) => seen.push([fraction, details.loadedBytes])}).load();
    assert.ok(seen.length >= 2, JSON.stringify(seen));
    assert.deepEqual(seen.at(-1), [1, 28]);
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i][0] >= seen[i - 1][0], 'never backwards');
  });
});
