// Hostile folders and hostile management calls for file:// (Node): the
// promises "nothing lost" and "nothing escapes" against the file system,
// not only the text of the paths.
//   - copyModel/moveModel onto the same model, however it is spelled
//     (m/, m/., ./m, x/../m, m/model.json, a symlink): E_SAME_MODEL, nothing changed;
//   - symlinks out of the model folder (a shard, a sub-folder), FIFOs and
//     devices as shards or as model.json: E_UNSAFE_PATH, nothing outside
//     read, copied or removed, no hang, memory bounded;
//   - oversized files (a 4 GiB sparse shard, a 300 MiB model.json) are
//     refused from their size, before they are read;
//   - a hostile model.json naming another file of its folder never gets
//     that file deleted by a save or a remove;
//   - concurrent saves to one folder, and saves and moves killed with
//     SIGKILL at random moments, always leave a whole model.
// Operations that could hang or blow up run in a child process
// (support/hostile-child.mjs) under a 256 MiB heap and a timeout.
import 'fake-indexeddb/auto';
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {execFileSync, spawn} from 'node:child_process';
import * as ma from 'model-artifacts';
import {FIXTURES_DIR, readExpected, joinBytes, sha256, rejectsMa} from './support/common.mjs';
import {tempDir, removeTempDirs, IS_ROOT, fileUrl, copyFixtureModel, tree, snapshot, runHostile, HOSTILE_CHILD} from './support/fs-helpers.mjs';

const SMALL = 'synth-layers-f32-sharded';   // 5 shards, 135272 bytes
const SHARD1 = 'group1-shard1of5.bin';
const expected = readExpected(SMALL);

let root;
before(() => { root = tempDir('ma-hostile-fs-'); });
after(removeTempDirs);
let seq = 0;
const fresh = label => path.join(root, `${label}-${++seq}`);
const model = async label => copyFixtureModel(SMALL, fresh(label));

/** The model at `dir` loads whole, with the fixture's bytes. */
async function loadsWhole(dir, label) {
  const a = await ma.load(fileUrl(dir));
  assert.equal(sha256(joinBytes(a.weightData)), expected.weightData.sha256, `${label}: weight bytes`);
}

/** A secret file outside any model folder, of the size a shard needs. */
function outsideFile(bytes) {
  const dir = fresh('outside');
  fs.mkdirSync(dir);
  const file = path.join(dir, 'secret.bin');
  fs.writeFileSync(file, Buffer.alloc(bytes, 0x5a));
  return file;
}

describe('copyModel / moveModel onto the same model: E_SAME_MODEL, nothing changed', () => {
  const spellings = [
    ['m/./', d => `${d}/.`], ['m/', d => `${d}/`], ['./m', d => `${path.dirname(d)}/./${path.basename(d)}`],
    ['x/../m', d => `${path.dirname(d)}/x/../${path.basename(d)}`], ['m/model.json', d => `${d}/model.json`],
  ];
  for (const [label, spell] of spellings) {
    for (const op of ['moveModel', 'copyModel']) {
      it(`${op}('file://…/m', 'file://…/${label}')`, async () => {
        const dir = await model('same');
        const before = snapshot(dir);
        await rejectsMa(() => ma[op](fileUrl(dir), fileUrl(spell(dir))), 'E_SAME_MODEL', [dir]);
        assert.deepEqual(snapshot(dir), before, 'the model folder is untouched');
        await loadsWhole(dir, label);
      });
    }
  }

  it('moveModel through a symlink to the model folder, and from model.json to its folder', async () => {
    const dir = await model('same-link');
    const link = fresh('link');
    fs.symlinkSync(dir, link);
    await rejectsMa(() => ma.moveModel(fileUrl(dir), fileUrl(link)), 'E_SAME_MODEL');
    await rejectsMa(() => ma.moveModel(fileUrl(`${link}/model.json`), fileUrl(dir)), 'E_SAME_MODEL');
    await loadsWhole(dir, 'after the refused moves');
  });

  it('moving to a different folder still works and removes the source', async () => {
    const dir = await model('move-src');
    const dest = fresh('move-dst');
    await ma.moveModel(fileUrl(dir), fileUrl(`${dest}/`));
    await loadsWhole(dest, 'moved');
    assert.equal(fs.existsSync(path.join(dir, 'model.json')), false);
  });
});

