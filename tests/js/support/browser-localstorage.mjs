// Page side of tests/js/localstorage-browser.test.mjs: the package and real
// TensorFlow.js 4.22 (the classic tf.min.js script, `globalThis.tf`) in one
// page of each engine, sharing one real localStorage (and IndexedDB for the
// cross-scheme management checks). Each function returns plain data
// (problems as strings, errors as {name, code, isMa, needed, ...}) for the
// Node side to assert on.

import {joinParts, sameBytes, sha256, withoutWeights, usePackage, rejection, thrown, denseModel, predictionBytes, capturedArtifacts, weightProblems} from './page-helpers.mjs';

const tf = () => globalThis.tf;
// tfjs's own localStorage handler (tf.io does not export the factory).
const tfLS = path => ({
  load: () => tf().io.getLoadHandlers(`localstorage://${path}`)[0].load(),
  save: a => tf().io.getSaveHandlers(`localstorage://${path}`)[0].save(a),
});
const PREFIX = 'tensorflowjs_models/';
const PARTS = ['info', 'model_topology', 'weight_specs', 'weight_data', 'model_metadata'];


/** The raw strings of a path's five keys (null where absent). */
function rawKeys(path) {
  return Object.fromEntries(PARTS.map(p => [p, localStorage.getItem(`${PREFIX}${path}/${p}`)]));
}
/** The key suffixes stored under `tensorflowjs_models/<path>/`, sorted. */
function keyNames(path) {
  const out = [];
  for (let i = 0; i < localStorage.length; i++) {
    const k = localStorage.key(i);
    if (k.startsWith(`${PREFIX}${path}/`)) out.push(k.slice(`${PREFIX}${path}/`.length));
  }
  return out.sort();
}
/** The whole of localStorage as {key: value}. */
function snapshot() {
  const out = {};
  for (let i = 0; i < localStorage.length; i++) {
    const k = localStorage.key(i);
    out[k] = localStorage.getItem(k);
  }
  return out;
}
function sameSnapshot(a, b) {
  const ka = Object.keys(a).sort(), kb = Object.keys(b).sort();
  return JSON.stringify(ka) === JSON.stringify(kb) && ka.every(k => a[k] === b[k]);
}

/** A small compiled layers model with fixed weights (k/16 values) and
 * user metadata, kept by name for later tests. */
const models = {};
function buildModel(key, seed) {
  const model = denseModel(tf(), seed, {inputs: 6, hidden: 8});
  model.compile({optimizer: 'sgd', loss: 'meanSquaredError'});
  model.setUserDefinedMetadata({test: 'localstorage', seed});
  models[key] = model;
  return model;
}
const predictBytes = model => predictionBytes(tf(), model);
/** The same bytes as [ArrayBuffer, Uint8Array view at an offset, ArrayBuffer]. */
function asMixedParts(buffer) {
  const all = new Uint8Array(buffer);
  const a = all.slice(0, 50).buffer;
  const holder = new Uint8Array(30 + 13);
  holder.set(all.subarray(50, 80), 7);
  const b = holder.subarray(7, 37);
  const c = all.slice(80).buffer;
  return [a, b, c];
}
/** Deterministic pseudo-random bytes (xorshift32). */
function randomBytes(n, seed) {
  const out = new Uint8Array(n);
  const words = new Uint32Array(out.buffer, 0, n >> 2);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    words[i] = x;
  }
  for (let i = words.length * 4; i < n; i++) out[i] = (i * 31 + seed) & 255;
  return out;
}
/** Artifacts of `n` random bytes as one float32 weight (n divisible by 4). */
function bigArtifacts(n, seed, parts = 1) {
  const bytes = randomBytes(n, seed);
  const step = Math.ceil(n / parts / 4) * 4;
  const weightData = [];
  for (let at = 0; at < n; at += step) weightData.push(bytes.slice(at, at + step).buffer);
  return {
    modelTopology: {class_name: 'Sequential', config: {name: `big-${seed}`, layers: []}},
    format: 'layers-model', generatedBy: 'localstorage-browser.test', convertedBy: null,
    weightSpecs: [{name: 'big/w', shape: [n / 4], dtype: 'float32'}],
    weightData: parts === 1 ? weightData[0] : weightData,
  };
}

