// browserOPFS / opfs:// in each real browser engine (support/engines.mjs)
// where it has an origin private file system, its folders looked at
// directly: round trips (handler, router, weight stream), a save replacing
// the last, listModels / removeModel / copyModel / moveModel with
// IndexedDB, an aborted save, files changed behind the package's back,
// leftovers of saves that never committed, a dedicated worker, a small
// quota. Where the engine has none (DIFFERS.opfs), the typed errors. Page
// side: support/browser-opfs.mjs (+ -worker.mjs).
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {FIXTURES_DIR, REPO_ROOT} from './support/common.mjs';
import {startStaticServer} from './support/static-server.mjs';
import {DIFFERS, forEachEngine, openTestPage, openSmallQuotaPage, callInPage} from './support/engines.mjs';

const MiB = 2 ** 20;
const MODULE = '/tests/js/support/browser-opfs.mjs';
let server;

before(async () => {
  server = await startStaticServer({'/': REPO_ROOT, '/fixtures/': FIXTURES_DIR});
});
after(() => server?.close());

// One block per engine (its body is not indented, to keep the diff small).
forEachEngine(engine => describe(engine, () => {
let browser;
let page;
const seen = {pageErrors: [], consoleErrors: [], failedRequests: []};
const inPage = (fn, ...args) => callInPage(page, MODULE, fn, ...args);

before(async () => {
  ({browser, page} = await openTestPage(engine, server.url, seen, {server}));
  if (DIFFERS.opfs(engine)) await inPage('clear');
});
after(() => browser?.close());

if (!DIFFERS.opfs(engine)) {
  it('no OPFS here: E_NOT_SUPPORTED from the handler, no opfs:// router, listModels still lists', async () => {
    const r = await inPage('unavailable');
    assert.equal(r.save?.code, 'E_NOT_SUPPORTED', r.save?.message);
    assert.equal(r.load?.code, 'E_NOT_SUPPORTED', r.load?.message);
    assert.match(r.save.message, /origin private file system/);
    assert.equal(r.router?.code, 'E_NO_HANDLER', r.router?.message);
    assert.equal(r.list, null);
  });
  return;
}

it('save, then load through the handler, load() and a weight stream: the same artifacts', async () => {
  const r = await inPage('roundTrip');
  assert.deepEqual(r.problems, []);
  assert.equal(r.info.weightDataBytes, 10 * MiB + 12);
  assert.equal(r.shards, 3, 'three 4 MiB shard files');
  assert.deepEqual(r.lastProgress, [1, 10 * MiB + 12]);
  assert.equal(r.files.length, 4);
  assert.ok(r.files.includes('model.json'));
  const shards = r.files.filter(n => n !== 'model.json');
  assert.ok(shards.every(n => /^[0-9a-z]+-[0-9a-z]+\.shard[123]\.bin$/.test(n)), shards.join());
});

it('weights only as getWeightStream(): saved file by file; short, long, endless and failing streams keep the model before', async () => {
  const r = await inPage('streamedSaves');
  assert.deepEqual(r.problems, []);
  assert.equal(r.info.weightDataBytes, 9 * MiB + 8);
  assert.deepEqual(r.lastProgress, [1, 9 * MiB + 8]);
  assert.ok(r.monotonic);
  assert.equal(r.kept.length, 4, r.kept.join());
  for (const [name, e] of Object.entries(r.failures)) assert.ok(e?.isMa, `${name}: ${JSON.stringify(e)}`);
  assert.equal(r.failures.short.code, 'E_SIZE_MISMATCH');
  assert.match(r.failures.short.message, /gave 5242877 bytes; the weightSpecs need 5242880/);
  assert.equal(r.failures.long.code, 'E_SIZE_MISMATCH');
  assert.match(r.failures.long.message, /gave more than 5242880 bytes; the weightSpecs need 5242880/);
  assert.equal(r.failures.endless.code, 'E_SIZE_MISMATCH');
  assert.equal(r.endless.cancelled, true, 'the endless stream was cancelled');
  assert.ok((r.endless.pastEnd ?? 0) <= 2, `pulled ${r.endless.pastEnd} chunks past the end`);
  assert.equal(r.failures.failing.code, 'E_STREAM');
  assert.match(r.failures.failing.message, /the disk went away/);
  assert.deepEqual(r.afterFailures, r.kept, 'no files of the failed saves are left');
});

it('copyModel streams into OPFS from http and IndexedDB (chunked); moveModel OPFS to OPFS; a streamed load saves', async () => {
  const r = await inPage('streamedCopies', `${server.url}/fixtures/synth-layers-f32-sharded/model.json`);
  assert.deepEqual(r, {http: [], loaded: [], moved: [], sourceGone: r.sourceGone, idbKept: []});
  assert.equal(r.sourceGone?.code, 'E_NOT_FOUND');
});

it('models without weight bytes: model.json alone, loaded back with no bytes', async () => {
  const r = await inPage('noWeights');
  assert.deepEqual(r.empty, {topology: true, specs: [], bytes: 0});
  assert.equal(r.bare.topology, true);
  assert.ok(r.bare.bytes === null || r.bare.bytes === 0, `bare: ${r.bare.bytes} bytes`);
  assert.deepEqual(r.files, [['model.json'], ['model.json']]);
});

it('a save replaces the model before it, whose files go', async () => {
  const r = await inPage('replace');
  assert.deepEqual(r.problems, []);
  assert.equal(r.first.length, 3);
  assert.equal(r.second.length, 2);
  assert.deepEqual(r.second.filter(n => r.first.includes(n)), ['model.json']);
});

it('listModels and removeModel; a model that is not there is E_NOT_FOUND', async () => {
  const r = await inPage('listAndRemove');
  assert.deepEqual(r.listed, {'opfs://lr/one': {bytes: MiB, date: true}, 'opfs://lr/two': {bytes: 4, date: true}});
  assert.deepEqual(r.removed, {bytes: MiB, date: true});
  assert.deepEqual(r.after, ['opfs://lr/two']);
  assert.equal(r.folder, null, 'the folder is gone');
  for (const key of ['loadRemoved', 'removeAgain', 'never']) {
    assert.equal(r[key]?.code, 'E_NOT_FOUND', `${key}: ${r[key]?.message}`);
  }
});

it('copyModel IndexedDB -> OPFS and moveModel OPFS -> IndexedDB keep every byte; onto itself is E_SAME_MODEL',
  async () => {
    const r = await inPage('copyAndMove');
    assert.deepEqual(r.copied, []);
    assert.deepEqual(r.moved, []);
    assert.equal(r.sourceGone?.code, 'E_NOT_FOUND', r.sourceGone?.message);
    assert.equal(r.same?.code, 'E_SAME_MODEL', r.same?.message);
  });

it('a save aborted after its first file: E_ABORTED, the model before loads whole, no file of the save is left',
  async () => {
    const r = await inPage('interrupted');
    assert.equal(r.error?.code, 'E_ABORTED', r.error?.message);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.after, r.before);
  });

it('files changed behind its back: a short shard is E_SIZE_MISMATCH, a missing one E_WEIGHT_NOT_FOUND, '
  + 'a broken model.json E_INVALID_JSON', async () => {
  const r = await inPage('tampered');
  assert.equal(r.short?.code, 'E_SIZE_MISMATCH', r.short?.message);
  assert.equal(r.shortStream?.code, 'E_SIZE_MISMATCH', r.shortStream?.message);
  assert.equal(r.missing?.code, 'E_WEIGHT_NOT_FOUND', r.missing?.message);
  assert.match(r.missing.message, /tm\/m/);
  assert.equal(r.notJson?.code, 'E_INVALID_JSON', r.notJson?.message);
});

it('files of saves that never committed: an hour-old one goes with the next save, a fresh one stays', async () => {
  const r = await inPage('leftovers');
  assert.deepEqual(r, {oldKept: false, freshKept: true, count: 3});
});

it('a dedicated module worker: save, load, stream, list, remove, streamed saves (OPFS, a copy into IndexedDB); the page loads what it saved', async () => {
  const r = await inPage('workerRoundTrip');
  assert.deepEqual(r.problems, []);
  assert.equal(r.scope, 'function');
  assert.deepEqual(r.listed, ['opfs://wk/model']);
  assert.deepEqual(r.afterRemove, []);
  assert.deepEqual(r.pageProblems, []);
});

if (DIFFERS.smallQuota(engine)) {
  it('a save past a small quota: E_QUOTA_EXCEEDED with the bytes it needed, the model before kept', async () => {
    const quota = await openSmallQuotaPage(browser, server.url, seen, {server});
    try {
      const bytes = engine === 'firefox' ? 16 * MiB : 4 * MiB;
      const r = await callInPage(quota.page, MODULE, 'overQuota', bytes);
      assert.equal(r.error?.code, 'E_QUOTA_EXCEEDED', r.error?.message);
      assert.equal(r.error.needed, bytes);
      assert.deepEqual(r.problems, []);
      assert.equal(r.files.length, 2, r.files.join());
    } finally {
      await quota.close();
    }
  });
}

it('the page logged no errors', () => {
  assert.deepEqual(seen.pageErrors, []);
  assert.deepEqual(seen.consoleErrors, []);
});
}));