describe('browser stores: one key is one model', () => {
  const small = {modelTopology: {node: []}, weightSpecs: [{name: 'w', shape: [2], dtype: 'float32'}],
    weightData: new Float32Array([1, 2]).buffer};
  it("moveModel('indexeddb://a', 'indexeddb://a') is E_SAME_MODEL; 'indexeddb://a/' is another key, as in tf.io", async () => {
    await ma.save(small, 'indexeddb://same-a');
    await rejectsMa(() => ma.moveModel('indexeddb://same-a', 'indexeddb://same-a'), 'E_SAME_MODEL');
    await rejectsMa(() => ma.copyModel('indexeddb://same-a', 'indexeddb://same-a'), 'E_SAME_MODEL');
    assert.ok((await ma.listModels())['indexeddb://same-a'], 'still there');
    await ma.moveModel('indexeddb://same-a', 'indexeddb://same-a/');
    const listed = Object.keys(await ma.listModels()).filter(k => k.startsWith('indexeddb://same-a'));
    assert.deepEqual(listed, ['indexeddb://same-a/']);
    await ma.removeModel('indexeddb://same-a/');
  });
});

describe('symlinks out of the model folder: E_UNSAFE_PATH, nothing outside read, copied or removed', () => {
  const shardBytes = fs.statSync(path.join(FIXTURES_DIR, SMALL, SHARD1)).size;

  async function linkedShard() {
    const dir = await model('link-shard');
    const secret = outsideFile(shardBytes);
    fs.rmSync(path.join(dir, SHARD1));
    fs.symlinkSync(secret, path.join(dir, SHARD1));
    return {dir, secret};
  }
  async function linkedFolder() {
    // The manifest names sub/<shard>; sub is a symlink to a folder outside.
    const dir = await model('link-dir');
    const secret = outsideFile(shardBytes);
    const json = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    json.weightsManifest[0].paths[0] = `sub/${path.basename(secret)}`;
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
    fs.rmSync(path.join(dir, SHARD1));
    fs.symlinkSync(path.dirname(secret), path.join(dir, 'sub'));
    return {dir, secret};
  }

  for (const [label, make] of [['a shard that is a symlink to a file outside', linkedShard],
    ['a sub-folder that is a symlink to a folder outside', linkedFolder]]) {
    it(`${label}: load, copyModel, removeModel and CLI verify refuse it`, async () => {
      const {dir, secret} = await make();
      const secretBefore = fs.readFileSync(secret);
      await rejectsMa(() => ma.load(fileUrl(dir)), 'E_UNSAFE_PATH', [secret]);
      await rejectsMa(() => ma.load(fileUrl(dir), {streamWeights: true}), 'E_UNSAFE_PATH');
      const dest = fresh('copy-dst');
      await rejectsMa(() => ma.copyModel(fileUrl(dir), fileUrl(dest)), 'E_UNSAFE_PATH');
      assert.equal(fs.existsSync(dest), false, 'nothing was copied');
      await rejectsMa(() => ma.removeModel(fileUrl(dir)), 'E_UNSAFE_PATH');
      assert.deepEqual(fs.readFileSync(secret), secretBefore, 'the outside file is still there, unchanged');
      const cli = spawnSyncCli(['verify', dir, '--json']);
      assert.equal(cli.status, 1, cli.stdout);
      assert.ok(JSON.parse(cli.stdout).problems.some(p => p.code === 'E_UNSAFE_PATH'), cli.stdout);
    });
  }

  it('a symlink that stays inside the folder is followed', async () => {
    const dir = await model('link-inside');
    fs.renameSync(path.join(dir, SHARD1), path.join(dir, 'real-shard.bin'));
    fs.symlinkSync('real-shard.bin', path.join(dir, SHARD1));
    await loadsWhole(dir, 'inside link');
  });

  it('a model folder reached through a symlink loads, and removeModel removes the link target\'s files only', async () => {
    const dir = await model('linked-root');
    const link = fresh('root-link');
    fs.symlinkSync(dir, link);
    await loadsWhole(link, 'through the link');
    // Files are read at the path the caller gave (a runtime that grants
    // access by path, like Deno, allows that one), as errors show.
    fs.renameSync(path.join(dir, SHARD1), path.join(dir, 'aside.bin'));
    const e = await rejectsMa(() => ma.load(fileUrl(link)), 'E_NOT_FOUND');
    assert.equal(e.path, path.join(link, SHARD1));
    fs.renameSync(path.join(dir, 'aside.bin'), path.join(dir, SHARD1));
    await ma.removeModel(fileUrl(link));
    assert.equal(fs.existsSync(dir), false, 'the model folder is removed');
    assert.equal(fs.lstatSync(link).isSymbolicLink(), true, 'the link itself is left');
  });
});

