// Page-side checks for hostile-browser.test.mjs: browserFiles given files
// whose sizes are wrong, with every read of them recorded; http loads that
// must fail, with the bytes they took in. (Also loadError of browser-http.mjs.)
export {loadError} from './browser-http.mjs';

/** A load that must fail, with the most `loadedBytes` progress reported
 * (the bytes the loader took in): {code, message, loadedBytes}. */
export async function loadErrorTakingIn(ma, modelUrl, opts = {}, {stream = false} = {}) {
  let loadedBytes = 0;
  const onProgress = (f, d) => { loadedBytes = Math.max(loadedBytes, d.loadedBytes); };
  try {
    const a = await ma.http(modelUrl, {...opts, onProgress, streamWeights: stream}).load();
    if (stream) await ma.decodeWeightsStream(a.getWeightStream(), a.weightSpecs);
  } catch (e) {
    return {code: e.code, message: e.message, loadedBytes};
  }
  return {code: null, loadedBytes};
}

/** Blob parts of `n` zero bytes: one 1 MiB array, repeated. */
function megabytes(n) {
  const mib = new Uint8Array(2 ** 20);
  return [...Array(Math.floor(n / mib.length)).fill(mib), new Uint8Array(n % mib.length)];
}

/** browserFiles with model.json (`modelBytes` long when given) and a weight
 * file of `weightBytes` for a 16-byte group: {code, reads}. */
export async function filesWithSizes(ma, weightBytes, modelBytes) {
  const reads = [];
  const watched = (parts, name) => {
    const f = new File(parts, name);
    for (const method of ['text', 'arrayBuffer']) {
      const real = f[method].bind(f);
      f[method] = () => { reads.push(`${name}.${method}`); return real(); };
    }
    return f;
  };
  const mj = {modelTopology: {node: []}, weightsManifest: [{paths: ['w.bin'], weights: [{name: 'w', shape: [4], dtype: 'float32'}]}]};
  const files = [
    watched(modelBytes == null ? [JSON.stringify(mj)] : megabytes(modelBytes), 'model.json'),
    watched([new Uint8Array(weightBytes)], 'w.bin'),
  ];
  try {
    const a = await ma.browserFiles(files).load();
    return {code: null, reads, bytes: a.weightData.reduce((n, b) => n + b.byteLength, 0)};
  } catch (e) {
    return {code: e.code, name: e.name, message: e.message, reads};
  }
}
