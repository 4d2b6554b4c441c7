// fileSystem() / file:// in Node, on real folders under os.tmpdir():
// every fixture (the 64 MiB one generated into a temp folder) loads byte
// for byte, survives save + reload (shards, shardSizeBytes, hashes,
// streamWeights, onProgress); failure paths (missing / truncated shards,
// unreadable folders, escaping weight paths, full disk, killed saves,
// crashes between the swap's renames); listModels / removeModel /
// copyModel / moveModel; and the tfjs-node file_system_test cases that apply
// (shared/reference/tfjs-io.md §6), including the file:// router.
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import * as ma from 'model-artifacts';
import {
  FIXTURES_DIR, LARGE_FIXTURE, fixtureNames, readExpected, joinBytes, sha256, checkDecoded,
  rejectsMa, throwsMa, assertMaError,
} from './support/common.mjs';
import {
  tempDir, removeTempDirs, IS_ROOT, fileUrl, modelFileOf, writeLargeModel, copyFixtureModel, tree,
  leftovers, shardNames, snapshot, runChild, startChild,
} from './support/fs-helpers.mjs';
import {startStaticServer} from './support/static-server.mjs';

const MiB = 1 << 20;
const SHARD = 4 * MiB;
const BARE = 'faceapi-tiny-face-detector';
const SMALL = 'synth-layers-f32-sharded';   // 5 shards, 135272 bytes

let root;        // this file's temp folder
let largeDir;    // the generated 64 MiB model on disk
before(async () => {
  root = tempDir('ma-fs-test-');
  largeDir = await writeLargeModel(path.join(root, 'large-src'));
});
after(removeTempDirs);

/** Where a fixture's model file is on disk (the large one: our temp copy). */
const srcDir = name => (name === LARGE_FIXTURE ? largeDir : path.join(FIXTURES_DIR, name));
const modelPath = name => path.join(srcDir(name), modelFileOf(name));
/** A fresh, not yet existing folder path under root. */
let seq = 0;
const fresh = label => path.join(root, `${label}-${++seq}`);

const infoOf = a => {
  const {dateSaved, ...rest} = ma.getModelArtifactsInfoForJSON(a);
  assert.ok(dateSaved instanceof Date);
  return rest;
};
/** Weight bytes of artifacts: sha256 and length as expected.json has them. */
function checkBytes(a, expected, label) {
  const bytes = joinBytes(a.weightData);
  assert.equal(bytes.byteLength, expected.weightData.byteLength, `${label}: weight bytes`);
  assert.equal(sha256(bytes), expected.weightData.sha256, `${label}: weight data sha256`);
}
/** Everything the goldens say about loaded artifacts. */
function checkArtifacts(a, name, label, {info = true} = {}) {
  const expected = readExpected(name);
  checkBytes(a, expected, label);
  checkDecoded(ma.decodeWeights(a.weightData, a.weightSpecs), expected, label);
  if (info && name !== BARE) assert.deepEqual(infoOf(a), expected.artifactsInfo, `${label}: artifacts info`);
}
/** model.json's non-weight fields, as the source has them. */
const META = ['modelTopology', 'format', 'generatedBy', 'convertedBy', 'trainingConfig', 'signature',
  'userDefinedMetadata', 'modelInitializer', 'initializerSignature'];
function sameMeta(got, want, label) {
  for (const k of META) assert.deepEqual(got[k], want[k], `${label}: ${k}`);
}
const readJSON = p => JSON.parse(fs.readFileSync(p, 'utf8'));

/** Loads a fixture through fileSystem (the bare manifest through the binary
 * form, with a 3-byte model.pb in a temp folder). */
async function loadSource(name, options) {
  if (name !== BARE) return ma.fileSystem(fileUrl(modelPath(name)), options).load();
  const pb = path.join(root, 'bare-model.pb');
  fs.writeFileSync(pb, Buffer.from([8, 1, 2]));
  return ma.fileSystem([fileUrl(pb), fileUrl(modelPath(name))], options).load();
}
/** What to save: the loaded artifacts (the bare manifest has no topology to save). */
const savable = a => (a.modelTopology instanceof ArrayBuffer
  ? {weightSpecs: a.weightSpecs, weightData: a.weightData} : a);