export async function setup() {
  await tf().setBackend('cpu');
  await tf().ready();
  return {backend: tf().getBackend(), version: tf().version.tfjs, hasLS: typeof localStorage,
    lsLength: localStorage.length, hasToBase64: typeof Uint8Array.prototype.toBase64};
}

// 1a. tfjs saves -> we load what tfjs's own handler loads.
export async function tfjsSavesWeLoad(ma) {
  usePackage(ma);
  const problems = [];
  const model = buildModel('a', 1);
  const saved = await model.save('localstorage://a');
  const ref = await tfLS('a').load();
  const loads = {
    router: await ma.load('localstorage://a'),
    handler: await ma.browserLocalStorage('a').load(),
    handlerUrl: await ma.browserLocalStorage('localstorage://a').load(),
  };
  const topology = JSON.stringify(model.toJSON(null, false));
  for (const [label, a] of Object.entries(loads)) {
    if (!(a.weightData instanceof ArrayBuffer)) problems.push(`${label}: weightData is ${Object.prototype.toString.call(a.weightData)}`);
    if (!sameBytes(a.weightData, ref.weightData)) problems.push(`${label}: weight bytes differ from tfjs's load`);
    if (withoutWeights(a) !== withoutWeights(ref)) problems.push(`${label}: fields differ from tfjs's load: ${withoutWeights(a)} vs ${withoutWeights(ref)}`);
    if (JSON.stringify(a.modelTopology) !== topology) problems.push(`${label}: modelTopology differs from model.toJSON()`);
    if (a.format !== 'layers-model' || a.userDefinedMetadata?.seed !== 1) problems.push(`${label}: metadata ${a.format} ${JSON.stringify(a.userDefinedMetadata)}`);
    problems.push(...weightProblems(ma, a, model, label));
  }
  // tfjs runs a model through our handler.
  const viaOurs = await tf().loadLayersModel(ma.browserLocalStorage('a'));
  if (predictBytes(viaOurs) !== predictBytes(model)) problems.push('tf.loadLayersModel(browserLocalStorage(a)) predicts differently');
  return {problems, tfjsInfo: saved.modelArtifactsInfo, keys: keyNames('a'),
    weightDataBytes: ref.weightData.byteLength};
}

// 1b. we save (shards / views) -> tfjs loads; raw keys as tfjs writes them.
export async function weSaveTfjsLoads(ma) {
  usePackage(ma);
  const problems = [];
  const model = buildModel('b', 2);
  // tfjs adds trainingConfig only with includeOptimizer (and then the
  // optimizer's weights); here it is set on the artifacts directly.
  const captured = {...await capturedArtifacts(tf(), model), trainingConfig: model.getTrainingConfig()};
  const parts = asMixedParts(captured.weightData);
  const artifacts = {...captured, weightData: parts};
  const saved = await ma.browserLocalStorage('b').save(artifacts);
  if (artifacts.weightData !== parts || parts.length !== 3 || parts[1].byteOffset !== 7) problems.push('save changed the caller\'s weightData');
  await tfLS('b-tfjs').save(captured);
  const viaRouter = await ma.save(captured, 'localstorage://b-router');

  const want = predictBytes(model);
  for (const p of ['b', 'b-router']) {
    const loaded = await tf().loadLayersModel(`localstorage://${p}`);
    if (predictBytes(loaded) !== want) problems.push(`tfjs prediction of our '${p}' differs`);
  }
  return {
    problems,
    saveInfo: saved.modelArtifactsInfo,
    routerInfo: viaRouter.modelArtifactsInfo,
    tfjsInfoForSame: tf().io.getModelArtifactsInfoForJSON(captured),
    raw: rawKeys('b'), rawRouter: rawKeys('b-router'), rawTfjs: rawKeys('b-tfjs'),
    keys: keyNames('b'),
    partLengths: parts.map(p => p.byteLength),
    weightBytes: Array.from(new Uint8Array(captured.weightData)),
  };
}

