// Page side of tests/js/files-browser.test.mjs: browserDownloads and
// browserFiles of the package next to real TensorFlow.js 4.22 (tf.min.js,
// `globalThis.tf`, cpu backend) in one page of each engine. Saves here
// trigger real downloads that the Node side collects (support/engines.mjs,
// Page.onDownload); loads read
// the File objects the Node side put into a real <input type=file multiple>
// with setInputFiles. Each function returns plain data for Node to assert on.

import {joinParts, sameBytes, sha256, withoutWeights, usePackage, rejection, thrown} from './page-helpers.mjs';

const tf = () => globalThis.tf;

const kind = v => Object.prototype.toString.call(v);

export async function setup() {
  await tf().setBackend('cpu');
  await tf().ready();
  const input = document.createElement('input');
  input.type = 'file';
  input.multiple = true;
  input.id = 'files';
  document.body.append(input);
  return {backend: tf().getBackend(), version: tf().version.tfjs};
}
const picked = () => document.getElementById('files').files;

// ------------------------------------------------------------ downloads

let model;
function buildModel() {
  model = tf().sequential();
  model.add(tf().layers.dense({units: 8, inputShape: [6], activation: 'relu'}));
  model.add(tf().layers.dense({units: 3}));
  model.setWeights(model.getWeights().map((w, i) => tf().tensor(
    Array.from({length: w.size}, (_, j) => (((j * 5 + i * 3 + 2) % 11) - 5) / 8), w.shape)));
  model.setUserDefinedMetadata({test: 'downloads'});
  return model;
}
let captured;
async function capture() {
  await model.save(tf().io.withSaveHandler(async a => {
    captured = a;
    return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}};
  }));
  return captured;
}
/** The same bytes as [ArrayBuffer, Uint8Array view at an offset, ArrayBuffer]. */
function mixedParts(buffer) {
  const all = new Uint8Array(buffer);
  const holder = new Uint8Array(64 + 9);
  holder.set(all.subarray(40, 104), 5);
  return [all.slice(0, 40).buffer, holder.subarray(5, 69), all.slice(104).buffer];
}
/** Every optional model.json field, in an order unlike tfjs's output. */
function fullArtifacts() {
  return {
    trainingConfig: {loss: 'mean_squared_error', metrics: ['mse'], optimizer_config: {class_name: 'SGD', config: {learningRate: 0.1}}},
    initializerSignature: {outputs: {init: {name: 'init:0'}}},
    modelInitializer: {node: [{name: 'init', op: 'NoOp'}]},
    userDefinedMetadata: {test: 'downloads', n: 1},
    signature: {inputs: {x: {name: 'x:0'}}},
    weightSpecs: captured.weightSpecs,
    convertedBy: null,
    generatedBy: 'files-browser.test',
    format: 'layers-model',
    modelTopology: captured.modelTopology,
    weightData: captured.weightData,
  };
}

/** tfjs saves the model to downloads://t (2 downloads). */
export async function tfjsDownloads() {
  buildModel();
  await capture();
  const saved = await model.save('downloads://t');
  return {info: saved.modelArtifactsInfo, joined: Array.from(new Uint8Array(captured.weightData)),
    specs: captured.weightSpecs, topology: captured.modelTopology};
}

/** Our save of the same artifacts (weights in mixed parts). `how`:
 * handler | router | default | full | tfjs-full | no-weights |
 * tfjs-no-weights | binary. */
export async function ourDownloads(ma, how, prefix) {
  usePackage(ma);
  const artifacts = {...captured, weightData: mixedParts(captured.weightData)};
  const noWeights = {modelTopology: captured.modelTopology, format: 'layers-model', generatedBy: 'g', convertedBy: null};
  let saved;
  switch (how) {
    case 'handler': saved = await ma.browserDownloads(prefix).save(artifacts); break;
    case 'handler-url': saved = await ma.browserDownloads(`downloads://${prefix}`).save(artifacts); break;
    case 'router': saved = await ma.save(artifacts, `downloads://${prefix}`); break;
    case 'default': saved = await ma.browserDownloads().save(artifacts); break;
    case 'full': saved = await ma.browserDownloads(prefix).save({...fullArtifacts(), weightData: artifacts.weightData}); break;
    case 'tfjs-full': saved = await tf().io.getSaveHandlers(`downloads://${prefix}`)[0].save(fullArtifacts()); break;
    case 'no-weights': saved = await ma.browserDownloads(prefix).save(noWeights); break;
    case 'tfjs-no-weights': saved = await tf().io.getSaveHandlers(`downloads://${prefix}`)[0].save(noWeights); break;
    case 'binary': return {error: await rejection(ma.browserDownloads(prefix).save({modelTopology: new ArrayBuffer(8), weightSpecs: [], weightData: new ArrayBuffer(4)}))};
    default: throw new Error(how);
  }
  const partsIntact = artifacts.weightData.length === 3 && artifacts.weightData[1].byteOffset === 5;
  return {info: saved.modelArtifactsInfo, tfjsInfo: tf().io.getModelArtifactsInfoForJSON(captured), partsIntact};
}

