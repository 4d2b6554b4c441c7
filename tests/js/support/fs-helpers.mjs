// Helpers for the file-system (fileSystem / file://) tests: temporary
// folders under os.tmpdir() removed at exit, fixture folders written to
// disk (the 64 MiB one generated), a tree listing, and a child process
// runner with a hard timeout (for saves that might hang or must be killed).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {FIXTURES_DIR, FIXTURES_URL, LARGE_FIXTURE, readExpected} from './common.mjs';

const made = new Set();

/** A fresh folder under os.tmpdir(); removed by removeTempDirs() (and at exit). */
export function tempDir(prefix = 'ma-fs-') {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.add(d);
  return d;
}

export function removeTempDirs() {
  for (const d of made) {
    try { fs.chmodSync(d, 0o755); } catch {}
    fs.rmSync(d, {recursive: true, force: true});
  }
  made.clear();
}
process.on('exit', removeTempDirs);

/** Running as root (chmod 000 does not block reads then). */
export const IS_ROOT = typeof process.getuid === 'function' && process.getuid() === 0;

export const fileUrl = p => `file://${p}`;

/** The model file of a fixture (model.json, or the bare manifest). */
export function modelFileOf(name) {
  return name === LARGE_FIXTURE ? 'model.json' : readExpected(name).modelFile;
}

let largeCache = null;
/** The generated 64 MiB model, in memory: {modelJSON, shards: [{path, data}]}. */
export async function largeModel() {
  if (!largeCache) {
    const gen = await import(new URL(`${LARGE_FIXTURE}/gen-large-model.mjs`, FIXTURES_URL).href);
    largeCache = gen.generateLargeModel();
  }
  return largeCache;
}

/** Writes the 64 MiB model (model.json + 16 shards) into `dir`. */
export async function writeLargeModel(dir) {
  const {modelJSON, shards} = await largeModel();
  fs.mkdirSync(dir, {recursive: true});
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(modelJSON));
  for (const s of shards) fs.writeFileSync(path.join(dir, s.path), s.data);
  return dir;
}

/** Copies a stored fixture's model file and weight files (not SOURCE.md,
 * expected.json, ...) into `dest`; the large one is generated. */
export async function copyFixtureModel(name, dest) {
  if (name === LARGE_FIXTURE) return writeLargeModel(dest);
  const src = path.join(FIXTURES_DIR, name);
  const file = modelFileOf(name);
  const parsed = JSON.parse(fs.readFileSync(path.join(src, file), 'utf8'));
  const manifest = Array.isArray(parsed) ? parsed : parsed.weightsManifest;
  fs.mkdirSync(dest, {recursive: true});
  for (const f of [file, ...manifest.flatMap(g => g.paths)]) {
    fs.mkdirSync(path.dirname(path.join(dest, f)), {recursive: true});
    fs.copyFileSync(path.join(src, f), path.join(dest, f));
  }
  return dest;
}

/** {relative path: size} of every file under `dir` (folders end in '/'). */
export function tree(dir) {
  const out = {};
  const walk = (d, rel) => {
    for (const e of fs.readdirSync(d, {withFileTypes: true})) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) { out[`${r}/`] = 0; walk(path.join(d, e.name), r); }
      else out[r] = fs.statSync(path.join(d, e.name)).size;
    }
  };
  walk(dir, '');
  return out;
}

/** Names in `parent` starting with `base` + a save marker (.ma-tmp- / .ma-old-). */
export function leftovers(parent, base) {
  return fs.readdirSync(parent).filter(n => n.startsWith(`${base}.ma-`));
}

/** Converter shard names for `n` shards in group 1. */
export const shardNames = n => Array.from({length: n}, (_, i) => `group1-shard${i + 1}of${n}.bin`);

/** Every file's bytes under `dir` (for "untouched" checks). */
export function snapshot(dir) {
  const out = {};
  for (const [rel, size] of Object.entries(tree(dir))) {
    if (!rel.endsWith('/')) out[rel] = fs.readFileSync(path.join(dir, rel)).toString('base64') + `:${size}`;
  }
  return out;
}

export const CHILD_SCRIPT = fileURLToPath(new URL('./fs-child.mjs', import.meta.url));

/** spawn() of the child script; `fileSizeLimitKiB` runs it under
 * `ulimit -f` (writes past it fail with EFBIG: a full disk, simulated). */
function spawnChild(args, {cwd, fileSizeLimitKiB} = {}) {
  const opts = {cwd, stdio: ['ignore', 'pipe', 'pipe']};
  if (fileSizeLimitKiB == null) return spawn(process.execPath, [CHILD_SCRIPT, ...args], opts);
  return spawn('/bin/sh', ['-c', `ulimit -f ${Number(fileSizeLimitKiB)} && exec "$0" "$@"`,
    process.execPath, CHILD_SCRIPT, ...args], opts);
}

/**
 * Runs tests/js/support/fs-child.mjs `args` in a child Node process.
 * Resolves to {code, signal, stdout, stderr, timedOut}; a child still
 * running after `timeoutMs` is killed with SIGKILL.
 */
export function runChild(args, {timeoutMs = 10_000, cwd, fileSizeLimitKiB} = {}) {
  return new Promise(resolve => {
    const child = spawnChild(args, {cwd, fileSizeLimitKiB});
    let stdout = '', stderr = '', timedOut = false;
    child.stdout.on('data', d => { stdout += d; });
    child.stderr.on('data', d => { stderr += d; });
    const t = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    child.on('exit', (code, signal) => { clearTimeout(t); resolve({code, signal, stdout, stderr, timedOut}); });
  });
}

/** Starts the child without waiting: {child, exited (promise of {code, signal})}. */
export function startChild(args, {cwd} = {}) {
  const child = spawnChild(args, {cwd});
  let stdout = '', stderr = '';
  child.stdout.on('data', d => { stdout += d; });
  child.stderr.on('data', d => { stderr += d; });
  const exited = new Promise(resolve => child.on('exit', (code, signal) => resolve({code, signal, stdout, stderr})));
  return {child, exited, output: () => ({stdout, stderr})};
}

export const HOSTILE_CHILD = fileURLToPath(new URL('./hostile-child.mjs', import.meta.url));

/**
 * Runs tests/js/support/hostile-child.mjs `args` in a child Node process
 * with a `heapMiB` heap, killed after `timeoutMs`. Resolves to the child's
 * JSON report ({ok, value | code, message, rssMiB, ms}), or {timedOut} /
 * {crashed, stderr} when it hung or died (out of memory, for one).
 */
export function runHostile(args, {timeoutMs = 20_000, heapMiB = 256, cwd} = {}) {
  return new Promise(resolve => {
    const child = spawn(process.execPath, [`--max-old-space-size=${heapMiB}`, HOSTILE_CHILD, ...args],
      {cwd, stdio: ['ignore', 'pipe', 'pipe']});
    let stdout = '', stderr = '', timedOut = false;
    child.stdout.on('data', d => { stdout += d; });
    child.stderr.on('data', d => { stderr += d; });
    const t = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(t);
      if (timedOut) return resolve({timedOut: true, stderr});
      try { resolve(JSON.parse(stdout.trim().split('\n').pop())); } catch {
        resolve({crashed: true, code, signal, stdout, stderr: stderr.slice(-2000)});
      }
    });
  });
}