// --------------------------------------------------------------- fixtures
describe('every fixture through fileSystem / file://', () => {
  for (const name of fixtureNames()) {
    describe(name, () => {
      const expected = readExpected(name);
      const total = expected.weightData.byteLength;

      it('loads byte-exact: fileSystem(…/model.json).load() and ma.load(file://…)', async () => {
        const a = await loadSource(name);
        checkArtifacts(a, name, 'fileSystem');
        if (name === BARE) {
          assert.ok(a.modelTopology instanceof ArrayBuffer, 'binary form: modelTopology is an ArrayBuffer');
          assert.deepEqual([...new Uint8Array(a.modelTopology)], [8, 1, 2]);
          const b = await ma.load([fileUrl(path.join(root, 'bare-model.pb')), fileUrl(modelPath(name))]);
          checkBytes(b, expected, 'ma.load binary form');
          assert.deepEqual(b.weightSpecs, a.weightSpecs);
        } else {
          sameMeta(a, readJSON(modelPath(name)), 'fileSystem');
          const b = await ma.load(fileUrl(modelPath(name)));
          checkBytes(b, expected, 'ma.load');
          assert.deepEqual(b.weightSpecs, a.weightSpecs);
          assert.deepEqual(infoOf(b), expected.artifactsInfo);
        }
      });

      it('save (default 4 MiB shards, converter names) + reload', async () => {
        const a = await loadSource(name);
        const dir = fresh(`save-${name}`);
        const res = await ma.fileSystem(fileUrl(dir)).save(savable(a));
        assert.equal(res.modelArtifactsInfo.weightDataBytes, total);
        const n = Math.max(1, Math.ceil(total / SHARD));
        const files = tree(dir);
        assert.deepEqual(Object.keys(files).sort(), [...shardNames(n), 'model.json'].sort());
        shardNames(n).forEach((f, i) =>
          assert.equal(files[f], i < n - 1 ? SHARD : total - SHARD * (n - 1), `${f} size`));
        const mj = readJSON(path.join(dir, 'model.json'));
        assert.deepEqual(mj.weightsManifest, [{paths: shardNames(n), weights: a.weightSpecs}]);
        assert.deepEqual(leftovers(root, path.basename(dir)), [], 'no temp folders left');
        const back = await ma.fileSystem(fileUrl(path.join(dir, 'model.json'))).load();
        checkArtifacts(back, name, 'reloaded', {info: name !== BARE});
        if (name !== BARE) sameMeta(back, a, 'reloaded');
      });

      it('save with shardSizeBytes (3 shards) + reload', async () => {
        const a = await loadSource(name);
        const size = Math.ceil(total / 3) + 1;
        const dir = fresh(`shard-${name}`);
        await ma.fileSystem(dir, {shardSizeBytes: size}).save(savable(a));
        const n = Math.ceil(total / size);
        const files = tree(dir);
        assert.deepEqual(Object.keys(files).sort(), [...shardNames(n), 'model.json'].sort());
        shardNames(n).forEach((f, i) => assert.equal(files[f], i < n - 1 ? size : total - size * (n - 1), f));
        checkArtifacts(await ma.load(fileUrl(dir)), name, 'reloaded', {info: name !== BARE});
      });

      it('hashes: true writes sha256 per shard; a corrupted byte then fails with E_INTEGRITY', async () => {
        const a = await loadSource(name);
        const dir = fresh(`hash-${name}`);
        await ma.fileSystem(dir, {hashes: true, shardSizeBytes: Math.ceil(total / 2) + 1}).save(savable(a));
        const [group] = readJSON(path.join(dir, 'model.json')).weightsManifest;
        assert.equal(group.sha256.length, group.paths.length);
        group.paths.forEach((p, i) =>
          assert.equal(group.sha256[i], sha256(fs.readFileSync(path.join(dir, p))), `sha256 of ${p}`));
        checkArtifacts(await ma.fileSystem(path.join(dir, 'model.json')).load(), name, 'verified load', {info: false});

        const victim = group.paths[group.paths.length - 1];
        const fd = fs.openSync(path.join(dir, victim), 'r+');
        const b = Buffer.alloc(1);
        fs.readSync(fd, b, 0, 1, 0);
        fs.writeSync(fd, Buffer.from([b[0] ^ 0x01]), 0, 1, 0);
        fs.closeSync(fd);
        await rejectsMa(() => ma.fileSystem(path.join(dir, 'model.json')).load(), 'E_INTEGRITY', [victim]);
        const s = await ma.fileSystem(path.join(dir, 'model.json'), {streamWeights: true}).load();
        await rejectsMa(() => ma.decodeWeightsStream(s.getWeightStream(), s.weightSpecs), 'E_INTEGRITY', [victim]);
      });

      it('streamWeights: true + decodeWeightsStream gives the goldens; onProgress reaches 1', async () => {
        const fractions = [];
        const a = await loadSource(name, {streamWeights: true, onProgress: f => fractions.push(f)});
        assert.equal(a.weightData, undefined, 'streamed: no weightData');
        assert.equal(typeof a.getWeightStream, 'function');
        checkDecoded(await ma.decodeWeightsStream(a.getWeightStream(), a.weightSpecs), expected, 'streamed');
        assert.equal(fractions.at(-1), 1, 'streamed progress ends at 1');

        const seen = [];
        await loadSource(name, {onProgress: (f, d) => seen.push([f, d])});
        assert.ok(seen.length > 0, 'onProgress called');
        assert.equal(seen.at(-1)[0], 1, 'progress ends at 1');
        for (let i = 1; i < seen.length; i++) assert.ok(seen[i][0] >= seen[i - 1][0], 'progress never goes back');
        for (const [f] of seen) assert.ok(f >= 0 && f <= 1, `fraction ${f} in [0, 1]`);
        const last = seen.at(-1)[1];
        assert.equal(last.phase, 'weights');
        assert.equal(last.loadedBytes, total);
      });
    });
  }
});