function spawnSyncCli(args) {
  const bin = new URL('../../bin/model-artifacts.mjs', import.meta.url).pathname;
  try {
    return {status: 0, stdout: execFileSync(process.execPath, [bin, ...args], {encoding: 'utf8', timeout: 20_000})};
  } catch (e) {
    return {status: e.status, stdout: e.stdout, stderr: e.stderr};
  }
}

describe('special files and oversized files are refused before they are read (child process, 256 MiB heap)', () => {
  async function withShard(label, place) {
    const dir = await model(label);
    fs.rmSync(path.join(dir, SHARD1));
    place(path.join(dir, SHARD1));
    return dir;
  }
  const cases = [
    ['a FIFO as a shard', p => execFileSync('mkfifo', [p])],
    ['a symlink to /dev/zero as a shard', p => fs.symlinkSync('/dev/zero', p)],
    ['a symlink to /dev/urandom as a shard', p => fs.symlinkSync('/dev/urandom', p)],
  ];
  if (IS_ROOT) cases.push(['a character device (/dev/zero\'s numbers) as a shard', p => execFileSync('mknod', [p, 'c', '1', '5'])]);
  for (const [label, place] of cases) {
    for (const streamWeights of [false, true]) {
      it(`${label}${streamWeights ? ' (streamWeights)' : ''}: E_UNSAFE_PATH, no hang`, async () => {
        const dir = await withShard('special', place);
        const r = await runHostile(['load', fileUrl(dir), JSON.stringify({streamWeights})], {timeoutMs: 15_000});
        assert.equal(r.timedOut, undefined, 'the load hung');
        assert.equal(r.ok, false, JSON.stringify(r));
        assert.equal(r.code, 'E_UNSAFE_PATH', JSON.stringify(r));
        assert.ok(r.rssMiB < 200, `memory stayed bounded (${r.rssMiB} MiB)`);
      });
    }
  }

  it('a FIFO as model.json: E_UNSAFE_PATH, no hang', async () => {
    const dir = await model('fifo-json');
    fs.rmSync(path.join(dir, 'model.json'));
    execFileSync('mkfifo', [path.join(dir, 'model.json')]);
    const r = await runHostile(['load', fileUrl(dir)], {timeoutMs: 15_000});
    assert.equal(r.timedOut, undefined, 'the load hung');
    assert.equal(r.code, 'E_UNSAFE_PATH', JSON.stringify(r));
  });

  it('a 4 GiB (sparse) shard where 27 KiB are expected: E_SIZE_MISMATCH from its size, nothing read', async () => {
    const dir = await withShard('huge-shard', p => { fs.writeFileSync(p, ''); fs.truncateSync(p, 4 * 2 ** 30); });
    for (const streamWeights of [false, true]) {
      const r = await runHostile(['load', fileUrl(dir), JSON.stringify({streamWeights})]);
      assert.equal(r.code, 'E_SIZE_MISMATCH', JSON.stringify(r));
      assert.ok(r.rssMiB < 200, `memory stayed bounded (${r.rssMiB} MiB)`);
      assert.ok(r.ms < 10_000, `refused from the size, not after reading (${r.ms} ms)`);
    }
  });

  it('a 300 MiB (sparse) model.json: E_TOO_LARGE under the default cap; maxModelJSONBytes sets it', async () => {
    const dir = await model('huge-json');
    fs.truncateSync(path.join(dir, 'model.json'), 300 * 2 ** 20);
    const r = await runHostile(['load', fileUrl(dir)]);
    assert.equal(r.code, 'E_TOO_LARGE', JSON.stringify(r));
    assert.ok(r.rssMiB < 200, `memory stayed bounded (${r.rssMiB} MiB)`);
    const small = await model('small-cap');
    await rejectsMa(() => ma.load(fileUrl(small), {maxModelJSONBytes: 100}), 'E_TOO_LARGE', ['100']);
    await loadsWhole(small, 'under the default cap');
  });
});

