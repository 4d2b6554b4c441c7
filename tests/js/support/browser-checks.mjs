// Fixture checks that run inside the browser (page and worker): fetch a
// fixture folder over HTTP, build artifacts as tf.io.http does, decode with
// the package and compare every weight with expected.json using
// crypto.subtle. Returns a list of problems (empty when all is well).

const hex = buf => Array.from(new Uint8Array(buf), b => b.toString(16).padStart(2, '0')).join('');

async function sha256(view) {
  const u8 = view instanceof ArrayBuffer ? new Uint8Array(view)
    : new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  return hex(await crypto.subtle.digest('SHA-256', u8));
}

function serializeStrings(elements) {
  let total = 0;
  for (const e of elements) total += 4 + e.byteLength;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  let off = 0;
  for (const e of elements) {
    dv.setUint32(off, e.byteLength, true);
    out.set(e, off + 4);
    off += 4 + e.byteLength;
  }
  return out;
}

const TYPED = {float32: Float32Array, int32: Int32Array, bool: Uint8Array, complex64: Float32Array};

async function fetchOk(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`);
  return r;
}

/** Compares a decodeWeights-style result with expected.weights. */
export async function compareDecoded(decoded, expected, label, problems) {
  const want = new Set(expected.weights.map(w => w.name));
  const got = Object.keys(decoded);
  if (got.length !== want.size || !got.every(n => want.has(n))) {
    problems.push(`${label}: names differ: got ${got.length}, want ${want.size}`);
  }
  let checked = 0;
  for (const w of expected.weights) {
    const t = decoded[w.name];
    if (!t) { problems.push(`${label}: '${w.name}' missing`); continue; }
    if (t.dtype !== w.decoded.dtype) problems.push(`${label}: '${w.name}' dtype ${t.dtype} != ${w.decoded.dtype}`);
    if (JSON.stringify(Array.from(t.shape)) !== JSON.stringify(w.decoded.shape)) {
      problems.push(`${label}: '${w.name}' shape ${JSON.stringify(t.shape)} != ${JSON.stringify(w.decoded.shape)}`);
    }
    let digest;
    if (w.decoded.dtype === 'string') {
      if (!Array.isArray(t.data) || !t.data.every(e => e instanceof Uint8Array)) {
        problems.push(`${label}: '${w.name}' string data is not Uint8Array[]`);
        continue;
      }
      digest = await sha256(serializeStrings(t.data));
    } else {
      const Cls = TYPED[w.decoded.dtype];
      if (!(t.data instanceof Cls)) {
        problems.push(`${label}: '${w.name}' data is ${t.data?.constructor?.name}, want ${Cls.name}`);
        continue;
      }
      digest = await sha256(t.data);
    }
    if (digest !== w.decoded.sha256) problems.push(`${label}: '${w.name}' sha256 ${digest} != ${w.decoded.sha256}`);
    checked++;
  }
  return checked;
}

/** A ReadableStream over the bodies of several responses, one after another. */
function concatBodies(urls) {
  let i = 0;
  let reader = null;
  return new ReadableStream({
    async pull(controller) {
      for (;;) {
        if (!reader) {
          if (i >= urls.length) { controller.close(); return; }
          reader = (await fetchOk(urls[i++])).body.getReader();
        }
        const {done, value} = await reader.read();
        if (done) { reader = null; continue; }
        controller.enqueue(value);
        return;
      }
    },
    cancel() { return reader?.cancel(); },
  });
}

/**
 * Runs the checks for the fixture at `base` (a URL folder ending in '/').
 * Returns {problems, weights, streamWeights, info}.
 */
export async function checkFixture(ma, base, {stream = true} = {}) {
  const problems = [];
  const expected = await (await fetchOk(base + 'expected.json')).json();
  const modelText = await (await fetchOk(base + expected.modelFile)).text();
  const parsed = JSON.parse(modelText);
  const manifest = Array.isArray(parsed) ? parsed : parsed.weightsManifest;
  const paths = manifest.flatMap(g => g.paths);
  const urls = paths.map(p => new URL(p, new URL(base, location.href)).href);
  const shards = await Promise.all(urls.map(async u => (await fetchOk(u)).arrayBuffer()));
  const specs = ma.getWeightSpecs(manifest);
  let artifacts;
  if (Array.isArray(parsed)) {
    artifacts = {weightSpecs: specs, weightData: shards};
  } else {
    artifacts = {...ma.getModelArtifactsForJSONSync(ma.parseModelJSON(modelText), specs, shards)};
  }

  const info = ma.getModelArtifactsInfoForJSON(artifacts);
  if (!(info.dateSaved instanceof Date)) problems.push('info.dateSaved is not a Date');
  if (info.modelTopologyType !== 'JSON') problems.push(`modelTopologyType ${info.modelTopologyType}`);
  for (const k of ['modelTopologyBytes', 'weightSpecsBytes', 'weightDataBytes']) {
    if (info[k] !== expected.artifactsInfo[k]) problems.push(`info.${k} ${info[k]} != ${expected.artifactsInfo[k]}`);
  }

  const weights = await compareDecoded(ma.decodeWeights(shards, specs), expected, 'decodeWeights', problems);
  let streamWeights = 0;
  if (stream) {
    const decoded = await ma.decodeWeightsStream(concatBodies(urls), specs);
    streamWeights = await compareDecoded(decoded, expected, 'decodeWeightsStream', problems);
  }
  return {
    problems, weights, streamWeights, numWeights: expected.numWeights,
    info: {modelTopologyBytes: info.modelTopologyBytes, weightSpecsBytes: info.weightSpecsBytes,
      weightDataBytes: info.weightDataBytes},
  };
}