// ----------------------------------------------------------- failure paths
/** A model folder with one float32 [1] weight at manifest path `p`. */
function oneWeightModel(dir, p) {
  fs.mkdirSync(dir, {recursive: true});
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({
    modelTopology: {node: []}, format: 'graph-model',
    weightsManifest: [{paths: [p], weights: [{name: 'w', shape: [1], dtype: 'float32'}]}],
  }));
  return path.join(dir, 'model.json');
}
const TINY = {
  modelTopology: {node: []}, format: 'graph-model',
  weightSpecs: [{name: 'w', shape: [2], dtype: 'float32'}], weightData: new Float32Array([1, 2]).buffer,
};

describe('failure paths', () => {
  it('missing shard: E_NOT_FOUND naming the file (also when streamed)', async () => {
    const dir = await copyFixtureModel(SMALL, fresh('missing'));
    const gone = readJSON(path.join(dir, 'model.json')).weightsManifest[0].paths[2];
    fs.rmSync(path.join(dir, gone));
    const e = await rejectsMa(() => ma.fileSystem(path.join(dir, 'model.json')).load(), 'E_NOT_FOUND', [gone]);
    assert.equal(e.path, path.join(dir, gone));
    // Streamed too: every file is checked before the first byte is handed over.
    await rejectsMa(() => ma.fileSystem(path.join(dir, 'model.json'), {streamWeights: true}).load(), 'E_NOT_FOUND', [gone]);
  });

  it('truncated or overlong shard: E_SIZE_MISMATCH (also when streamed)', async () => {
    const dir = await copyFixtureModel(SMALL, fresh('trunc'));
    const paths = readJSON(path.join(dir, 'model.json')).weightsManifest[0].paths;
    fs.truncateSync(path.join(dir, paths.at(-1)), 100);
    await rejectsMa(() => ma.fileSystem(path.join(dir, 'model.json')).load(), 'E_SIZE_MISMATCH');
    // Streamed too, from the files' sizes before anything is read.
    await rejectsMa(() => ma.fileSystem(path.join(dir, 'model.json'), {streamWeights: true}).load(), 'E_SIZE_MISMATCH');
    fs.appendFileSync(path.join(dir, paths[0]), Buffer.alloc(8));
    fs.truncateSync(path.join(dir, paths.at(-1)), fs.statSync(path.join(FIXTURES_DIR, SMALL, paths.at(-1))).size);
    await rejectsMa(() => ma.fileSystem(path.join(dir, 'model.json')).load(), 'E_SIZE_MISMATCH');
  });

  it('unreadable folder / file: E_FS', async () => {
    const dir = await copyFixtureModel(SMALL, fresh('unreadable'));
    if (!IS_ROOT) {
      fs.chmodSync(dir, 0o000);
      try {
        await rejectsMa(() => ma.fileSystem(path.join(dir, 'model.json')).load(), ['E_FS']);
      } finally {
        fs.chmodSync(dir, 0o755);
      }
    }
    // As root (these tests usually run as root) chmod 000 does not stop
    // reads, so unreadable paths are made another way: a weight path whose
    // parent is a file (ENOTDIR), and a weight "file" that is a folder (EISDIR).
    const m = oneWeightModel(fresh('notdir'), 'sub/w.bin');
    fs.writeFileSync(path.join(path.dirname(m), 'sub'), 'a file, not a folder');
    const e = await rejectsMa(() => ma.fileSystem(m).load(), 'E_FS', ['ENOTDIR']);
    assert.equal(e.path, path.join(path.dirname(m), 'sub', 'w.bin'));
    const m2 = oneWeightModel(fresh('isdir'), 'w.bin');
    fs.mkdirSync(path.join(path.dirname(m2), 'w.bin'));
    await rejectsMa(() => ma.fileSystem(m2).load(), 'E_FS', ['EISDIR']);
    // model.json below a file: nothing can be there.
    const f = path.join(root, `plain-file-${++seq}`);
    fs.writeFileSync(f, 'x');
    await rejectsMa(() => ma.fileSystem(path.join(f, 'm', 'model.json')).load(), ['E_NOT_FOUND', 'E_FS']);
  });

  it('escaping weight paths (../, absolute, a/../../) are refused with E_UNSAFE_PATH, nothing outside read', async () => {
    const base = fresh('escape');
    fs.mkdirSync(base);
    // The targets exist and hold exactly the 4 bytes the manifest needs, so
    // a loader that followed the path would succeed.
    const outside = path.join(base, 'outside.bin');
    fs.writeFileSync(outside, Buffer.from(new Float32Array([42]).buffer));
    for (const p of ['../outside.bin', outside, 'a/../../outside.bin', '..\\outside.bin']) {
      const m = oneWeightModel(path.join(base, `m${++seq}`), p);
      const e = await rejectsMa(() => ma.fileSystem(m).load(), 'E_UNSAFE_PATH');
      assert.equal(e.path, p);
      await rejectsMa(() => ma.fileSystem(m, {streamWeights: true}).load(), 'E_UNSAFE_PATH');
      await rejectsMa(() => ma.load(fileUrl(m)), 'E_UNSAFE_PATH');
    }
    // Inside paths that merely contain '..' or './' segments are fine.
    const m = oneWeightModel(path.join(base, 'ok'), 'a/./../w.bin');
    fs.writeFileSync(path.join(base, 'ok', 'w.bin'), Buffer.from(new Float32Array([7]).buffer));
    const a = await ma.fileSystem(m).load();
    assert.deepEqual([...ma.decodeWeights(a.weightData, a.weightSpecs).w.data], [7]);
  });

  it('save where the parent is a file: E_FS, nothing left behind', async () => {
    const parent = fresh('parent-file');
    fs.mkdirSync(parent);
    fs.writeFileSync(path.join(parent, 'f'), 'x');
    await rejectsMa(() => ma.fileSystem(path.join(parent, 'f', 'm')).save(TINY), 'E_FS');
    assert.deepEqual(tree(parent), {f: 1});
  });

  it('save into /proc (cannot be written): an error, nothing left behind', {timeout: 20_000}, async () => {
    // In a child process: Node's recursive mkdir spins forever on procfs
    // (mkdir gives ENOENT there, and the parent exists), so a hang must not
    // take this test process with it. The save should fail at once.
    const target = `/proc/ma-test-${process.pid}/m`;
    const r = await runChild(['save-small', target], {timeoutMs: 3_000});
    assert.ok(!r.timedOut, `save into ${target} did not finish within 3 s (hung; killed)`);
    const out = JSON.parse(r.stdout);
    assert.ok(out.code === 'E_FS' || out.code === 'E_NOT_FOUND', `error code ${out.code}: ${out.message}`);
    assert.ok(!fs.existsSync(path.dirname(target)));
  });

  it('disk full (ulimit -f in a child): E_FS, the previous model whole, no temp folder left', {timeout: 30_000}, async () => {
    const parent = fresh('full');
    const dir = await copyFixtureModel(SMALL, path.join(parent, 'm'));
    const before = snapshot(dir);
    // 2 MiB file-size limit: the first 4 MiB shard fails with EFBIG.
    const r = await runChild(['save-big', dir, '1'], {timeoutMs: 20_000, fileSizeLimitKiB: 2048});
    assert.ok(!r.timedOut, 'child finished');
    const out = JSON.parse(r.stdout.split('\n').filter(Boolean).at(-1));
    assert.equal(out.code, 'E_FS', out.message);
    assert.match(out.message, /EFBIG/);
    assert.deepEqual(fs.readdirSync(parent), ['m'], 'no temp or old folders');
    assert.deepEqual(snapshot(dir), before, 'previous model untouched');
    checkArtifacts(await ma.load(fileUrl(dir)), SMALL, 'previous model');
  });

  it('save to a path that exists as a file: E_INVALID_ARGUMENT, file untouched', async () => {
    const f = path.join(root, `file-${++seq}`);
    fs.writeFileSync(f, 'keep me');
    await rejectsMa(() => ma.fileSystem(fileUrl(f)).save(TINY), 'E_INVALID_ARGUMENT', ['exists as a file']);
    assert.equal(fs.readFileSync(f, 'utf8'), 'keep me');
  });

  it('saving over a folder with foreign files is refused, files untouched', async () => {
    const parent = fresh('foreign');
    const only = path.join(parent, 'only');
    fs.mkdirSync(only, {recursive: true});
    fs.writeFileSync(path.join(only, 'notes.txt'), 'mine');
    await rejectsMa(() => ma.fileSystem(only).save(TINY), 'E_INVALID_ARGUMENT', ['notes.txt']);
    assert.deepEqual(snapshot(only), {'notes.txt': `${Buffer.from('mine').toString('base64')}:4`});
    // A model folder holding a foreign file too.
    const mixed = await copyFixtureModel(SMALL, path.join(parent, 'mixed'));
    fs.mkdirSync(path.join(mixed, 'data'));
    fs.writeFileSync(path.join(mixed, 'data', 'keep.csv'), 'a,b\n');
    const before = snapshot(mixed);
    await rejectsMa(() => ma.fileSystem(mixed).save(TINY), 'E_INVALID_ARGUMENT', ['data']);
    assert.deepEqual(snapshot(mixed), before);
    assert.deepEqual(fs.readdirSync(parent).sort(), ['mixed', 'only']);
    // A folder holding only a model (or nothing) is replaced.
    const model = await copyFixtureModel(SMALL, path.join(parent, 'model'));
    await ma.fileSystem(model).save(TINY);
    assert.deepEqual(Object.keys(tree(model)).sort(), ['group1-shard1of1.bin', 'model.json']);
    fs.mkdirSync(path.join(parent, 'empty'));
    await ma.fileSystem(path.join(parent, 'empty')).save(TINY);
    assert.deepEqual(fs.readdirSync(parent).sort(), ['empty', 'mixed', 'model', 'only']);
  });

  it('a save without weightData refuses before writing, or writes a model that loads back', async () => {
    // tfjs-node writes model.json and then throws a TypeError. Either a clean
    // refusal or a loadable topology-only model is fine; a model.json that
    // our own load rejects is not.
    const dir = fresh('noweights');
    let saved = true;
    try {
      await ma.fileSystem(dir).save({modelTopology: {node: []}, format: 'graph-model'});
    } catch (e) {
      saved = false;
      assertMaError(e, 'E_INVALID_ARGUMENT');
      assert.ok(!fs.existsSync(dir), 'nothing written');
    }
    if (saved) {
      const a = await ma.fileSystem(path.join(dir, 'model.json')).load();
      assert.deepEqual(a.modelTopology, {node: []});
    }
  });

  it('a save killed (SIGKILL) mid-write leaves the previous model whole; the next save cleans up', {timeout: 60_000}, async () => {
    const parent = fresh('killed');
    const dir = await copyFixtureModel(SMALL, path.join(parent, 'm'));
    const before = snapshot(dir);
    // 3 x 64 MiB = 192 MiB in 48 shards, each fsync'ed: well over a second.
    const {child, exited, output} = startChild(['save-big', dir, '3']);
    let killedAt = null;
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && killedAt == null) {
      const tmp = leftovers(parent, 'm').find(n => n.includes('.ma-tmp-'));
      if (tmp) {
        let bytes = 0;
        try {
          for (const f of fs.readdirSync(path.join(parent, tmp))) bytes += fs.statSync(path.join(parent, tmp, f)).size;
        } catch {}
        if (bytes > 0) { child.kill('SIGKILL'); killedAt = bytes; }
      }
      if (killedAt == null) await new Promise(r => setTimeout(r, 2));
    }
    if (killedAt == null) child.kill('SIGKILL');
    const {signal} = await exited;
    assert.ok(killedAt != null, `no temp folder with bytes appeared (${JSON.stringify(output())})`);
    assert.equal(signal, 'SIGKILL', `the child was killed mid-save, not finished: ${output().stdout}`);
    // The old model is there, whole; the half-written temp folder is beside it.
    assert.deepEqual(snapshot(dir), before, 'previous model untouched');
    checkArtifacts(await ma.fileSystem(fileUrl(path.join(dir, 'model.json'))).load(), SMALL, 'after the kill');
    assert.ok(leftovers(parent, 'm').some(n => n.includes('.ma-tmp-')), 'the killed save left its temp folder');
    // The next save succeeds and removes the leftover.
    const src = await ma.fileSystem(modelPath('synth-graph-multigroup')).load();
    await ma.fileSystem(fileUrl(dir)).save(src);
    assert.deepEqual(fs.readdirSync(parent), ['m'], 'temp folder cleaned up');
    checkArtifacts(await ma.load(fileUrl(dir)), 'synth-graph-multigroup', 'new model', {info: false});
  });

  it('a crash between the two renames (only <dir>.ma-old-*) is repaired by the next load', async () => {
    const parent = fresh('swap');
    fs.mkdirSync(parent);
    await copyFixtureModel(SMALL, path.join(parent, 'm.ma-old-0123456789ab'));
    checkArtifacts(await ma.fileSystem(fileUrl(path.join(parent, 'm', 'model.json'))).load(), SMALL, 'repaired load');
    assert.deepEqual(fs.readdirSync(parent), ['m']);
    // Crash after the second rename: the new model is in place, the old one
    // is garbage; a load of the folder keeps the new one and removes the old.
    await copyFixtureModel(SMALL, path.join(parent, 'm.ma-old-ba9876543210'));
    await ma.fileSystem(path.join(parent, 'm')).save(TINY);
    assert.deepEqual(fs.readdirSync(parent), ['m']);
    await copyFixtureModel(SMALL, path.join(parent, 'm.ma-old-ffffffffffff'));
    const a = await ma.load(fileUrl(path.join(parent, 'm')));
    assert.deepEqual(a.weightSpecs, TINY.weightSpecs, 'the new model, not the old one');
    assert.deepEqual(fs.readdirSync(parent), ['m']);
  });

  it('listModels sees a model whose save crashed between the renames', async () => {
    const parent = fresh('swap-list');
    fs.mkdirSync(parent);
    await copyFixtureModel(SMALL, path.join(parent, 'm.ma-old-0123456789ab'));
    const listed = await ma.listModels(fileUrl(parent));
    assert.deepEqual(Object.keys(listed), [fileUrl(path.join(parent, 'm'))],
      'the model is listed (repaired) rather than hidden until something loads it');
  });
});

