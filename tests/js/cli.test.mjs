// The command line (bin/model-artifacts.mjs), spawned for real against the
// shared fixtures (read only: anything written or damaged is a copy in a
// temp folder): inspect (text and --json against expected.json), verify
// (OK, truncated / missing shard, flipped byte under sha256 hashes),
// convert (--quantize, --weights, --shard-size, --hashes; results checked
// through the package API), copy from a local HTTP server, one-line errors
// with exit status 1, --help / --version, and no progress output on pipes.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {execFile, spawn} from 'node:child_process';
import http from 'node:http';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath, pathToFileURL} from 'node:url';
import * as ma from 'model-artifacts';
import {FIXTURES_DIR, LARGE_FIXTURE, fixtureNames, readExpected, checkDecoded, joinBytes, sha256} from './support/common.mjs';
import {startFaultServer, parseUpload} from './support/fault-server.mjs';

const BIN = fileURLToPath(new URL('../../bin/model-artifacts.mjs', import.meta.url));
const PKG = JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
const fixture = (name) => path.join(FIXTURES_DIR, name);
const MODEL_FIXTURES = fixtureNames().filter(n => n !== LARGE_FIXTURE && readExpected(n).modelFile === 'model.json');
const ONE_LINE_ERROR = /^model-artifacts: (E_[A-Z0-9_]+): [^\n]+\n$/;

/** Runs the CLI with stdout/stderr as pipes; resolves {code, stdout, stderr}. */
function cli(args, {timeout = 20000} = {}) {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], {timeout, maxBuffer: 64 << 20}, (err, stdout, stderr) => {
      resolve({code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr});
    });
  });
}

/** A successful run: exit 0 and nothing at all on stderr (no progress on pipes). */
async function ok(args) {
  const r = await cli(args);
  assert.equal(r.code, 0, `${args.join(' ')}: exit status (stderr: ${r.stderr})`);
  assert.equal(r.stderr, '', `${args.join(' ')}: nothing on stderr when piped`);
  return r;
}

/** A failed run: exit 1, stderr is one `model-artifacts: CODE: message` line. */
async function fails(args, code) {
  const r = await cli(args);
  assert.equal(r.code, 1, `${args.join(' ')}: exit status (stdout: ${r.stdout})`);
  const m = ONE_LINE_ERROR.exec(r.stderr);
  assert.ok(m, `${args.join(' ')}: one-line error, got ${JSON.stringify(r.stderr)}`);
  if (code) assert.equal(m[1], code, `${args.join(' ')}: error code (${r.stderr.trim()})`);
  return r;
}

let tmp;
let counter = 0;
const tmpPath = (name) => path.join(tmp, `${counter++}-${name}`);

/** A writable copy of a fixture folder. */
function copyFixture(name) {
  const dir = tmpPath(name);
  fs.cpSync(fixture(name), dir, {recursive: true});
  for (const f of fs.readdirSync(dir)) fs.chmodSync(path.join(dir, f), 0o644);
  fs.chmodSync(dir, 0o755);
  return dir;
}

const modelJSONOf = (dir) => JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
const shardBytes = (dir) => joinBytes(modelJSONOf(dir).weightsManifest.flatMap(g => g.paths)
  .map(p => fs.readFileSync(path.join(dir, p))));