// 1c. Base64 of larger data, both padding cases: ours == tfjs's string.
export async function base64Matches(ma) {
  usePackage(ma);
  const out = {};
  for (const [n, dtype] of [[300000, 'float32'], [300004, 'int32'], [300008, 'float32']]) {
    const bytes = randomBytes(n, n);
    const a = {modelTopology: {n}, format: 'layers-model', weightSpecs: [{name: 'r', shape: [n / 4], dtype}], weightData: bytes.buffer};
    // Ours from three pieces with odd lengths, tfjs's from the one buffer.
    const pieces = [bytes.subarray(0, 1001), bytes.subarray(1001, 200002), bytes.slice(200002).buffer];
    await ma.save({...a, weightData: pieces}, `localstorage://b64-${n}`);
    await tfLS(`b64-tfjs-${n}`).save(a);
    const ours = localStorage.getItem(`${PREFIX}b64-${n}/weight_data`);
    const theirs = localStorage.getItem(`${PREFIX}b64-tfjs-${n}/weight_data`);
    const back = await ma.load(`localstorage://b64-${n}`);
    out[n] = {same: ours === theirs, length: ours.length, tail: ours.slice(-4), theirTail: theirs.slice(-4),
      loadsBack: sameBytes(back.weightData, bytes), tfjsLoadsOurs: sameBytes((await tfLS(`b64-${n}`).load()).weightData, bytes)};
    for (const p of [`b64-${n}`, `b64-tfjs-${n}`]) await ma.removeModel(`localstorage://${p}`);
  }
  return out;
}

// 1d. Paths with '/', and a model without weights, both ways.
export async function nestedAndNoWeights(ma) {
  usePackage(ma);
  const problems = [];
  const model = models.b;
  await model.save('localstorage://dir/sub/tfjs');
  const captured = await capturedArtifacts(tf(), model);
  await ma.save(captured, 'localstorage://dir/sub/ours');
  const tfList = Object.keys(await tf().io.listModels()).filter(k => k.startsWith('localstorage://dir/'));
  const maList = Object.keys(await ma.listModels()).filter(k => k.startsWith('localstorage://dir/'));
  const fromTfjs = await ma.load('localstorage://dir/sub/tfjs');
  if (!sameBytes(fromTfjs.weightData, captured.weightData)) problems.push('dir/sub/tfjs: weights differ');
  if (predictBytes(await tf().loadLayersModel('localstorage://dir/sub/ours')) !== predictBytes(model)) problems.push('dir/sub/ours: tfjs predicts differently');
  const nestedKeys = keyNames('dir/sub/ours');
  for (const p of ['dir/sub/tfjs', 'dir/sub/ours']) await ma.removeModel(`localstorage://${p}`);

  // No weightData: tfjs writes weight_data '' (and, its bug, weight_specs
  // 'undefined' when there are no specs); we write '' and a JSON array.
  const bare = {modelTopology: captured.modelTopology, format: 'layers-model', generatedBy: 'g', convertedBy: null};
  const bareInfo = (await ma.save(bare, 'localstorage://bare')).modelArtifactsInfo;
  const bareRaw = rawKeys('bare');
  const ours = await ma.load('localstorage://bare');
  const theirs = await tfLS('bare').load();
  if (withoutWeights(ours) !== withoutWeights(theirs)) problems.push(`bare: fields differ from tfjs's load: ${withoutWeights(ours).slice(0, 200)} vs ${withoutWeights(theirs).slice(0, 200)}`);
  await ma.removeModel('localstorage://bare');
  return {problems, tfList: tfList.sort(), maList: maList.sort(), nestedKeys, bareInfo, bareRaw: {...bareRaw, model_topology: null},
    bareLoaded: {weightDataBytes: ours.weightData?.byteLength ?? null, weightSpecs: ours.weightSpecs},
    bareTfjs: {weightDataBytes: theirs.weightData?.byteLength ?? null}};
}

export async function lists(ma) {
  usePackage(ma);
  return {tf: await tf().io.listModels(), ma: await ma.listModels()};
}