// -------------------------------------------------------------- management
describe('listModels / removeModel / copyModel / moveModel with file://', () => {
  let srv;
  before(async () => { srv = await startStaticServer({'/fx/': FIXTURES_DIR}); });
  after(async () => { await srv?.close(); });

  it('listModels(file:///tmp/…) lists the model folders directly under it, with sizes', async () => {
    const top = fresh('list');
    await copyFixtureModel(SMALL, path.join(top, 'a'));
    await copyFixtureModel('synth-graph-multigroup', path.join(top, 'b'));
    fs.mkdirSync(path.join(top, 'notes'));
    fs.writeFileSync(path.join(top, 'notes', 'x.txt'), 'x');
    await copyFixtureModel(SMALL, path.join(top, 'c.ma-tmp-0123456789ab'));
    await copyFixtureModel(SMALL, path.join(top, 'deep', 'er'));
    const listed = await ma.listModels(fileUrl(top));
    assert.deepEqual(Object.keys(listed).sort(), [fileUrl(path.join(top, 'a')), fileUrl(path.join(top, 'b'))]);
    for (const [key, name] of [['a', SMALL], ['b', 'synth-graph-multigroup']]) {
      const info = listed[fileUrl(path.join(top, key))];
      const {dateSaved, ...rest} = info;
      assert.ok(dateSaved instanceof Date);
      assert.deepEqual(rest, readExpected(name).artifactsInfo, `${key}: sizes`);
    }
    // The root itself, when it holds a model, is listed too.
    assert.deepEqual(Object.keys(await ma.listModels(fileUrl(path.join(top, 'a')))), [fileUrl(path.join(top, 'a'))]);
    await rejectsMa(() => ma.listModels(fileUrl(path.join(top, 'nope'))), 'E_NOT_FOUND');
  });

  it("removeModel removes the model's files; foreign files and their folder stay", async () => {
    const top = fresh('remove');
    const only = await copyFixtureModel(SMALL, path.join(top, 'only'));
    const info = await ma.removeModel(fileUrl(only));
    assert.equal(info.weightDataBytes, readExpected(SMALL).artifactsInfo.weightDataBytes);
    assert.ok(!fs.existsSync(only), 'an emptied folder is removed');
    const mixed = await copyFixtureModel(SMALL, path.join(top, 'mixed'));
    fs.writeFileSync(path.join(mixed, 'README.txt'), 'keep');
    await ma.removeModel(fileUrl(path.join(mixed, 'model.json')));
    assert.deepEqual(tree(mixed), {'README.txt': 4});
    await rejectsMa(() => ma.removeModel(fileUrl(mixed)), 'E_NOT_FOUND');
  });

  it('copyModel file:// -> file://: same bytes, source untouched', async () => {
    const top = fresh('copy');
    const a = await copyFixtureModel('synth-graph-multigroup', path.join(top, 'a'));
    const before = snapshot(a);
    const info = await ma.copyModel(fileUrl(a), fileUrl(path.join(top, 'b')));
    assert.equal(info.weightDataBytes, readExpected('synth-graph-multigroup').weightData.byteLength);
    assert.deepEqual(snapshot(a), before);
    const b = await ma.load(fileUrl(path.join(top, 'b')));
    checkArtifacts(b, 'synth-graph-multigroup', 'copy', {info: false});
    sameMeta(b, readJSON(path.join(a, 'model.json')), 'copy');
  });

  it('moveModel file:// -> file:// removes the source after the copy; a failed destination keeps the source', async () => {
    const top = fresh('move');
    const a = await copyFixtureModel(SMALL, path.join(top, 'a'));
    await ma.moveModel(fileUrl(a), fileUrl(path.join(top, 'b')));
    assert.ok(!fs.existsSync(a), 'source removed');
    checkArtifacts(await ma.load(fileUrl(path.join(top, 'b'))), SMALL, 'moved');

    const blocked = path.join(top, 'blocked');
    fs.mkdirSync(blocked);
    fs.writeFileSync(path.join(blocked, 'mine.txt'), 'x');
    const before = snapshot(path.join(top, 'b'));
    await rejectsMa(() => ma.moveModel(fileUrl(path.join(top, 'b')), fileUrl(blocked)), 'E_INVALID_ARGUMENT');
    assert.deepEqual(snapshot(path.join(top, 'b')), before, 'source intact');
    assert.deepEqual(tree(blocked), {'mine.txt': 1});
    assert.deepEqual(fs.readdirSync(top).sort(), ['b', 'blocked']);
  });

  it('copyModel http:// (local server) -> file://', async () => {
    const dest = fresh('from-http');
    await ma.copyModel(`${srv.url}/fx/${SMALL}/model.json`, fileUrl(dest));
    checkArtifacts(await ma.load(fileUrl(dest)), SMALL, 'copied from http');
    assert.deepEqual(Object.keys(tree(dest)).sort(), ['group1-shard1of1.bin', 'model.json']);
  });

  it('bad URLs: same URL -> E_SAME_MODEL, no scheme -> E_INVALID_ARGUMENT; moveModel from http:// -> E_NOT_SUPPORTED', async () => {
    const a = await copyFixtureModel(SMALL, fresh('urls'));
    const before = snapshot(a);
    await rejectsMa(() => ma.copyModel(fileUrl(a), fileUrl(a)), 'E_SAME_MODEL');
    await rejectsMa(() => ma.moveModel(fileUrl(a), fileUrl(a)), 'E_SAME_MODEL');
    await rejectsMa(() => ma.copyModel(a, fileUrl(`${a}-2`)), 'E_INVALID_ARGUMENT');
    await rejectsMa(() => ma.copyModel(fileUrl(a), `${a}-3`), 'E_INVALID_ARGUMENT');
    const dest = `${a}-4`;
    await rejectsMa(() => ma.moveModel(`${srv.url}/fx/${SMALL}/model.json`, fileUrl(dest)), 'E_NOT_SUPPORTED');
    assert.ok(!fs.existsSync(dest), 'nothing saved');
    assert.deepEqual(snapshot(a), before);
  });
});