before(() => { tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-cli-')); });
after(() => { fs.rmSync(tmp, {recursive: true, force: true}); });

describe('help and version', () => {
  it('--help, help <command>, <command> --help and --version', async () => {
    const top = await ok(['--help']);
    assert.match(top.stdout, /^Usage: model-artifacts <command>/);
    for (const c of ['inspect', 'verify', 'convert', 'copy']) assert.match(top.stdout, new RegExp(`\\n  ${c} `));
    for (const c of ['inspect', 'verify', 'convert', 'copy']) {
      const r = await ok([c, '--help']);
      assert.match(r.stdout, new RegExp(`^Usage: model-artifacts ${c} `), `${c} --help`);
      assert.equal((await ok(['help', c])).stdout, r.stdout, `help ${c}`);
    }
    assert.equal((await ok(['--version'])).stdout, `${PKG.version}\n`);
    assert.equal((await ok(['-V'])).stdout, `${PKG.version}\n`);
    assert.equal(PKG.bin['model-artifacts'], 'bin/model-artifacts.mjs');
  });

  it('no command prints the help to stderr and exits 1', async () => {
    const r = await cli([]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Usage: model-artifacts/);
  });
});

describe('inspect', () => {
  it('--json matches expected.json for every model.json fixture', async () => {
    const results = await Promise.all(MODEL_FIXTURES.map(n => ok(['inspect', fixture(n), '--json'])));
    MODEL_FIXTURES.forEach((name, i) => {
      const ex = readExpected(name);
      const r = JSON.parse(results[i].stdout);
      assert.deepEqual(r.artifactsInfo, ex.artifactsInfo, `${name}: artifactsInfo`);
      assert.equal(r.weightCount, ex.weights.length, `${name}: weight count`);
      assert.equal(r.totalBytes, ex.weightData.length ?? ex.artifactsInfo.weightDataBytes, `${name}: total bytes`);
      assert.equal(r.format, ex.modelJson.format ?? null, `${name}: format`);
      assert.equal(r.generatedBy, ex.modelJson.generatedBy ?? null, `${name}: generatedBy`);
      assert.equal(r.topology.bytes, ex.artifactsInfo.modelTopologyBytes, `${name}: topology bytes`);
      assert.deepEqual(r.shards.map(s => [s.group - 1, s.path, s.byteLength]),
        ex.shards.map(s => [s.group, s.path, s.byteLength]), `${name}: shards`);
      assert.deepEqual(r.weights.map(w => [w.name, w.dtype, w.shape, w.offset, w.byteLength]),
        ex.weights.map(w => [w.name, w.dtype, w.shape, w.offset, w.byteLength]), `${name}: weights table`);
      const sum = (t) => Object.values(t).reduce((a, v) => a + v.bytes, 0);
      assert.equal(sum(r.byDtype), r.totalBytes, `${name}: by-dtype totals add up`);
      assert.equal(sum(r.byQuantization), r.totalBytes, `${name}: by-quantization totals add up`);
    });
  });

  it('text output names format, producer, sizes, signature, shards and weights', async () => {
    const name = 'human-selfie-f16';
    const ex = readExpected(name);
    const {stdout} = await ok(['inspect', `file://${fixture(name)}`]);
    assert.match(stdout, /^Format +graph-model$/m);
    assert.ok(stdout.includes(ex.modelJson.generatedBy), 'generatedBy');
    assert.ok(stdout.includes(`${ex.weights.length} weights, ${ex.artifactsInfo.weightDataBytes.toLocaleString('en-US')} bytes (207.9 KiB)`), stdout);
    assert.match(stdout, /^Inputs:\n {2}input_1:0 {2}float32 {2}\[1,256,256,3\]$/m);
    assert.match(stdout, /^ {2}float16 +132 weights +212,846 bytes/m);
    assert.match(stdout, /group 1 {2}selfie\.bin {2}212,886 bytes/);
    for (const w of ex.weights) assert.ok(stdout.includes(w.name), `weights table has ${w.name}`);
  });
});

describe('verify', () => {
  it('reports the package\'s own code for a string weight whose length prefix overruns (E_STRING_OVERRUN)', async () => {
    const dir = tmpPath('string-overrun');
    fs.mkdirSync(dir);
    // One string element claiming 100 bytes, with 3 present.
    const data = Buffer.concat([Buffer.from([100, 0, 0, 0]), Buffer.from('abc')]);
    fs.writeFileSync(path.join(dir, 'w.bin'), data);
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({modelTopology: {}, weightsManifest: [
      {paths: ['w.bin'], weights: [{name: 's', shape: [1], dtype: 'string'}]}]}));
    let libraryCode;
    try { ma.decodeWeights(new Uint8Array(data).buffer, [{name: 's', shape: [1], dtype: 'string'}]); } catch (e) { libraryCode = e.code; }
    assert.equal(libraryCode, 'E_STRING_OVERRUN');
    const r = await cli(['verify', dir, '--json']);
    assert.equal(r.code, 1, r.stdout);
    assert.deepEqual(JSON.parse(r.stdout).problems.map(p => p.code), [libraryCode]);
  });

  it('OK on intact fixtures (exit 0, summary line)', async () => {
    for (const name of ['synth-graph-multigroup', 'human-age-int32']) {
      const {stdout} = await ok(['verify', copyFixture(name)]);
      assert.match(stdout, new RegExp(`^OK .*: ${readExpected(name).weights.length} weights decoded`, 'm'));
    }
  });

  it('a truncated and a missing shard are both reported, by file name', async () => {
    const dir = copyFixture('synth-layers-f32-sharded');
    fs.truncateSync(path.join(dir, 'group1-shard2of5.bin'), 100);
    fs.rmSync(path.join(dir, 'group1-shard4of5.bin'));
    const r = await cli(['verify', dir]);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, '');
    assert.match(r.stdout, /^problem: E_(NOT_FOUND|FS): .*group1-shard4of5\.bin/m);
    assert.match(r.stdout, /^problem: E_SIZE_MISMATCH: .*group1-shard2of5\.bin/m);
    assert.match(r.stdout, /^FAILED .*: [2-9] problems$/m);
    const json = JSON.parse((await cli(['verify', dir, '--json'])).stdout);
    assert.equal(json.ok, false);
    assert.ok(json.problems.some(p => /group1-shard4of5\.bin/.test(p.message)));
  });

  it('a truncated shard alone (exit 1, file named)', async () => {
    const dir = copyFixture('synth-layers-uint8');
    const f = path.join(dir, 'group1-shard2of2.bin');
    fs.truncateSync(f, fs.statSync(f).size - 10);
    const r = await cli(['verify', dir]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^problem: E_SIZE_MISMATCH: .*group1-shard2of2\.bin/m);
  });

  it('a flipped byte under a --hashes manifest: E_INTEGRITY naming the shard', async () => {
    const dir = tmpPath('hashed');
    await ok(['convert', fixture('synth-layers-f32-sharded'), dir, '--hashes', '--shard-size', '32KiB']);
    assert.equal((await ok(['verify', dir])).stdout.includes('sha256 checked for 5 of 5 shards'), true);
    const f = path.join(dir, 'group1-shard3of5.bin');
    const b = fs.readFileSync(f);
    b[1234] ^= 0x40;
    fs.writeFileSync(f, b);
    const r = await cli(['verify', dir]);
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^problem: E_INTEGRITY: .*group1-shard3of5\.bin/m);
    assert.doesNotMatch(r.stdout, /shard[1245]of5/, 'only the damaged shard is blamed');
  });

  it('non-finite weight values are a problem naming the weight (unless --allow-non-finite)', async () => {
    const dir = copyFixture('synth-layers-f32-sharded');
    const mj = modelJSONOf(dir);
    const first = mj.weightsManifest[0].weights[0];
    const f = path.join(dir, 'group1-shard1of5.bin');
    const b = fs.readFileSync(f);
    new DataView(b.buffer, b.byteOffset, b.byteLength).setFloat32(0, NaN, true);
    fs.writeFileSync(f, b);
    const r = await cli(['verify', dir]);
    assert.equal(r.code, 1);
    assert.ok(r.stdout.includes(`problem: E_NON_FINITE: ${first.name}: 1 NaN`), r.stdout);
    await ok(['verify', dir, '--allow-non-finite']);
  });
});

