// Model locations: a plain path or file:// URL (a model.json, or a folder
// holding one) goes through fileSystem(); http(s):// URLs through http().
import fs from 'node:fs/promises';
import path from 'node:path';
import * as ma from './ma.mjs';
import {CliError} from './format.mjs';

const HTTP_RE = /^https?:\/\//i;
const SCHEME_RE = /^[a-z][a-z0-9+.-]*:\/\//i;

/** `file:///abs/dir` -> `/abs/dir`, `file://./rel` -> `./rel` (as tfjs-node reads file:// URLs). */
function filePathOf(spec) {
  let p = spec.slice('file://'.length);
  try { p = decodeURI(p); } catch { /* keep as written */ }
  return p;
}

/**
 * Where a model is read from: {kind: 'http', url, label} or
 * {kind: 'file', modelPath, dir, label}. A folder means its model.json.
 */
export async function resolveSource(spec) {
  if (typeof spec !== 'string' || spec === '') throw new CliError('E_INVALID_ARGUMENT', 'a model path or URL is required');
  if (HTTP_RE.test(spec)) return {kind: 'http', url: spec, label: spec};
  let p = spec;
  if (/^file:\/\//i.test(spec)) p = filePathOf(spec);
  else if (SCHEME_RE.test(spec)) {
    throw new CliError('E_INVALID_ARGUMENT', `${spec}: only plain paths, file:// and http(s):// URLs are supported here`);
  }
  let st;
  try {
    st = await fs.stat(p);
  } catch (err) {
    throw new CliError(err.code === 'ENOENT' ? 'E_NOT_FOUND' : 'E_FS', `${p}: ${err.code === 'ENOENT' ? 'no such file or folder' : err.message}`, {path: p, cause: err});
  }
  const modelPath = st.isDirectory() ? path.join(p, 'model.json') : p;
  if (st.isDirectory()) {
    try { await fs.access(modelPath); } catch (err) {
      throw new CliError('E_NOT_FOUND', `${p}: folder has no model.json`, {path: modelPath, cause: err});
    }
  }
  return {kind: 'file', modelPath: path.resolve(modelPath), dir: path.resolve(path.dirname(modelPath)), label: modelPath};
}

/**
 * Where a model is written: {kind: 'file', dir, label} (a folder; a path
 * ending in .json means its folder) or {kind: 'http', url, label}.
 */
export function resolveDestination(spec) {
  if (typeof spec !== 'string' || spec === '') throw new CliError('E_INVALID_ARGUMENT', 'a destination path or URL is required');
  if (HTTP_RE.test(spec)) return {kind: 'http', url: spec, label: spec};
  let p = spec;
  if (/^file:\/\//i.test(spec)) p = filePathOf(spec);
  else if (SCHEME_RE.test(spec)) {
    throw new CliError('E_INVALID_ARGUMENT', `${spec}: only plain paths, file:// and http(s):// URLs are supported here`);
  }
  if (/\.json$/i.test(p)) p = path.dirname(p);
  return {kind: 'file', dir: path.resolve(p), label: p};
}

/** Refuses to replace a folder that exists and is not empty, unless `force`. */
export async function checkDestinationFree(dst, force) {
  if (dst.kind !== 'file' || force) return;
  let entries;
  try { entries = await fs.readdir(dst.dir); } catch (err) {
    if (err.code === 'ENOENT') return;
    if (err.code === 'ENOTDIR') throw new CliError('E_FS', `${dst.label}: exists and is not a folder`, {path: dst.dir});
    throw new CliError('E_FS', `${dst.label}: ${err.message}`, {path: dst.dir, cause: err});
  }
  if (entries.length > 0) {
    throw new CliError('E_FS', `${dst.label}: folder exists and is not empty (--force replaces a model folder)`, {path: dst.dir});
  }
}

function fsHandler(path, options) {
  if (typeof ma.fileSystem !== 'function') {
    throw new CliError('E_NOT_SUPPORTED', 'this build of model-artifacts has no fileSystem() handler');
  }
  return ma.fileSystem(path, options);
}

/** The package's cap on model.json (maxModelJSONBytes' default). */
const MAX_MODEL_JSON_BYTES = 256 * 2 ** 20;

/** Reads model.json (file sources) and parses it with the package's
 * validation; like the package, refuses a FIFO or device (which could hang
 * or never end) and a file over the size cap, before reading. */
export async function readManifest(src) {
  if (src.kind !== 'file') return null;
  let text;
  try {
    const st = await fs.stat(src.modelPath);
    if (!st.isFile()) throw new CliError('E_UNSAFE_PATH', `${src.modelPath} is not a regular file; refusing to open it`, {path: src.modelPath});
    if (st.size > MAX_MODEL_JSON_BYTES) throw new CliError('E_TOO_LARGE', `${src.modelPath} is ${st.size} bytes, over the ${MAX_MODEL_JSON_BYTES}-byte limit`, {path: src.modelPath});
    text = await fs.readFile(src.modelPath, 'utf8');
  } catch (err) {
    if (err instanceof CliError) throw err;
    throw new CliError('E_FS', `${src.modelPath}: ${err.message}`, {path: src.modelPath, cause: err});
  }
  return ma.parseModelJSON(text);
}

/**
 * Loads artifacts (weights included) and the parsed model.json.
 * Returns {artifacts, modelJSON}.
 */
export async function loadModel(src, {onProgress, signal} = {}) {
  if (src.kind === 'file') {
    const modelJSON = await readManifest(src);
    const artifacts = await fsHandler(src.modelPath, {onProgress, signal}).load();
    return {artifacts, modelJSON};
  }
  // http: keep the model.json text the handler fetches, to list the shards.
  let captured = null;
  const target = new URL(src.url).href;
  const fetchFunc = async (input, init) => {
    const res = await fetch(input, init);
    const url = typeof input === 'string' ? input : (input?.url ?? String(input));
    if (captured === null && res.ok && new URL(url, target).href === target) captured = res.clone().text();
    return res;
  };
  const artifacts = await ma.http(src.url, {onProgress, signal, fetchFunc}).load();
  let text = captured ? await captured : null;
  if (text === null) {
    const res = await fetch(src.url, {signal});
    text = await res.text();
  }
  return {artifacts, modelJSON: ma.parseModelJSON(text)};
}

/** Saves artifacts to a destination from resolveDestination(). */
export async function saveModel(dst, artifacts, {shardSizeBytes, hashes, singleWeightsFile, signal} = {}) {
  if (dst.kind === 'http') return ma.http(dst.url, {signal}).save(artifacts);
  const options = {signal};
  if (shardSizeBytes !== undefined) options.shardSizeBytes = shardSizeBytes;
  if (hashes) options.hashes = true;
  if (singleWeightsFile) options.singleWeightsFile = true;
  return fsHandler(dst.dir, options).save(artifacts);
}
