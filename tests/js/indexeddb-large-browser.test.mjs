// browserIndexedDB's chunked layout (models above `chunkThreshold` stored as
// chunk records in the database `model-artifacts`, commit-last) in each
// real browser engine (support/engines.mjs): byte-exact round trips (buffers, streams, the
// indexeddb:// router, listModels), switching layouts at one path,
// removeModel and leftovers of interrupted saves, a full quota in both
// layouts (E_QUOTA_EXCEEDED with needed/available, previous model kept;
// Chromium and Firefox: WebKitGTK offers no small quota),
// aborts, a page closed in the middle of a save, saves racing from two tabs,
// and dedicated + shared workers. Small thresholds and chunk sizes keep the
// models at a few MiB. Interleavings that matter are forced, not hoped for:
// the page side observes the package's own object-store calls and holds
// real readwrite transactions so that the package's next ones queue behind
// them (IndexedDB runs overlapping readwrite transactions in creation
// order). One browser; separate contexts (each its own in-memory storage)
// for the quota test, the crash test and the races. Page side:
// support/browser-indexeddb-large.mjs (+ -worker.mjs).
import {describe, it, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {REPO_ROOT} from './support/common.mjs';
import {startStaticServer} from './support/static-server.mjs';
import {DIFFERS, forEachEngine, openTestPage, openSmallQuotaPage, callInPage} from './support/engines.mjs';

const KiB = 1 << 10;
const MiB = 1 << 20;
const SMALL = {chunkThreshold: MiB, chunkSize: 256 * KiB};

let server;

/** Calls `fn` of support/browser-indexeddb-large.mjs in `p`. */
const inPage = (p, fn, ...args) => callInPage(p, '/tests/js/support/browser-indexeddb-large.mjs', fn, ...args);
/** A raw-storage helper of the support module (no package argument). */
function rawIn(p, fn, ...args) {
  return p.evaluate(async ([fn, args]) => {
    const m = await import('/tests/js/support/browser-indexeddb-large.mjs');
    return m[fn](...args);
  }, [fn, args]);
}

const sum = a => a.reduce((x, y) => x + y, 0);
/** A chunked model's stored state is consistent: one record, exactly its chunks. */
function assertChunked(raw, bytes, chunkSize, label) {
  assert.ok(raw.own, `${label}: a record in model-artifacts`);
  assert.equal(typeof raw.own.saveId, 'string', label);
  assert.equal(raw.own.hasWeightData, false, `${label}: the record holds no weights`);
  assert.equal(sum(raw.own.chunks), bytes, `${label}: chunk lengths add up`);
  assert.ok(raw.own.chunks.every(n => n > 0 && n <= chunkSize), `${label}: chunk lengths ${raw.own.chunks}`);
  assert.ok(raw.own.chunks.length >= Math.ceil(bytes / chunkSize), label);
  assert.equal(raw.own.weightDataBytes, bytes, label);
  assert.deepEqual(raw.chunks, {[raw.own.saveId]: raw.own.chunks.length}, `${label}: exactly the record's chunks`);
  assert.deepEqual(raw.tfjs, {hasModel: false, hasInfo: false}, `${label}: nothing in tfjs's database`);
}
function assertTfjsLayout(raw, label) {
  assert.deepEqual(raw.tfjs, {hasModel: true, hasInfo: true}, label);
  assert.equal(raw.own, null, `${label}: no chunked record`);
  assert.deepEqual(raw.chunks, {}, `${label}: no chunks`);
}
function assertLoads(load, seed, label) {
  assert.equal(load.error, undefined, `${label}: ${JSON.stringify(load.error)}`);
  assert.deepEqual(load.problems, [], label);
  assert.equal(load.seed, seed, `${label}: loads model ${load.seed}, expected ${seed}`);
  assert.equal(load.whole, true, label);
}
function assertError(result, code, label) {
  assert.equal(result.ok, false, `${label}: expected ${code}, the save resolved`);
  assert.equal(result.error.name, 'ModelArtifactsError', `${label}: ${JSON.stringify(result.error)}`);
  assert.equal(result.error.isClass, true, label);
  assert.equal(result.error.code, code, `${label}: ${JSON.stringify(result.error)}`);
}

before(async () => {
  server = await startStaticServer({'/': REPO_ROOT});
});

after(() => server?.close());

// One block per engine (its body is not indented, to keep the diff small).
forEachEngine(engine => describe(engine, () => {
let browser;
let page;
const pageErrors = [];
const consoleErrors = [];
const failedRequests = [];
const contexts = [];
const sinks = {pageErrors, consoleErrors, failedRequests};

/** A test page in `context` (its own storage), errors collected like the first page's. */
async function newTestPage(context, label) {
  return (await openTestPage(context, server.url, sinks, {server, label})).page;
}
async function newContext() {
  const c = await browser.newContext();
  contexts.push(c);
  return c;
}

before(async () => {
  ({browser, page} = await openTestPage(engine, server.url, sinks, {server}));
});

after(async () => {
  for (const c of contexts) await c.close().catch(() => {});
  await browser?.close();
});

describe('chunked layout: round trips', () => {
  const BYTES = 3 * MiB + 40_004;
  let round;

  it('a chunked save loads byte-exact as ArrayBuffer[], as a weight stream, and through ma.load(indexeddb://)', async () => {
    round = await inPage(page, 'chunkedRoundTrip', 'big', 1, BYTES, [MiB + 12_345], SMALL);
    assert.deepEqual(round.problems, []);
    assert.equal(round.info.weightDataBytes, BYTES);
    assert.equal(round.info.modelTopologyType, 'JSON');
    assert.equal(round.weightDataKind, '[object Array]');
    assert.deepEqual(round.bufferKinds, ['[object ArrayBuffer]']);
    assert.deepEqual(round.streamShape, {hasWeightData: false, getWeightStream: 'function'});
    assertChunked(round.raw, BYTES, SMALL.chunkSize, 'stored');
  });

  it('a small model through ma.save (default threshold) goes to the tfjs layout; listModels shows both', async () => {
    const r = await inPage(page, 'smallViaRouterAndList', 'small', 2, 64 * KiB, 'big');
    assert.deepEqual(r.problems, []);
    assertTfjsLayout(r.raw, 'small');
    assert.ok(r.listKeys.includes('indexeddb://big') && r.listKeys.includes('indexeddb://small'), r.listKeys.join());
    assert.deepEqual(r.listed.big, {weightDataBytes: BYTES, weightSpecsBytes: round.info.weightSpecsBytes,
      modelTopologyType: 'JSON', dateSaved: true});
    assert.equal(r.listed.small.weightDataBytes, 64 * KiB);
  });

  it('switching layouts at one path: the newer model loads, the other layout is emptied', async () => {
    const [chunked, small, chunkedAgain] = await inPage(page, 'layoutSwitch', 'switch', SMALL);
    assertLoads(chunked.load, 21, 'chunked');
    assertChunked(chunked.raw, 3 * MiB, SMALL.chunkSize, 'chunked');
    assertLoads(small.load, 22, 'then small');
    assertTfjsLayout(small.raw, 'then small');
    assert.equal(small.listed, 64 * KiB);
    assertLoads(chunkedAgain.load, 23, 'then chunked');
    assertChunked(chunkedAgain.raw, 2 * MiB + 4, SMALL.chunkSize, 'then chunked');
    assert.equal(chunkedAgain.listed, 2 * MiB + 4);
  });

  it('removeModel removes a chunked model and its chunks, and leftovers of interrupted saves; saves clean leftovers', async () => {
    const r = await inPage(page, 'removals', 'rm', SMALL);
    assertChunked(r.before, 2 * MiB, SMALL.chunkSize, 'before');
    assert.equal(r.removedBytes, 2 * MiB);
    assert.deepEqual(r.after, {own: null, chunks: {}, tfjs: {hasModel: false, hasInfo: false}});
    assert.equal(r.loadAfter.code, 'E_NOT_FOUND');
    assert.equal(r.listedAfter, false);
    // Only leftovers: removed, and the path is still "not found".
    assert.deepEqual(r.leftovers, {x: 3});
    assertError(r.removeLeftovers, 'E_NOT_FOUND', 'removeModel of leftovers only');
    assert.deepEqual(r.afterRemoveLeftovers, {});
    assert.deepEqual(r.neighbourAfter, {[r.freshId]: 2}, "another path's recent leftovers (a save that may still run) are not touched");
    assert.equal(Object.values(r.staleNeighbour)[0], 2);
    assert.deepEqual(r.staleNeighbourAfter, {}, "leftovers of a save that began over an hour ago are swept at any path");
    // A chunked save and a tfjs-layout save each drop leftovers at their path.
    assertChunked(r.afterChunkedSave, 2 * MiB, SMALL.chunkSize, 'chunked save over leftovers');
    assertTfjsLayout(r.afterSmallSave, 'small save over leftovers');
    assertLoads(r.loadSmall, 33, 'small save over leftovers');
  });

  it('a dedicated worker and a shared worker do a chunked round trip; the page loads what they saved', async () => {
    for (const [kind, scope] of [['dedicated', 'DedicatedWorkerGlobalScope'], ['shared', 'SharedWorkerGlobalScope']]) {
      const job = {path: `worker-${kind}`, seed: kind === 'shared' ? 82 : 81, bytes: 2 * MiB + 8, ...SMALL};
      const r = await page.evaluate(async ([kind, job]) => {
        const m = await import('/tests/js/support/browser-indexeddb-large.mjs');
        return m.workerRoundTrip(kind, job);
      }, [kind, job]);
      assert.deepEqual(r.problems, [], kind);
      assert.equal(r.scope, scope);
      assert.equal(r.hasWindow, false);
      assertChunked(r.raw, job.bytes, SMALL.chunkSize, kind);
      assertLoads(await inPage(page, 'loadWhich', job.path, [job]), job.seed, `page loads the ${kind} worker's model`);
    }
  });
});

describe('streamed saves (weights only as getWeightStream())', () => {
  const BYTES = MiB + 40_004;

  it('save a chunk record at a time, or joined into tfjs\'s layout; bad streams keep the model before and leave no chunks; copy and move stream', async () => {
    const r = await inPage(page, 'streamedSaves', 'streamed', 21, BYTES, SMALL);
    assert.deepEqual(r.problems, []);
    assert.equal(r.info.weightDataBytes, BYTES);
    assertChunked(r.raw, BYTES, SMALL.chunkSize, 'streamed, chunked');
    assert.equal(r.raw.own.chunks.length, Math.ceil(BYTES / SMALL.chunkSize), 'chunks of chunkSize, cut from the stream');
    assert.deepEqual(r.lastProgress, [1, BYTES]);
    assert.equal(r.monotonic, true);
    assertTfjsLayout(r.smallRaw, 'streamed, below the threshold');
    const need = `the weightSpecs need ${BYTES}`;
    assertError(r.failures.short, 'E_SIZE_MISMATCH', 'short');
    assert.match(r.failures.short.error.message, new RegExp(`gave ${BYTES - 3} bytes; ${need}`));
    assertError(r.failures.long, 'E_SIZE_MISMATCH', 'long');
    assert.match(r.failures.long.error.message, new RegExp(`gave more than ${BYTES} bytes; ${need}`));
    assertError(r.failures.endless, 'E_SIZE_MISMATCH', 'endless');
    assert.equal(r.endless.cancelled, true, 'the endless stream was cancelled');
    assertError(r.failures.failing, 'E_STREAM', 'failing');
    assertError(r.failures.shortSmall, 'E_SIZE_MISMATCH', 'short, tfjs layout');
    assert.deepEqual(r.afterFailures.chunked, r.raw, 'the chunked model before, exactly its chunks');
    assert.deepEqual(r.afterFailures.small, r.smallRaw);
    assertLoads(r.afterFailures.loads, 21, 'after the failures');
    assertLoads(r.afterFailures.smallLoads, 21, 'tfjs layout, after the failures');
    assertLoads(r.copies.copy, 21, 'copyModel, streamed');
    assertLoads(r.copies.moved, 21, 'moveModel, streamed and read back');
    assertError(r.copies.smallGone, 'E_NOT_FOUND', 'the moved source');
  });
});

describe('chunked layout: quota', () => {
  // Differs: Chromium lowers the origin's quota (CDP), Firefox starts with
  // a small storage limit, WebKitGTK offers neither (DIFFERS.smallQuota).
  const skip = DIFFERS.smallQuota(engine) ? false
    : `${engine}: no small storage quota to be had (its quota follows the disk; DIFFERS.smallQuota)`;
  let r;
  it('a full quota rejects E_QUOTA_EXCEEDED in both layouts and keeps the previous model', {skip}, async () => {
    // Its own context (or browser): the small quota stays there.
    const small = await openSmallQuotaPage(browser, server.url, sinks, {server});
    try {
      r = await inPage(small.page, 'quota', 'q', 'qc');
    } finally {
      await small.close();
    }

    assertTfjsLayout(r.small, 'small model before');
    assertChunked(r.smallChunked, 128 * KiB, 64 * KiB, 'small chunked model before');
    for (const [label, c] of Object.entries(r.cases)) {
      assertError(c.result, 'E_QUOTA_EXCEEDED', label);
      assert.equal(typeof c.result.error.needed, 'number', label);
      assert.ok(c.result.error.needed >= 16 * MiB, `${label}: needed ${c.result.error.needed}`);
      // Chromium pads the quota estimate() reports (about usage + 10 GiB),
      // so `available` is only known to be a number.
      assert.equal(typeof c.result.error.available, 'number', label);
      assert.ok(Number.isFinite(c.result.error.available) && c.result.error.available >= 0, `${label}: available ${c.result.error.available}`);
      assert.match(c.result.error.message, /quota|Quota/, label);
    }
    const tfjsCase = r.cases['tfjs layout'];
    assertLoads(tfjsCase.load, 41, 'after the tfjs-layout failure');
    assertTfjsLayout(tfjsCase.raw, 'after the tfjs-layout failure');
    const overTfjs = r.cases['chunked over a tfjs-layout model'];
    // Chromium pads its estimate, so the save writes chunks until the quota
    // stops it; Firefox's estimate is exact, so the save is refused before
    // it writes any (at a full quota Firefox refuses deletes too, so chunks
    // once written could not be dropped).
    assert.equal(overTfjs.triedChunkSaves, engine === 'firefox' ? 0 : 1, 'chunk transactions the failed save began');
    assertLoads(overTfjs.load, 41, 'after the chunked failure');
    assertLoads(r.cases['chunked over a chunked model'].load, 42, 'after the chunked failure over a chunked model');

    for (const e of [r.estimateBefore, r.estimate]) {
      assert.equal(typeof e.usage, 'number');
      assert.equal(typeof e.quota, 'number');
      assert.equal(typeof e.persisted, 'boolean');
      assert.ok(e.usage >= 0 && e.quota >= e.usage, JSON.stringify(e));
    }
    assert.equal(typeof r.persist, 'boolean');
  });

  // In Firefox this holds only because the save is refused from the
  // estimate before it writes: with the origin at its quota, Firefox aborts
  // every readwrite transaction that deletes records (only clear() passes).
  it('a save stopped by the quota leaves no chunks of its own', {skip}, () => {
    assert.ok(r, 'the quota test ran');
    assertTfjsLayout(r.cases['chunked over a tfjs-layout model'].raw, 'after the chunked failure: no chunks of the failed save');
    assert.deepEqual(r.cases['chunked over a chunked model'].raw, r.smallChunked, 'exactly the previous record and its chunks');
  });
});

describe('chunked layout: abort', () => {
  it('an aborted save rejects E_ABORTED, stores nothing and keeps the previous model (before, between and inside transactions)', async t => {
    const r = await inPage(page, 'aborts', 'ab', 'ab-tfjs');
    assertChunked(r.before, 2 * MiB, MiB, 'before');
    for (const label of ['aborted before, chunked', 'aborted before, tfjs layout']) {
      assertError(r[label].result, 'E_ABORTED', label);
      assert.equal(r[label].puts, 0, `${label}: nothing written`);
    }
    assertLoads(r['aborted before, chunked'].load, 51, 'aborted before, chunked');
    assert.deepEqual(r['aborted before, chunked'].raw, r.before);
    assertLoads(r['aborted before, tfjs layout'].load, 52, 'aborted before, tfjs layout');
    assertTfjsLayout(r['aborted before, tfjs layout'].raw, 'aborted before, tfjs layout');

    const between = r['aborted after the first chunk transaction'];
    assertError(between.result, 'E_ABORTED', 'between');
    assert.equal(between.abortedAt, 1, 'aborted once the first chunk was stored');
    assertLoads(between.load, 51, 'between');
    assert.deepEqual(between.raw, r.before, 'between: no chunks of the aborted save remain');

    const inside = r['aborted inside a chunk transaction'];
    assertError(inside.result, 'E_ABORTED', 'inside');
    assert.equal(inside.abortedAt, 3);
    assertLoads(inside.load, 51, 'inside');
    assert.deepEqual(inside.raw, r.before, 'inside: no chunks of the aborted save remain');

    const tfjsInside = r['aborted inside the tfjs-layout transaction'];
    assertError(tfjsInside.result, 'E_ABORTED', 'tfjs layout, inside');
    assertLoads(tfjsInside.load, 52, 'tfjs layout, inside');
    assertTfjsLayout(tfjsInside.raw, 'tfjs layout, inside');

    // A timer may land anywhere (even after the commit): one model whole.
    const timer = r['aborted by a timer'];
    t.diagnostic(`timer abort: ${timer.result.ok ? 'the save finished first' : timer.result.error.code}`);
    if (timer.result.ok) {
      assertLoads(timer.load, 53, 'timer, save finished first');
      assertChunked(timer.raw, 32 * MiB, MiB, 'timer, save finished first');
    } else {
      assertError(timer.result, 'E_ABORTED', 'timer');
      assertLoads(timer.load, 51, 'timer');
      assert.deepEqual(timer.raw, r.before, 'timer: no chunks of the aborted save remain');
    }
  });
});

describe('chunked layout: a page closed during a save', () => {
  it('the previous model loads whole, leftovers are dropped by the next save', async () => {
    const context = await newContext();
    const [a, b] = [await newTestPage(context, 'crash A'), await newTestPage(context, 'crash B')];
    const m1 = {seed: 91, bytes: 2 * MiB}, m2 = {seed: 92, bytes: 32 * MiB}, m3 = {seed: 93, bytes: MiB + 4 * KiB};
    const opts = {chunkThreshold: 512 * KiB, chunkSize: MiB};
    const saved = await inPage(a, 'saveModel', 'crash', m1.seed, m1.bytes, opts);
    assertChunked(saved.raw, m1.bytes, MiB, 'M1');
    // Page A starts saving M2; page B, once 3 of M2's chunks are stored,
    // holds the database (A's next transactions queue), A is closed, B lets go.
    await inPage(a, 'armSave', 'crash', m2.seed, m2.bytes, opts);
    await rawIn(a, 'fire');
    const held = await rawIn(b, 'holdOwnWhenChunks', 'crash', 3, saved.raw.own.saveId);
    await a.close();
    await rawIn(b, 'releaseHold');
    assert.equal(held.committedSaveId, saved.raw.own.saveId, 'M2 was not committed when A closed');
    assert.ok(held.fresh >= 3, `${held.fresh} chunks of M2 stored`);

    const c = await newTestPage(context, 'crash C');
    const load = await inPage(c, 'loadWhich', 'crash', [m1, m2]);
    assertLoads(load, m1.seed, 'after the crash');
    const left = await rawIn(c, 'raw', 'crash');
    assert.equal(left.own.saveId, saved.raw.own.saveId);
    const stray = Object.entries(left.chunks).filter(([id]) => id !== saved.raw.own.saveId);
    assert.equal(stray.length, 1, `leftovers of the interrupted save: ${JSON.stringify(left.chunks)}`);
    assert.ok(stray[0][1] >= 3);

    const next = await inPage(c, 'saveModel', 'crash', m3.seed, m3.bytes, opts);
    assertChunked(next.raw, m3.bytes, MiB, 'the next save');
    assertLoads(await inPage(c, 'loadWhich', 'crash', [m1, m2, m3]), m3.seed, 'the next save');
    await context.close();
  });
});

describe('chunked layout: saves racing', () => {
  let context;
  let p;
  let q;
  before(async () => {
    context = await newContext();
    p = await newTestPage(context, 'race P');
    q = await newTestPage(context, 'race Q');
  });
  after(() => context.close());

  // Two tabs save to one path at once: one model loads, whole.
  for (const [label, xOpts, yOpts] of [
    ['both chunked', SMALL, SMALL],
    ['both in the tfjs layout', {}, {}],
    ['one chunked, one in the tfjs layout', SMALL, {}],
  ]) {
    it(`two tabs, ${label}: the model stored is one of the two, whole`, async t => {
      for (let round = 0; round < 3; round++) {
        const path = `race-${label}-${round}`;
        const x = {seed: 100 + round * 2, bytes: 4 * MiB}, y = {seed: 101 + round * 2, bytes: 4 * MiB - 4 * KiB};
        await inPage(p, 'armSave', path, x.seed, x.bytes, xOpts);
        await inPage(q, 'armSave', path, y.seed, y.bytes, yOpts);
        const order = round % 2 ? [q, p] : [p, q];
        await Promise.all(order.map(t => rawIn(t, 'fire')));
        const [xr, yr] = [await rawIn(p, 'background'), await rawIn(q, 'background')];
        const ok = [xr.ok && x.seed, yr.ok && y.seed].filter(Boolean);
        assert.ok(ok.length >= 1, `${path}: neither save resolved: ${JSON.stringify([xr, yr])}`);
        for (const r of [xr, yr]) if (!r.ok) assertError(r, 'E_STORAGE', path);
        const load = await inPage(p, 'loadWhich', path, [x, y]);
        assert.equal(load.error, undefined, `${path}: ${JSON.stringify({load, xr, yr})}`);
        assert.deepEqual(load.problems, [], path);
        assert.equal(load.whole, true);
        assert.ok(ok.includes(load.seed), `${path}: loads ${load.seed}, resolved saves: ${ok}`);
        const raw = await rawIn(p, 'raw', path);
        if (raw.own) assert.equal(raw.chunks[raw.own.saveId], raw.own.chunks.length, `${path}: ${JSON.stringify(raw)}`);
        const how = r => (r.ok ? 'resolved' : r.error.code);
        t.diagnostic(`round ${round}: P ${how(xr)}, Q ${how(yr)}, loads ${load.seed === x.seed ? 'P' : 'Q'}'s; ` +
          `chunk records of other saves left: ${sum(Object.entries(raw.chunks).filter(([id]) => id !== raw.own?.saveId).map(([, n]) => n))}`);
      }
    });
  }

  // When the commit finds its chunks gone (another save committed
  // meanwhile), save_chunked (src/handlers/indexed_db.rs, the `!committed`
  // branch) rejects E_STORAGE and drops the chunks it wrote after that
  // commit, as its other failure paths do.
  it('forced: a chunked save that loses to one committed between its chunk transactions rejects E_STORAGE and leaves no chunks', async () => {
    const r = await inPage(p, 'chunkedLoser', 'loser');
    assert.equal(r.xResult.ok, true, JSON.stringify(r.xResult));
    assertError(r.yResult, 'E_STORAGE', 'the losing save');
    assertLoads(r.load, 61, 'the winner');
    assertChunked(r.raw, 128 * KiB, 256 * KiB, 'only the winner\'s chunks remain');
  });

  // Each layout switch removes the other layout's model only when it is
  // older, decided inside the removing transaction (it once removed it
  // unconditionally, and this interleaving lost both models).
  it('forced: chunked save X and tfjs-layout save Y interleaved (Y written after X commits, before X drops the tfjs record): one model remains', async () => {
    const r = await inPage(p, 'mixedLayouts', 'mixed');
    assert.ok(r.xResult.ok || r.yResult.ok, JSON.stringify(r));
    const ok = [r.xResult.ok && 71, r.yResult.ok && 72].filter(Boolean);
    assert.equal(r.load.error, undefined, `both saves ${JSON.stringify([r.xResult, r.yResult])}, then load: ${JSON.stringify(r.load)}; ` +
      `order of writes: ${r.log.join(', ')}; stored: ${JSON.stringify(r.raw)}`);
    assert.equal(r.load.whole, true);
    assert.ok(ok.includes(r.load.seed), `loads ${r.load.seed}, resolved: ${ok}`);
    assert.equal(r.listed, true);
  });
});

describe('page health', () => {
  it('no page errors, console errors or failed requests', () => {
    assert.deepEqual(pageErrors, []);
    assert.deepEqual(consoleErrors, []);
    assert.deepEqual(failedRequests, []);
  });
});
}));