describe('convert', () => {
  it('--quantize float16 halves the weight bytes; the result loads and decodes like the converter\'s', async () => {
    const dir = tmpPath('f16');
    const {stdout} = await ok(['convert', fixture('synth-layers-f32-sharded'), dir, '--quantize', 'float16']);
    assert.match(stdout, /^weights before +135,272 bytes/m);
    assert.match(stdout, /^weights after +67,636 bytes .*\(50\.0%\)$/m);
    const m = /^largest dequantization error: (\S+) \((.+)\)$/m.exec(stdout);
    assert.ok(m, stdout);
    assert.ok(Number(m[1]) > 0 && Number(m[1]) < 1e-2, `error ${m[1]}`);
    const a = await ma.fileSystem(dir).load();
    assert.equal(ma.getModelArtifactsInfoForJSON(a).weightDataBytes, 135272 / 2);
    assert.ok(a.weightSpecs.every(s => s.quantization?.dtype === 'float16'));
    // The same model, quantized by the TensorFlow.js converter.
    checkDecoded(ma.decodeWeights(a.weightData, a.weightSpecs), readExpected('synth-layers-float16'), 'convert f16');
  });

  it('--quantize uint8 --weights PATTERN quantizes only the matching weights; --json', async () => {
    const dir = tmpPath('u8');
    const {stdout} = await ok(['convert', fixture('synth-layers-f32-sharded'), `file://${dir}`,
      '--quantize', 'uint8', '--weights', '*kernel*', '--json']);
    const report = JSON.parse(stdout);
    const a = await ma.fileSystem(dir).load();
    const quantized = a.weightSpecs.filter(s => s.quantization).map(s => s.name);
    const kernels = a.weightSpecs.filter(s => /kernel/.test(s.name)).map(s => s.name);
    assert.ok(kernels.length > 0);
    assert.deepEqual(quantized, kernels);
    assert.equal(report.quantizedWeights, kernels.length);
    assert.ok(kernels.includes(report.maxDequantizationErrorWeight));
    assert.equal(report.weightBytesBefore, 135272);
    assert.ok(report.weightBytesAfter < 135272);
    const orig = ma.decodeWeights(...(({shards, specs}) => [shards, specs])({
      shards: modelJSONOf(fixture('synth-layers-f32-sharded')).weightsManifest[0].paths
        .map(p => fs.readFileSync(path.join(fixture('synth-layers-f32-sharded'), p))),
      specs: modelJSONOf(fixture('synth-layers-f32-sharded')).weightsManifest[0].weights,
    }));
    const now = ma.decodeWeights(a.weightData, a.weightSpecs);
    for (const s of a.weightSpecs.filter(x => !x.quantization)) {
      assert.deepEqual(now[s.name].data, orig[s.name].data, `${s.name} unchanged`);
    }
  });

  it('--shard-size gives the converter\'s shard count and names (32KiB: the fixture\'s own bytes)', async () => {
    const src = fixture('synth-layers-f32-sharded');
    const d32 = tmpPath('s32');
    await ok(['convert', src, d32, '--shard-size', '32KiB']);
    const names = modelJSONOf(d32).weightsManifest.flatMap(g => g.paths);
    assert.deepEqual(names, [1, 2, 3, 4, 5].map(i => `group1-shard${i}of5.bin`));
    for (const n of names) assert.ok(fs.readFileSync(path.join(d32, n)).equals(fs.readFileSync(path.join(src, n))), n);
    for (const [size, count] of [['100000', 2], ['50KB', 3], ['4MB', 1]]) {
      const d = tmpPath(`s${size}`);
      await ok(['convert', src, d, '--shard-size', size]);
      const paths = modelJSONOf(d).weightsManifest.flatMap(g => g.paths);
      assert.equal(paths.length, count, `--shard-size ${size}`);
      assert.equal(paths.at(-1), `group1-shard${count}of${count}.bin`);
      assert.equal(sha256(shardBytes(d)), readExpected('synth-layers-f32-sharded').weightData.sha256);
    }
    const single = tmpPath('single');
    await ok(['convert', src, single, '--single-file']);
    assert.deepEqual(fs.readdirSync(single).sort(), ['model.json', 'weights.bin']);
    assert.equal(sha256(fs.readFileSync(path.join(single, 'weights.bin'))), readExpected('synth-layers-f32-sharded').weightData.sha256);
  });

  it('refuses a non-empty destination unless --force, and bad option values', async () => {
    const d = tmpPath('busy');
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, 'notes.txt'), 'keep me');
    await fails(['convert', fixture('synth-layers-uint8'), d], 'E_FS');
    assert.equal(fs.readFileSync(path.join(d, 'notes.txt'), 'utf8'), 'keep me');
    const m = tmpPath('model');
    await ok(['convert', fixture('synth-layers-uint8'), m]);
    await fails(['convert', fixture('synth-layers-f32-sharded'), m], 'E_FS');
    await ok(['convert', fixture('synth-layers-f32-sharded'), m, '--force']);
    assert.equal(sha256(shardBytes(m)), readExpected('synth-layers-f32-sharded').weightData.sha256);
    await fails(['convert', fixture('synth-layers-uint8'), tmpPath('x'), '--shard-size', 'lots'], 'E_INVALID_ARGUMENT');
    await fails(['convert', fixture('synth-layers-uint8'), tmpPath('x'), '--quantize', 'int4'], 'E_INVALID_ARGUMENT');
    await fails(['convert', fixture('synth-layers-uint8'), tmpPath('x'), '--weights', 'a*'], 'E_INVALID_ARGUMENT');
  });
});

