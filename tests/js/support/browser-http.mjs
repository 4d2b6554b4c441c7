// http() checks that run inside the browser (page and module worker), each
// taking the package namespace `ma` first (the page imports it through the
// import map, the worker by path). They return plain data for the Node side:
// problems (empty when all is well), progress, error fields, timings.
import {compareDecoded} from './browser-checks.mjs';

function errorInfo(ma, e, t0) {
  return {
    name: e?.name, code: e?.code, status: e?.status, url: e?.url, message: String(e?.message ?? e),
    isClass: e instanceof ma.ModelArtifactsError,
    ms: t0 == null ? undefined : performance.now() - t0,
  };
}

function progressProblems(calls, totalBytes, problems) {
  let prev = -Infinity;
  for (const [f] of calls) {
    if (!(f >= 0 && f <= 1)) problems.push(`progress fraction ${f} out of [0, 1]`);
    if (f < prev) problems.push(`progress went back: ${prev} then ${f}`);
    prev = f;
  }
  const last = calls.at(-1);
  if (!last) { problems.push('no progress'); return; }
  if (last[0] !== 1) problems.push(`last progress ${last[0]}, not 1`);
  if (totalBytes != null && last[1]?.loadedBytes !== totalBytes) {
    problems.push(`last loadedBytes ${last[1]?.loadedBytes} != ${totalBytes}`);
  }
}

/** ma.http(modelUrl, opts).load(), then the goldens of `expectedUrl`. */
export async function loadAndCheck(ma, modelUrl, expectedUrl, opts = {}) {
  const problems = [];
  const expected = await (await fetch(expectedUrl)).json();
  const calls = [];
  const a = await ma.http(modelUrl, {...opts, onProgress: (f, d) => calls.push([f, d && {...d}])}).load();
  if (!Array.isArray(a.weightData)) problems.push('weightData is not an array');
  else if (a.weightData.length !== expected.shards.length) {
    problems.push(`${a.weightData.length} shards, want ${expected.shards.length}`);
  } else if (!a.weightData.every(b => b instanceof ArrayBuffer)) problems.push('a shard is not an ArrayBuffer');
  const info = ma.getModelArtifactsInfoForJSON(a);
  for (const k of ['modelTopologyBytes', 'weightSpecsBytes', 'weightDataBytes']) {
    if (info[k] !== expected.artifactsInfo[k]) problems.push(`info.${k} ${info[k]} != ${expected.artifactsInfo[k]}`);
  }
  const weights = await compareDecoded(ma.decodeWeights(a.weightData, a.weightSpecs), expected, 'http load', problems);
  progressProblems(calls, expected.artifactsInfo.weightDataBytes, problems);
  return {problems, weights, numWeights: expected.numWeights, progressCalls: calls.length};
}

/** A streamed load decoded with decodeWeightsStream. */
export async function streamAndCheck(ma, modelUrl, expectedUrl, opts = {}) {
  const problems = [];
  const expected = await (await fetch(expectedUrl)).json();
  const calls = [];
  const a = await ma.http(modelUrl, {...opts, streamWeights: true, onProgress: (f, d) => calls.push([f, d && {...d}])})
    .load();
  if (typeof a.getWeightStream !== 'function') problems.push('no getWeightStream');
  if (a.weightData !== undefined) problems.push('weightData present in stream mode');
  const decoded = await ma.decodeWeightsStream(a.getWeightStream(), a.weightSpecs);
  const weights = await compareDecoded(decoded, expected, 'streamed', problems);
  const progress = [];
  progressProblems(calls, null, progress);
  return {problems, progress, weights, numWeights: expected.numWeights};
}

/** The error of a load that must fail (null if it loaded). */
export async function loadError(ma, modelUrl, opts = {}, {stream = false} = {}) {
  const t0 = performance.now();
  try {
    const a = await ma.http(modelUrl, {...opts, streamWeights: stream}).load();
    if (stream) await ma.decodeWeightsStream(a.getWeightStream(), a.weightSpecs);
  } catch (e) {
    return errorInfo(ma, e, t0);
  }
  return null;
}

/** A load aborted `afterMs` after it starts (with `stream`, during decoding). */
export async function abortedLoad(ma, modelUrl, afterMs, {stream = false} = {}) {
  const ac = new AbortController();
  const t0 = performance.now();
  let abortedAt;
  const timer = setTimeout(() => { abortedAt = performance.now(); ac.abort(); }, afterMs);
  try {
    const a = await ma.http(modelUrl, {signal: ac.signal, streamWeights: stream}).load();
    if (stream) await ma.decodeWeightsStream(a.getWeightStream(), a.weightSpecs);
  } catch (e) {
    clearTimeout(timer);
    const info = errorInfo(ma, e, t0);
    info.sinceAbort = abortedAt == null ? null : performance.now() - abortedAt;
    return info;
  }
  clearTimeout(timer);
  return null;
}

/** Loads `modelUrl` and saves it to `saveUrl` (multipart, cross-origin). */
export async function loadThenSave(ma, modelUrl, saveUrl, requestInit, streamWeights = false) {
  const a = await ma.http(modelUrl, {streamWeights}).load();
  if (streamWeights !== (a.weightData === undefined)) throw new Error(`streamWeights ${streamWeights}, weightData ${typeof a.weightData}`);
  const r = await ma.http(saveUrl, requestInit ? {requestInit} : undefined).save(a);
  return {status: r.responses?.[0]?.status, info: {...r.modelArtifactsInfo, dateSaved: String(r.modelArtifactsInfo.dateSaved)}};
}

/** Runs one of the functions above in a dedicated module worker. */
export function inWorker(fn, args) {
  return new Promise((resolve, reject) => {
    const w = new Worker('/tests/js/support/browser-http-worker.mjs', {type: 'module'});
    const timer = setTimeout(() => { w.terminate(); reject(new Error('worker timed out')); }, 30_000);
    w.onmessage = e => {
      if (e.data && e.data.ready) { w.postMessage({fn, args}); return; }
      clearTimeout(timer);
      w.terminate();
      if (e.data.threw) reject(new Error(`in worker: ${e.data.threw}`));
      else resolve(e.data.result);
    };
    w.onerror = e => { clearTimeout(timer); w.terminate(); reject(new Error(`worker error: ${e.message}`)); };
  });
}

export const FUNCTIONS = {loadAndCheck, streamAndCheck, loadError, abortedLoad, loadThenSave};