export function downloadErrors(ma) {
  usePackage(ma);
  return {
    nonString: thrown(() => ma.browserDownloads(42)),
    routerNull: (ma.getSaveHandlers('downloads://x') || []).length,
    loadHandlers: ma.getLoadHandlers('downloads://x').length,
  };
}

// ------------------------------------------------------------ browserFiles

/** Our load of the picked files, summarised; also tfjs's own browserFiles
 * load of the same files when `compareTfjs`. */
export async function filesLoad(ma, {compareTfjs = false, asArray = false} = {}) {
  usePackage(ma);
  const files = picked();
  const names = Array.from(files, f => f.name);
  const a = await ma.browserFiles(asArray ? Array.from(files) : files).load();
  const wd = a.weightData;
  const out = {
    names,
    weightDataKind: kind(wd),
    shards: Array.isArray(wd) ? await Promise.all(wd.map(async b => ({kind: kind(b), length: b.byteLength, sha256: await sha256(b)}))) : null,
    joinedSha256: wd == null ? null : await sha256(wd),
    joinedLength: wd == null ? null : joinParts(wd).byteLength,
    fields: JSON.parse(withoutWeights(a)),
    keys: Object.keys(a),
  };
  if (compareTfjs) {
    const ref = await tf().io.browserFiles(Array.from(files)).load();
    out.tfjsSameBytes = sameBytes(ref.weightData, wd);
    out.tfjsSameFields = withoutWeights(ref) === withoutWeights(a);
    out.tfjsFieldsDiff = out.tfjsSameFields ? null : [withoutWeights(ref).slice(0, 300), withoutWeights(a).slice(0, 300)];
  }
  return out;
}

/** tf.loadGraphModel(browserFiles(picked)) runs like tf.loadGraphModel(url). */
export async function graphFromFiles(ma, url) {
  usePackage(ma);
  const gm = await tf().loadGraphModel(ma.browserFiles(picked()));
  const ref = await tf().loadGraphModel(url);
  const shape = gm.inputs[0].shape.map(d => (d == null || d < 0 ? 2 : d));
  const x = tf().randomUniform(shape, 0, 1, 'float32', 3);
  const outs = [gm.execute(x)].flat(), refOuts = [ref.execute(x)].flat();
  const same = outs.length === refOuts.length && outs.every((t, i) => sameBytes(t.dataSync(), refOuts[i].dataSync()));
  return {same, inputShape: shape, outShapes: outs.map(t => t.shape), finite: outs.every(t => t.dataSync().every(Number.isFinite))};
}

/** tf.loadLayersModel(browserFiles(picked)) predicts like tf.loadLayersModel(url). */
export async function layersFromFiles(ma, url) {
  usePackage(ma);
  const lm = await tf().loadLayersModel(ma.browserFiles(picked()));
  const ref = await tf().loadLayersModel(url);
  const x = tf().randomUniform([3, ...ref.inputs[0].shape.slice(1)], -1, 1, 'float32', 9);
  const y = lm.predict(x).dataSync(), yRef = ref.predict(x).dataSync();
  const weightsSame = lm.getWeights().length === ref.getWeights().length
    && lm.getWeights().every((w, i) => sameBytes(w.dataSync(), ref.getWeights()[i].dataSync()));
  return {same: sameBytes(y, yRef), weightsSame, length: y.length, outShape: lm.outputs[0].shape};
}

/** The error (or hang) of loading the picked files. */
export async function filesError(ma) {
  usePackage(ma);
  const files = picked();
  let handler;
  const sync = thrown(() => { handler = ma.browserFiles(files); });
  if (sync) return {sync, names: Array.from(files, f => f.name)};
  return {error: await rejection(handler.load()), names: Array.from(files, f => f.name)};
}

export function zeroFiles(ma) {
  usePackage(ma);
  return {
    picked: picked().length,
    fileList: thrown(() => ma.browserFiles(picked())),
    emptyArray: thrown(() => ma.browserFiles([])),
    undef: thrown(() => ma.browserFiles(undefined)),
  };
}