// ------------------------------------------------ tfjs-node file_system_test
describe('tfjs-node file_system_test cases', () => {
  // tfjs-node's test model: one dense layer, kernel [3, 1] + bias [1].
  const topology = {class_name: 'Sequential', config: {layers: [{class_name: 'Dense',
    config: {units: 1, use_bias: true, batch_input_shape: [null, 3], name: 'dense_Dense1'}}]}};
  const specs = [{name: 'dense/kernel', shape: [3, 1], dtype: 'float32'},
    {name: 'dense/bias', shape: [1], dtype: 'float32'}];
  const values = new Float32Array([0.1, 0.2, 0.3, -0.4]);
  const artifacts = {modelTopology: topology, weightSpecs: specs, weightData: values.buffer.slice(0)};

  it('save succeeds with a newly created directory (parents created too)', async () => {
    const dir = path.join(fresh('new'), 'a', 'b');
    const res = await ma.fileSystem(fileUrl(dir)).save(artifacts);
    assert.equal(res.modelArtifactsInfo.modelTopologyType, 'JSON');
    assert.equal(res.modelArtifactsInfo.weightDataBytes, 16);
    assert.equal(res.modelArtifactsInfo.modelTopologyBytes, JSON.stringify(topology).length);
    assert.deepEqual(tree(dir), {'group1-shard1of1.bin': 16, 'model.json': fs.statSync(path.join(dir, 'model.json')).size});
    const mj = readJSON(path.join(dir, 'model.json'));
    assert.deepEqual(mj.modelTopology, topology);
    assert.deepEqual(mj.weightsManifest, [{paths: ['group1-shard1of1.bin'], weights: specs}]);
  });

  it('save fails if path exists as a file', async () => {
    const f = path.join(root, `exists-${++seq}`);
    fs.writeFileSync(f, '');
    await rejectsMa(() => ma.fileSystem(fileUrl(f)).save(artifacts), 'E_INVALID_ARGUMENT');
  });

  it('save-load round trip: one weight file', async () => {
    const dir = fresh('rt');
    await ma.fileSystem(fileUrl(dir), {singleWeightsFile: true}).save(artifacts);
    assert.deepEqual(Object.keys(tree(dir)).sort(), ['model.json', 'weights.bin']);
    const a = await ma.fileSystem(fileUrl(path.join(dir, 'model.json'))).load();
    assert.deepEqual(a.modelTopology, topology);
    assert.deepEqual(a.weightSpecs, specs);
    assert.deepEqual([...new Float32Array(joinBytes(a.weightData).buffer)], [...values]);
  });

  /** A folder as tfjs-node's test writes it: weights split over two files. */
  function twoFileModel(dir) {
    fs.mkdirSync(dir, {recursive: true});
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({modelTopology: topology,
      weightsManifest: [{paths: ['weights.1.bin', 'weights.2.bin'], weights: specs}]}));
    fs.writeFileSync(path.join(dir, 'weights.1.bin'), Buffer.from(values.buffer, 0, 12));
    fs.writeFileSync(path.join(dir, 'weights.2.bin'), Buffer.from(values.buffer, 12, 4));
    return dir;
  }

  it('load json model: two weight files', async () => {
    const dir = twoFileModel(fresh('two'));
    const a = await ma.fileSystem(fileUrl(path.join(dir, 'model.json'))).load();
    assert.deepEqual(a.modelTopology, topology);
    assert.deepEqual(a.weightSpecs, specs);
    assert.deepEqual([...new Float32Array(joinBytes(a.weightData).buffer)], [...values]);
  });

  it('load json model: nonexistent model.json path / missing weights path fail', async () => {
    const dir = twoFileModel(fresh('two-missing'));
    await rejectsMa(() => ma.fileSystem(fileUrl(path.join(dir, 'nope.json'))).load(), 'E_NOT_FOUND', ['nope.json']);
    fs.rmSync(path.join(dir, 'weights.2.bin'));
    await rejectsMa(() => ma.fileSystem(fileUrl(path.join(dir, 'model.json'))).load(), 'E_NOT_FOUND', ['weights.2.bin']);
  });

  it('load binary model: two weight files; length != 2, missing model.pb / weights fail', async () => {
    const dir = twoFileModel(fresh('bin'));
    fs.writeFileSync(path.join(dir, 'model.pb'), Buffer.from([10, 20, 30, 40]));
    fs.writeFileSync(path.join(dir, 'weights_manifest.json'),
      JSON.stringify([{paths: ['weights.1.bin', 'weights.2.bin'], weights: specs}]));
    const h = ma.fileSystem([fileUrl(path.join(dir, 'model.pb')), fileUrl(path.join(dir, 'weights_manifest.json'))]);
    const a = await h.load();
    assert.ok(a.modelTopology instanceof ArrayBuffer);
    assert.deepEqual([...new Uint8Array(a.modelTopology)], [10, 20, 30, 40]);
    assert.deepEqual(a.weightSpecs, specs);
    assert.deepEqual([...new Float32Array(joinBytes(a.weightData).buffer)], [...values]);

    throwsMa(() => ma.fileSystem([fileUrl(path.join(dir, 'model.pb'))]), 'E_INVALID_ARGUMENT', ['length of 2']);
    throwsMa(() => ma.fileSystem(['file://a', 'file://b', 'file://c']), 'E_INVALID_ARGUMENT', ['length of 2']);
    await rejectsMa(() => ma.fileSystem([fileUrl(path.join(dir, 'nope.pb')),
      fileUrl(path.join(dir, 'weights_manifest.json'))]).load(), 'E_NOT_FOUND', ['nope.pb']);
    fs.rmSync(path.join(dir, 'weights.1.bin'));
    await rejectsMa(() => h.load(), 'E_NOT_FOUND', ['weights.1.bin']);
  });

  it('save to two paths / a binary topology fails', async () => {
    await rejectsMa(() => ma.fileSystem([fileUrl(fresh('x')), fileUrl(fresh('y'))]).save(artifacts), 'E_INVALID_ARGUMENT');
    const dir = fresh('binsave');
    await rejectsMa(() => ma.fileSystem(dir).save({...artifacts, modelTopology: new ArrayBuffer(4)}), 'E_BINARY_TOPOLOGY');
    assert.ok(!fs.existsSync(dir));
  });

  describe('file:// router', () => {
    it('a single file:// path has one load and one save handler', () => {
      assert.equal(ma.getLoadHandlers('file://x/model.json').length, 1);
      assert.equal(ma.getSaveHandlers('file://x').length, 1);
    });
    it('multiple file:// paths have one load handler', () => {
      assert.equal(ma.getLoadHandlers(['file://a/model.pb', 'file://b/weights_manifest.json']).length, 1);
    });
    it('a non-file path has no file handler', () => {
      assert.equal(ma.getLoadHandlers('foo:///x/model.json').length, 0);
      assert.equal(ma.getSaveHandlers('foo:///x').length, 0);
      assert.equal(ma.getLoadHandlers('/plain/path/model.json').length, 0);
    });
    it('multiple paths with mismatched schemes have no handler', () => {
      assert.equal(ma.getLoadHandlers(['file://a/model.pb', 'http://b/weights_manifest.json']).length, 0);
    });
    it('the routed handler loads', async () => {
      const [h] = ma.getLoadHandlers(fileUrl(modelPath(SMALL)));
      checkArtifacts(await h.load(), SMALL, 'routed');
    });
  });
});