// 1d. removeModel both ways.
export async function removeBothWays(ma) {
  usePackage(ma);
  const removedByUs = await ma.removeModel('localstorage://a'); // tfjs saved it
  const removedByTfjs = await tf().io.removeModel('localstorage://b-router'); // we saved it
  return {
    removedByUs, removedByTfjs,
    keysA: keyNames('a'), keysRouter: keyNames('b-router'),
    tfList: Object.keys(await tf().io.listModels()),
    maList: Object.keys(await ma.listModels()),
    loadA: await rejection(ma.load('localstorage://a')),
    removeAgain: await rejection(ma.removeModel('localstorage://a')),
    tfLoadA: await rejection(tf().loadLayersModel('localstorage://a')),
  };
}

/** What the five keys and values of `artifacts` at `path` take in
 * localStorage, in UTF-16 bytes (2 per code unit), computed as tfjs would
 * write them. */
function utf16Needed(path, a) {
  const joined = joinParts(a.weightData ?? []);
  const info = JSON.stringify(tf().io.getModelArtifactsInfoForJSON(a));
  const metadata = JSON.stringify({format: a.format, generatedBy: a.generatedBy, convertedBy: a.convertedBy,
    signature: a.signature, userDefinedMetadata: a.userDefinedMetadata, modelInitializer: a.modelInitializer,
    initializerSignature: a.initializerSignature, trainingConfig: a.trainingConfig});
  const values = [info, JSON.stringify(a.modelTopology), JSON.stringify(a.weightSpecs),
    'x'.repeat(4 * Math.ceil(joined.byteLength / 3)).length, metadata];
  return PARTS.reduce((n, part, i) => n + 2 * (`${PREFIX}${path}/${part}`.length
    + (typeof values[i] === 'number' ? values[i] : values[i].length)), 0);
}

// 2. A save too large for the quota keeps what was there.
export async function quotaKeepsOld(ma) {
  usePackage(ma);
  const problems = [];
  const model = buildModel('q', 3);
  const captured = await capturedArtifacts(tf(), model);
  await ma.save(captured, 'localstorage://q');
  const before = snapshot();
  const rawBefore = rawKeys('q');
  const big = bigArtifacts(12 << 20, 7, 3);
  const exactNeeded = utf16Needed('q', big);
  const error = await rejection(ma.browserLocalStorage('q').save(big));
  const rawAfter = rawKeys('q');
  const after = snapshot();
  if (!sameSnapshot(before, after)) problems.push('localStorage changed after the failed save');
  const loaded = await ma.load('localstorage://q');
  if (!sameBytes(loaded.weightData, captured.weightData)) problems.push('q does not load its old weights byte for byte');
  if (JSON.stringify(loaded.modelTopology) !== JSON.stringify(captured.modelTopology)) problems.push('q topology changed');
  const tfLoaded = await tf().loadLayersModel('localstorage://q');
  if (predictBytes(tfLoaded) !== predictBytes(model)) problems.push('tfjs predicts differently from q after the failed save');

  // No model at the path before: nothing of it after.
  const before2 = snapshot();
  const errorNew = await rejection(ma.save(bigArtifacts(12 << 20, 8), 'localstorage://q-new'));
  const keysNew = keyNames('q-new');
  if (!sameSnapshot(before2, snapshot())) problems.push('localStorage changed after the failed save to a new path');
  const loadNew = await rejection(ma.load('localstorage://q-new'));
  return {problems, error, errorNew, keysNew, loadNew, rawBefore, rawAfter, base64Length: 4 * Math.ceil((12 << 20) / 3), exactNeeded,
    listedNew: Object.keys(await ma.listModels()).includes('localstorage://q-new')};
}

// 2b. `needed` counts UTF-16 code units, also for non-ASCII paths and JSON.
export async function quotaNeededNonAscii(ma) {
  usePackage(ma);
  const path = 'modèle-модель-✓';
  const big = {...bigArtifacts(12 << 20, 9), userDefinedMetadata: {label: 'Gewichte für Модель ✓ '.repeat(2000)}};
  const before = snapshot();
  const error = await rejection(ma.save(big, `localstorage://${path}`));
  return {error, exactNeeded: utf16Needed(path, big),
    unchanged: sameSnapshot(before, snapshot()), keys: keyNames(path)};
}

