// verify <path|url>: load everything, check every file, decode every weight,
// report every problem found.
import fs from 'node:fs/promises';
import path from 'node:path';
import crypto from 'node:crypto';
import * as ma from '../ma.mjs';
import {resolveSource, loadModel, readManifest} from '../source.mjs';
import {progressBar} from '../progress.mjs';
import {exactAndHuman, oneLine, CliError} from '../format.mjs';
import {weightLayout, compositeOf, elementCount} from '../layout.mjs';

export const help = `Usage: model-artifacts verify <path|url> [--json] [--allow-non-finite]

Loads the model and all its shards (the loader checks every file is there,
every group's byte count and, when the manifest lists them, each shard's
sha256), then decodes every weight on its own and checks its values. Every
problem is listed with the file or weight it is about; the exit status is 1
when there is any, 0 otherwise.

For a model on disk, each shard file is also checked separately (present,
readable, sha256) so that more than one broken file can be reported.

  --json              print one JSON object {ok, problems, ...}
  --allow-non-finite  NaN / Infinity weight values are not problems
  --quiet             no progress bar
  -h, --help          this help
`;

export const options = {
  json: {type: 'boolean'},
  'allow-non-finite': {type: 'boolean'},
};

function problemOf(err, fallback = {}) {
  const p = {code: typeof err?.code === 'string' ? err.code : 'E_INTERNAL', message: oneLine(err?.message ?? err)};
  for (const k of ['weight', 'path', 'url', 'status']) if (err?.[k] != null) p[k] = err[k];
  return {...fallback, ...p};
}

/** Per-file checks of a model on disk: presence, sizes per group, sha256.
 * Run only after the package's loader found every file safe to open
 * (inside the folder, regular); a file larger than its whole group needs
 * is not read. */
async function checkFiles(src, manifest) {
  const problems = [];
  let hashed = 0;
  const specsOf = (g) => g.weights ?? [];
  for (const [gi, g] of manifest.entries()) {
    let groupBytes = 0;
    let complete = true;
    const need = specsOf(g).some(s => s.dtype === 'string') ? Infinity
      : weightLayout(specsOf(g), null).reduce((a, w) => a + w.byteLength, 0);
    for (const [pi, p] of g.paths.entries()) {
      const file = path.resolve(src.dir, p);
      let bytes;
      try {
        if ((await fs.stat(file)).size > need) { complete = false; continue; }
        bytes = await fs.readFile(file);
      } catch (err) {
        complete = false;
        problems.push({code: err.code === 'ENOENT' ? 'E_NOT_FOUND' : 'E_FS', path: p,
          message: `${p} (group ${gi + 1}): ${err.code === 'ENOENT' ? 'file is missing' : err.message}`});
        continue;
      }
      groupBytes += bytes.byteLength;
      const want = Array.isArray(g.sha256) ? g.sha256[pi] : undefined;
      if (typeof want === 'string') {
        hashed++;
        const got = crypto.createHash('sha256').update(bytes).digest('hex');
        if (got !== want.toLowerCase()) {
          problems.push({code: 'E_INTEGRITY', path: p, message: `${p}: sha256 is ${got}, the manifest lists ${want}`});
        }
      }
    }
    // Converter layout: every shard but the last has the same size.
    const sizes = [];
    for (const p of g.paths) {
      try { sizes.push((await fs.stat(path.resolve(src.dir, p))).size); } catch { sizes.push(null); }
    }
    const full = Math.max(0, ...sizes.slice(0, -1).filter(s => s !== null));
    let blamed = false;
    sizes.forEach((s, i) => {
      if (s === null || g.paths.length < 2) return;
      if ((i < sizes.length - 1 && s < full) || (i === sizes.length - 1 && s > full)) {
        blamed = true;
        problems.push({code: 'E_SIZE_MISMATCH', path: g.paths[i],
          message: `${g.paths[i]} (group ${gi + 1}): ${s} bytes, the group's other shards hold ${full} each`});
      }
    });
    // What the group's weights need (string weights cannot be sized without their bytes).
    if (complete && !blamed && !specsOf(g).some(s => s.dtype === 'string')) {
      const need = weightLayout(specsOf(g), null).reduce((a, w) => a + w.byteLength, 0);
      if (groupBytes !== need) {
        problems.push({code: 'E_SIZE_MISMATCH', path: g.paths[g.paths.length - 1],
          message: `group ${gi + 1} (${g.paths.join(', ')}): files hold ${groupBytes} bytes, its weights need ${need}`});
      }
    }
  }
  return {problems, hashed};
}

function nonFinite(data) {
  if (!(data instanceof Float32Array)) return null;
  let nan = 0;
  let inf = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v !== v) nan++;
    else if (v === Infinity || v === -Infinity) inf++;
  }
  return nan || inf ? {nan, inf} : null;
}