describe('a hostile model.json cannot make a save or a remove delete other files of its folder', () => {
  async function hostileFolder() {
    const dir = fresh('thesis');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'thesis.docx'), 'four years of work');
    // It names thesis.docx as a shard; the specs need 8 bytes, the file holds 18.
    fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify({modelTopology: {}, weightsManifest: [
      {paths: ['thesis.docx'], weights: [{name: 'w', shape: [2], dtype: 'float32'}]}]}));
    return dir;
  }
  const small = {modelTopology: {node: []}, weightSpecs: [{name: 'w', shape: [2], dtype: 'float32'}],
    weightData: new Float32Array([1, 2]).buffer};

  it('fileSystem().save over it refuses, naming the file, and keeps it', async () => {
    const dir = await hostileFolder();
    await rejectsMa(() => ma.fileSystem(dir).save(small), 'E_INVALID_ARGUMENT', ['thesis.docx']);
    assert.equal(fs.readFileSync(path.join(dir, 'thesis.docx'), 'utf8'), 'four years of work');
  });

  it('removeModel removes model.json and leaves the file', async () => {
    const dir = await hostileFolder();
    await ma.removeModel(fileUrl(dir));
    assert.deepEqual(Object.keys(tree(dir)), ['thesis.docx']);
  });

  it('a real model\'s shards are still replaced by a save', async () => {
    const dir = await model('replace');
    await ma.fileSystem(dir).save(small);
    assert.deepEqual(Object.keys(tree(dir)).sort(), ['group1-shard1of1.bin', 'model.json']);
  });
});

describe('saves that cannot be written as JSON', () => {
  for (const [label, topology] of [['a circular', (() => { const t = {}; t.self = t; return t; })()], ['a BigInt', {n: 1n}]]) {
    it(`${label} modelTopology: E_INVALID_ARGUMENT, nothing written`, async () => {
      const dir = fresh('bad-json');
      await rejectsMa(() => ma.fileSystem(dir).save({modelTopology: topology}), 'E_INVALID_ARGUMENT', ['JSON']);
      assert.equal(fs.existsSync(dir), false);
      assert.deepEqual(fs.readdirSync(root).filter(n => n.startsWith(path.basename(dir))), []);
    });
  }
});