// 3. Load / save / argument errors.
export async function errors(ma) {
  usePackage(ma);
  const out = {};
  out.missingRouter = await rejection(ma.load('localstorage://nope'));
  out.missingHandler = await rejection(ma.browserLocalStorage('nope').load());
  out.missingRemove = await rejection(ma.removeModel('localstorage://nope'));
  out.missingCopy = await rejection(ma.copyModel('localstorage://nope', 'localstorage://nope2'));
  out.nope2Keys = keyNames('nope2');

  // Corruptions of a good copy of 'b'.
  const corrupt = async (path, part, edit) => {
    await ma.copyModel('localstorage://b', `localstorage://${path}`);
    const k = `${PREFIX}${path}/${part}`;
    const v = edit(localStorage.getItem(k));
    if (v === null) localStorage.removeItem(k); else localStorage.setItem(k, v);
    const r = await rejection(ma.load(`localstorage://${path}`));
    await ma.removeModel(`localstorage://${path}`);
    return r;
  };
  out.badBase64 = await corrupt('bad64', 'weight_data', v => `${v.slice(0, 8)}!!*%${v.slice(12)}`);
  out.shortBase64 = await corrupt('short64', 'weight_data', v => v.slice(0, -8));
  out.infoBytes = await corrupt('infobytes', 'info', v => {
    const info = JSON.parse(v);
    info.weightDataBytes += 4;
    return JSON.stringify(info);
  });
  out.binaryInfo = await corrupt('binaryinfo', 'info', v => JSON.stringify({...JSON.parse(v), modelTopologyType: 'Binary'}));
  out.noWeightData = await corrupt('nodata', 'weight_data', () => null);
  out.noTopology = await corrupt('notopo', 'model_topology', () => null);
  out.noSpecs = await corrupt('nospecs', 'weight_specs', () => null);
  out.badTopologyJson = await corrupt('badjson', 'model_topology', v => v.slice(0, -3));
  out.badInfoJson = await corrupt('badinfo', 'info', v => v.slice(0, -1));

  const before = snapshot();
  out.binarySave = await rejection(ma.browserLocalStorage('bin').save({modelTopology: new ArrayBuffer(8),
    weightSpecs: [], weightData: new ArrayBuffer(0)}));
  out.binarySaveRouter = await rejection(ma.save({modelTopology: new Uint8Array(8).buffer}, 'localstorage://bin'));
  out.binaryLeftNothing = sameSnapshot(before, snapshot());
  out.emptyPath = thrown(() => ma.browserLocalStorage(''));
  out.schemeOnly = thrown(() => ma.browserLocalStorage('localstorage://'));
  out.nullPath = thrown(() => ma.browserLocalStorage(null));
  out.leftover = Object.keys(snapshot()).filter(k => /\/(bad64|short64|infobytes|binaryinfo|nodata|notopo|nospecs|badjson|badinfo|bin|nope2?)\//.test(k));
  return out;
}

/** Records localStorage removals and IndexedDB puts, in order. */
function spy() {
  const log = [];
  const S = Storage.prototype, P = IDBObjectStore.prototype;
  const remove = S.removeItem, setItem = S.setItem, put = P.put;
  S.removeItem = function (key) { log.push(['remove', key]); return remove.call(this, key); };
  S.setItem = function (key, value) { log.push(['set', key]); return setItem.call(this, key, value); };
  P.put = function (value, ...rest) { log.push(['put', this.name, value?.modelPath]); return put.call(this, value, ...rest); };
  return {log, restore() { S.removeItem = remove; S.setItem = setItem; P.put = put; }};
}
async function loadedEqual(ma, a, b) {
  const x = await ma.load(a), y = await ma.load(b);
  return sameBytes(x.weightData, y.weightData) && withoutWeights(x) === withoutWeights(y);
}

// 4. copyModel / moveModel across localstorage, indexeddb and http.
export async function management(ma, fixtureUrl) {
  usePackage(ma);
  const problems = [];
  const model = models.b;
  const want = predictBytes(model);

  const lsToIdb = await ma.copyModel('localstorage://b', 'indexeddb://from-ls');
  if (!await loadedEqual(ma, 'localstorage://b', 'indexeddb://from-ls')) problems.push('localstorage -> indexeddb copy loads differently');
  if (predictBytes(await tf().loadLayersModel('indexeddb://from-ls')) !== want) problems.push('tfjs predicts differently from indexeddb://from-ls');

  const idbToLs = await ma.copyModel('indexeddb://from-ls', 'localstorage://back');
  if (!await loadedEqual(ma, 'localstorage://b', 'localstorage://back')) problems.push('indexeddb -> localstorage copy loads differently');
  if (predictBytes(await tf().loadLayersModel('localstorage://back')) !== want) problems.push('tfjs predicts differently from localstorage://back');
  const rawB = rawKeys('b'), rawBack = rawKeys('back');
  for (const p of PARTS.slice(1)) if (rawB[p] !== rawBack[p]) problems.push(`round trip changed ${p}`);

  const httpToLs = await ma.copyModel(fixtureUrl, 'localstorage://fixture');
  const fromHttp = await ma.load('localstorage://fixture');
  const fixtureLoadedSha = await sha256(fromHttp.weightData);
  const tfFixture = await tf().loadLayersModel('localstorage://fixture');
  const tfHttp = await tf().loadLayersModel(fixtureUrl);
  const x = tf().randomUniform([2, 16, 16, 3], -1, 1, 'float32', 5);
  if (!sameBytes(tfFixture.predict(x).dataSync(), tfHttp.predict(x).dataSync())) problems.push('fixture via localstorage predicts differently from tfjs\'s http load');
  const fixtureRawSpecs = localStorage.getItem(`${PREFIX}fixture/weight_specs`);

  // moveModel localstorage -> indexeddb: the source goes only after the
  // destination is written.
  await ma.copyModel('localstorage://b', 'localstorage://to-move');
  const s = spy();
  let moveInfo;
  try {
    moveInfo = await ma.moveModel('localstorage://to-move', 'indexeddb://moved');
  } finally {
    s.restore();
  }
  if (predictBytes(await tf().loadLayersModel('indexeddb://moved')) !== want) problems.push('tfjs predicts differently from indexeddb://moved');
  if (!await loadedEqual(ma, 'localstorage://b', 'indexeddb://moved')) problems.push('moved model loads differently');
  const movedSourceKeys = keyNames('to-move');

  // Within localStorage; a copy onto itself is refused.
  const lsToLs = await ma.moveModel('localstorage://back', 'localstorage://back2');
  if (keyNames('back').length !== 0) problems.push('move back -> back2 left keys of back');
  if (predictBytes(await tf().loadLayersModel('localstorage://back2')) !== want) problems.push('tfjs predicts differently from localstorage://back2');
  const samePath = await rejection(ma.copyModel('localstorage://back2', 'localstorage://back2'));
  const samePathMove = await rejection(ma.moveModel('localstorage://back2', 'localstorage://back2'));
  if (keyNames('back2').length !== 5) problems.push('a refused move onto itself changed back2');

  // A move whose destination save fails (too large for localStorage)
  // keeps its IndexedDB source, and what the destination held (q).
  const big = bigArtifacts(12 << 20, 11, 2);
  await ma.save(big, 'indexeddb://big');
  const beforeFailed = snapshot();
  const failedMove = await rejection(ma.moveModel('indexeddb://big', 'localstorage://big'));
  const failedMoveOver = await rejection(ma.moveModel('indexeddb://big', 'localstorage://q'));
  const bigAfter = await ma.load('indexeddb://big');
  const bigIntact = sameBytes(bigAfter.weightData, big.weightData) && withoutWeights(bigAfter) === withoutWeights(big);
  const lsUnchanged = sameSnapshot(beforeFailed, snapshot());
  const bigDestKeys = keyNames('big');
  const listAfterFailed = Object.keys(await tf().io.listModels());
  await ma.removeModel('indexeddb://big');

  return {
    problems, lsToIdb, idbToLs, httpToLs, fixtureLoadedSha, fixtureRawSpecs,
    moveInfo, log: s.log, movedSourceKeys,
    lsToLs, samePath, samePathMove, failedMoveOver,
    failedMove, bigIntact, lsUnchanged, bigDestKeys, listAfterFailed,
    tfList: await tf().io.listModels(), maList: await ma.listModels(),
  };
}