export async function run(positionals, values, ctx) {
  if (positionals.length !== 1) throw new CliError('E_INVALID_ARGUMENT', 'verify takes one model path or URL (see verify --help)');
  const src = await resolveSource(positionals[0]);
  const problems = [];
  const warnings = [];
  const add = (p) => {
    // The loader's error and a per-file check may name the same file: keep the first.
    if (p.path && problems.some(q => q.path && path.basename(q.path) === path.basename(p.path))) return;
    problems.push(p);
  };

  // The package's loader first: it refuses unsafe files (symlinks out of
  // the folder, FIFOs, devices) before opening anything.
  let loaded = null;
  let loadError = null;
  const bar = progressBar('verifying', {enabled: ctx.progress && !values.json});
  try {
    loaded = await loadModel(src, {onProgress: bar.onProgress, signal: ctx.signal});
  } catch (err) {
    if (err?.code === 'E_ABORTED') throw err;
    loadError = err;
    add(problemOf(err, src.kind === 'file' && err?.path == null ? {path: src.modelPath} : {}));
  } finally { bar.done(); }

  // Then, for a folder whose files are safe but broken, every broken file.
  let manifestChecked = null;
  if (src.kind === 'file' && ['E_NOT_FOUND', 'E_SIZE_MISMATCH', 'E_INTEGRITY', 'E_FS'].includes(loadError?.code)) {
    try {
      manifestChecked = await checkFiles(src, (await readManifest(src)).weightsManifest);
    } catch (err) {
      add(problemOf(err, {path: src.modelPath}));
    }
  }
  for (const p of manifestChecked?.problems ?? []) add(p);

  let weights = 0;
  let bytes = null;
  let shards = null;
  let hashed = manifestChecked?.hashed ?? null;
  if (loaded) {
    const {artifacts, modelJSON} = loaded;
    const specs = artifacts.weightSpecs ?? [];
    const manifest = modelJSON?.weightsManifest ?? [];
    shards = manifest.reduce((a, g) => a + g.paths.length, 0);
    hashed ??= manifest.reduce((a, g) => a + (Array.isArray(g.sha256) ? g.sha256.length : 0), 0);
    const composite = compositeOf(artifacts.weightData);
    bytes = composite.byteLength;
    const layout = weightLayout(specs, artifacts.weightData);
    const seen = new Set();
    for (const w of layout) {
      const spec = specs[w.index];
      if (seen.has(w.name)) warnings.push({weight: w.name, message: `${w.name}: the name is used by more than one weight (the last one wins when decoded)`});
      seen.add(w.name);
      if (w.byteLength === null || w.offset === null) {
        // The package says what is wrong (E_STRING_OVERRUN for a string
        // whose length prefix overruns, E_WEIGHT_DATA_TOO_SHORT...).
        let problem = {code: 'E_WEIGHT_DATA_TOO_SHORT', weight: w.name,
          message: `${w.name}: the weight data ends before this weight (${composite.byteLength} bytes in all)`};
        if (w.offset !== null) {
          try { ma.decodeWeights(composite.slice(w.offset), [spec]); } catch (err) { problem = problemOf(err, {weight: w.name}); }
        }
        add(problem);
        continue;
      }
      try {
        const decoded = ma.decodeWeights(composite.slice(w.offset, w.offset + w.byteLength), [spec])[w.name];
        const n = Array.isArray(decoded.data) ? decoded.data.length
          : decoded.data.length / (spec.dtype === 'complex64' ? 2 : 1);
        if (n !== elementCount(spec.shape)) {
          add({code: 'E_INVALID_WEIGHT_SPEC', weight: w.name,
            message: `${w.name}: decoded ${n} elements, shape [${spec.shape}] has ${elementCount(spec.shape)}`});
        }
        const bad = values['allow-non-finite'] ? null : nonFinite(decoded.data);
        if (bad) {
          add({code: 'E_NON_FINITE', weight: w.name,
            message: `${w.name}: ${bad.nan} NaN and ${bad.inf} infinite value${bad.nan + bad.inf === 1 ? '' : 's'}`});
        }
        weights++;
      } catch (err) {
        add(problemOf(err, {weight: w.name}));
      }
    }
    const need = layout.every(w => w.byteLength !== null) ? layout.reduce((a, w) => a + w.byteLength, 0) : null;
    if (need !== null && bytes > need) {
      warnings.push({message: `${bytes - need} bytes after the last weight are unused`});
    }
  }

  const ok = problems.length === 0;
  const report = {
    source: src.label, ok, problems, warnings,
    weightsDecoded: weights, weightCount: loaded ? (loaded.artifacts.weightSpecs ?? []).length : null,
    weightDataBytes: bytes, shards, shardsWithSha256: hashed,
  };
  if (values.json) {
    ctx.out(JSON.stringify(report, null, 2) + '\n');
  } else {
    const lines = [];
    for (const p of problems) lines.push(`problem: ${p.code}: ${p.message}`);
    for (const w of warnings) lines.push(`warning: ${w.message}`);
    if (ok) {
      const hashText = shards === 0 ? '' : hashed ? `, sha256 checked for ${hashed} of ${shards} shard${shards === 1 ? '' : 's'}`
        : ', no sha256 in the manifest (sizes checked)';
      lines.push(`OK ${src.label}: ${weights} weight${weights === 1 ? '' : 's'} decoded, ${exactAndHuman(bytes)} in ${shards} shard${shards === 1 ? '' : 's'}${hashText}`);
    } else {
      lines.push(`FAILED ${src.label}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`);
    }
    ctx.out(lines.join('\n') + '\n');
  }
  return ok ? 0 : 1;
}