describe('concurrent and killed saves and moves', () => {
  it("a save's start-up clean-up removes a killed save's temporary folder, never a running one's", async () => {
    const dir = fresh('temps');
    const parent = path.dirname(dir);
    // Temporary folders are named after the saving process: ours is running,
    // pid 2^22 + 1 is above Linux's pid limit, so never running.
    const live = path.join(parent, `${path.basename(dir)}.ma-tmp-${process.pid}-aaaaaaaaaaaa`);
    const dead = path.join(parent, `${path.basename(dir)}.ma-tmp-${2 ** 22 + 1}-bbbbbbbbbbbb`);
    for (const d of [live, dead]) { fs.mkdirSync(d); fs.writeFileSync(path.join(d, 'group1-shard1of1.bin'), 'half written'); }
    const r = await runHostile(['save-loop', dir, '1', '3']);
    assert.deepEqual(r.value, ['ok'], JSON.stringify(r));
    assert.equal(fs.existsSync(live), true, 'the running save keeps its temporary folder');
    assert.equal(fs.existsSync(dead), false, 'the killed save\'s leftovers are gone');
    fs.rmSync(live, {recursive: true});
  });

  it('two processes saving one folder 8 times each: every save ends whole, the folder holds one of them', {timeout: 120_000}, async () => {
    const dir = fresh('race');
    const [a, b] = await Promise.all([runHostile(['save-loop', dir, '8', '1'], {timeoutMs: 100_000}),
      runHostile(['save-loop', dir, '8', '2'], {timeoutMs: 100_000})]);
    for (const r of [a, b]) {
      assert.equal(r.ok, true, JSON.stringify(r));
      assert.deepEqual(r.value, Array(8).fill('ok'), 'each save ended with its model in place');
    }
    const loaded = await ma.load(fileUrl(dir));
    const values = new Float32Array(joinBytes(loaded.weightData).buffer);
    assert.ok(values.every(v => v === loaded.modelTopology.tag), 'weights and topology of one save');
    assert.deepEqual(fs.readdirSync(root).filter(n => n.startsWith(`${path.basename(dir)}.ma-`)), [], 'no leftovers');
  });

  /** Starts `args` in the hostile child and kills it with SIGKILL after `ms`. */
  function killedAfter(args, ms) {
    return new Promise(resolve => {
      const child = spawn(process.execPath, [HOSTILE_CHILD, ...args], {stdio: ['ignore', 'pipe', 'pipe']});
      let output = '';
      child.stdout.on('data', d => { output += d; });
      child.stderr.on('data', d => { output += d; });
      const t = setTimeout(() => child.kill('SIGKILL'), ms);
      child.on('exit', (code, signal) => { clearTimeout(t); resolve({signal, output}); });
    });
  }

  it('a save killed at 12 moments: the folder always loads whole (the old model or the new one)', {timeout: 180_000}, async () => {
    const dir = fresh('kill-save');
    const first = await runHostile(['save-loop', dir, '1', '7']);
    assert.equal(first.ok, true, JSON.stringify(first));
    let killed = 0;
    const notKilled = [];
    for (let i = 0; i < 12; i++) {
      // Saves in a row until killed: the kill lands in one of them (a save
      // takes about 11 ms here), at a different point each round.
      const {signal, output} = await killedAfter(['save-loop', dir, '1000000', String(10 + i)], 200 + i * 37);
      if (signal === 'SIGKILL') killed++;
      else notKilled.push(output.slice(0, 300));
      const loaded = await ma.load(fileUrl(dir));
      const values = new Float32Array(joinBytes(loaded.weightData).buffer);
      assert.equal(values.length, 6 << 18, `round ${i}: whole`);
      assert.ok(values.every(v => v === loaded.modelTopology.tag), `round ${i}: one save's weights and topology`);
    }
    assert.ok(killed === 12, `the rounds were really killed mid-way (${killed} of 12; the others said ${JSON.stringify(notKilled)})`);
  });

  it('a move killed at 10 moments: the model is always whole at the source or the destination', {timeout: 180_000}, async () => {
    let killed = 0;
    for (let i = 0; i < 10; i++) {
      const src = await model('kill-move-src');
      const dest = fresh('kill-move-dst');
      const {signal} = await killedAfter(['move', fileUrl(src), fileUrl(dest)], 40 + i * 25);
      if (signal === 'SIGKILL') killed++;
      const whole = async d => { try { await loadsWhole(d, 'x'); return true; } catch { return false; } };
      const [atSrc, atDest] = [await whole(src), await whole(dest)];
      assert.ok(atSrc || atDest, `round ${i}: a whole model survives (source ${atSrc}, destination ${atDest})`);
    }
    assert.ok(killed >= 3, `some rounds were really killed mid-way (${killed} of 10)`);
  });
});