describe('copy', () => {
  let srv;
  before(async () => { srv = await startFaultServer({mounts: {'/fx/': FIXTURES_DIR}}); });
  after(async () => { await srv?.close(); });

  it('downloads from http:// into a file:// folder with the same weight bytes', async () => {
    for (const name of ['synth-graph-multigroup', 'human-selfie-f16']) {
      const dir = tmpPath(`dl-${name}`);
      const {stdout} = await ok(['copy', `${srv.url}/fx/${name}/model.json`, pathToFileURL(dir).href]);
      const ex = readExpected(name);
      assert.match(stdout, new RegExp(`^copied .*: ${ex.weights.length} weights`));
      assert.equal(sha256(shardBytes(dir)), ex.weightData.sha256, `${name}: weight bytes`);
      const a = await ma.fileSystem(dir).load();
      const orig = JSON.parse(fs.readFileSync(path.join(fixture(name), 'model.json'), 'utf8'));
      assert.deepEqual(a.modelTopology, orig.modelTopology, `${name}: topology`);
      assert.deepEqual(a.signature, orig.signature, `${name}: signature`);
      checkDecoded(ma.decodeWeights(a.weightData, a.weightSpecs), ex, `copy ${name}`);
      await ok(['verify', dir]);
    }
  });

  it('uploads a folder to an http:// URL (TensorFlow.js multipart request)', async () => {
    const name = 'synth-layers-uint16';
    await ok(['copy', fixture(name), `${srv.url}/upload/model`]);
    const upload = srv.uploads.find(u => u.path === '/upload/model');
    assert.ok(upload, 'one upload');
    assert.equal(upload.method, 'POST');
    const form = await parseUpload(upload);
    assert.equal(sha256(form['model.weights.bin'].bytes), readExpected(name).weightData.sha256);
    const mj = JSON.parse(form['model.json'].text());
    assert.deepEqual(mj.weightsManifest.flatMap(g => g.weights), modelJSONOf(fixture(name)).weightsManifest.flatMap(g => g.weights));
  });

  it('Ctrl-C stops a save: an upload to a server that never answers ends with E_ABORTED', {timeout: 20000}, async () => {
    let arrived;
    const got = new Promise(r => { arrived = r; });
    const hanging = http.createServer(req => { req.resume(); arrived(); });   // never answers
    await new Promise(r => hanging.listen(0, '127.0.0.1', r));
    let child;
    try {
      child = spawn(process.execPath, [BIN, 'copy', fixture('synth-layers-uint16'),
        `http://127.0.0.1:${hanging.address().port}/upload/model`], {stdio: ['ignore', 'pipe', 'pipe']});
      let stderr = '';
      child.stderr.on('data', d => { stderr += d; });
      await got;
      child.kill('SIGINT');
      const code = await new Promise(r => child.on('exit', r));
      assert.equal(code, 1, `exit status (stderr: ${stderr})`);
      assert.match(stderr, /^model-artifacts: E_ABORTED: /);
    } finally {
      child?.kill('SIGKILL');   // a CLI that ignored Ctrl-C must not outlive the test
      hanging.closeAllConnections();
      hanging.close();
    }
  });

  it('inspect and verify over http; HTTP failures are one-line errors', async () => {
    const r = JSON.parse((await ok(['inspect', `${srv.url}/fx/upscaler-default-f32/model.json`, '--json'])).stdout);
    assert.deepEqual(r.artifactsInfo, readExpected('upscaler-default-f32').artifactsInfo);
    await ok(['verify', `${srv.url}/fx/synth-layers-uint16/model.json`]);
    await fails(['inspect', `${srv.url}/fx/no-such-model/model.json`], 'E_HTTP_STATUS');
    const v = await cli(['verify', `${srv.url}/fx/no-such-model/model.json`]);
    assert.equal(v.code, 1);
    assert.match(v.stdout, /^problem: E_HTTP_STATUS: .*no-such-model/m);
  });
});

describe('errors', () => {
  it('are one line with a code, exit 1, no stack trace (unless --verbose)', async () => {
    await fails(['inspect', path.join(tmp, 'does-not-exist')], 'E_NOT_FOUND');
    await fails(['frobnicate'], 'E_INVALID_ARGUMENT');
    await fails(['inspect', fixture('synth-layers-uint8'), '--frob'], 'E_INVALID_ARGUMENT');
    await fails(['inspect'], 'E_INVALID_ARGUMENT');
    await fails(['inspect', 'indexeddb://x'], 'E_INVALID_ARGUMENT');
    await fails(['copy', fixture('synth-layers-uint8')], 'E_INVALID_ARGUMENT');
    const bad = tmpPath('bad-json');
    fs.mkdirSync(bad);
    fs.writeFileSync(path.join(bad, 'model.json'), '<html>not json</html>');
    await fails(['inspect', bad], 'E_INVALID_JSON');
    const v = await cli(['inspect', path.join(tmp, 'does-not-exist'), '--verbose']);
    assert.equal(v.code, 1);
    assert.match(v.stderr, /^model-artifacts: E_NOT_FOUND: /);
    assert.ok(v.stderr.split('\n').length > 2, 'a stack with --verbose');
  });
});
