// Operations started without `await` run in call order, per store (as in
// TensorFlow.js, whose own suite relies on it): each case starts one
// operation, does not await it, then awaits a second one that must see the
// first one's effect. Shared by tests/js/ordering.test.mjs (Node:
// fake-indexeddb, a localStorage shim, real folders) and
// tests/js/ordering-browser.test.mjs (each engine's real IndexedDB and
// localStorage); every case returns its problems as strings.

const errInfo = e => ({name: e?.name, code: e?.code, message: String(e?.message ?? e)});

/** A small model whose weight bytes depend on `seed`. */
function model(seed) {
  const data = new Float32Array([seed, seed + 1, seed + 2, seed + 3]);
  return {modelTopology: {seed}, format: 'layers-model', weightData: data.buffer,
    weightSpecs: [{name: 'w', dtype: 'float32', shape: [4]}]};
}

/** The float32 values of loaded artifacts (shards joined). */
function values(artifacts) {
  const parts = [].concat(artifacts.weightData).map(b => new Uint8Array(b instanceof ArrayBuffer ? b : b.buffer));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.byteLength; }
  return Array.from(new Float32Array(out.buffer));
}

const expectValues = (problems, artifacts, seed, what) => {
  const got = values(artifacts).join();
  const want = [seed, seed + 1, seed + 2, seed + 3].join();
  if (got !== want) problems.push(`${what}: weights ${got}, expected ${want}`);
};

async function rejection(p) {
  try { await p; } catch (e) { return errInfo(e); }
  return null;
}

/** Settles `p` and records an unexpected failure of the un-awaited step. */
async function settled(p, problems, what) {
  const e = await rejection(p);
  if (e) problems.push(`${what} failed: ${e.code} ${e.message}`);
}

let serial = 0;
/** `base` + a name no other case uses. */
const fresh = (base, name) => `${base}${name}-${++serial}`;

/** Cases by name: (ma, base, listRoot) => problems. `base` ends with '/' and
 * prefixes every model URL; listModels(listRoot) must list them. */
export const CASES = {
  async saveThenLoad(ma, base) {
    const problems = [];
    const url = fresh(base, 'save-load');
    const saving = ma.save(model(1), url);
    const e = await rejection(ma.load(url).then(a => expectValues(problems, a, 1, 'load after save')));
    if (e) problems.push(`load after an un-awaited save: ${e.code} ${e.message}`);
    await settled(saving, problems, 'save');
    return problems;
  },

  async saveOverThenLoad(ma, base) {
    const problems = [];
    const url = fresh(base, 'save-over');
    await ma.save(model(1), url);
    const saving = ma.save(model(5), url);
    expectValues(problems, await ma.load(url), 5, 'load after replacing save');
    await settled(saving, problems, 'save');
    return problems;
  },

  async saveThenList(ma, base, listRoot) {
    const problems = [];
    const url = fresh(base, 'save-list');
    const saving = ma.save(model(2), url);
    const listed = await ma.listModels(listRoot);
    if (!(url in listed)) problems.push(`listModels after an un-awaited save lacks ${url}: ${Object.keys(listed)}`);
    await settled(saving, problems, 'save');
    return problems;
  },

  async handlersSaveThenLoad(ma, base) {
    const problems = [];
    const url = fresh(base, 'handlers');
    const saving = ma.getSaveHandlers(url)[0].save(model(3));
    const e = await rejection(ma.getLoadHandlers(url)[0].load().then(a => expectValues(problems, a, 3, 'handler load')));
    if (e) problems.push(`handler load after an un-awaited handler save: ${e.code} ${e.message}`);
    await settled(saving, problems, 'handler save');
    return problems;
  },

  async removeThenList(ma, base, listRoot) {
    const problems = [];
    const url = fresh(base, 'remove-list');
    await ma.save(model(4), url);
    const removing = ma.removeModel(url);
    const listed = await ma.listModels(listRoot);
    if (url in listed) problems.push(`listModels after an un-awaited removeModel still lists ${url}`);
    await settled(removing, problems, 'removeModel');
    return problems;
  },

  async removeThenLoad(ma, base) {
    const problems = [];
    const url = fresh(base, 'remove-load');
    await ma.save(model(4), url);
    const removing = ma.removeModel(url);
    const e = await rejection(ma.load(url));
    if (e?.code !== 'E_NOT_FOUND') problems.push(`load after an un-awaited removeModel: ${JSON.stringify(e)}`);
    await settled(removing, problems, 'removeModel');
    return problems;
  },

  async copyThenList(ma, base, listRoot) {
    const problems = [];
    const [from, to] = [fresh(base, 'copy-from'), fresh(base, 'copy-to')];
    await ma.save(model(6), from);
    const copying = ma.copyModel(from, to);
    const listed = await ma.listModels(listRoot);
    for (const url of [from, to]) {
      if (!(url in listed)) problems.push(`listModels after an un-awaited copyModel lacks ${url}`);
    }
    expectValues(problems, await ma.load(to), 6, 'the copy');
    await settled(copying, problems, 'copyModel');
    return problems;
  },

  async moveThenList(ma, base, listRoot) {
    const problems = [];
    const [from, to] = [fresh(base, 'move-from'), fresh(base, 'move-to')];
    await ma.save(model(7), from);
    const moving = ma.moveModel(from, to);
    const listed = await ma.listModels(listRoot);
    if (!(to in listed)) problems.push(`listModels after an un-awaited moveModel lacks ${to}`);
    if (from in listed) problems.push(`listModels after an un-awaited moveModel still lists ${from}`);
    const e = await rejection(ma.load(from));
    if (e?.code !== 'E_NOT_FOUND') problems.push(`load of a moved source: ${JSON.stringify(e)}`);
    await settled(moving, problems, 'moveModel');
    return problems;
  },

  // Un-awaited saves, a remove, a copy and a load chained in one store.
  async chain(ma, base, listRoot) {
    const problems = [];
    const [a, b] = [fresh(base, 'chain-a'), fresh(base, 'chain-b')];
    const steps = [ma.save(model(8), a), ma.save(model(9), a), ma.copyModel(a, b), ma.removeModel(a)]
      .map(step => settled(step, problems, 'a chained step'));
    const listed = await ma.listModels(listRoot);
    if (a in listed || !(b in listed)) problems.push(`after save, save, copy, remove: listed ${Object.keys(listed)}`);
    expectValues(problems, await ma.load(b), 9, 'the copy of the second save');
    await Promise.all(steps);
    return problems;
  },

  // A failed operation gives up its turn: what comes next still runs.
  async failureReleases(ma, base, listRoot) {
    const problems = [];
    const url = fresh(base, 'after-failure');
    const failing = rejection(ma.removeModel(fresh(base, 'missing')));
    const saving = ma.save(model(10), url);
    const listed = await ma.listModels(listRoot);
    if (!(url in listed)) problems.push(`listModels after a failed removeModel and a save lacks ${url}`);
    if ((await failing)?.code !== 'E_NOT_FOUND') problems.push('removeModel of a missing model did not fail');
    await settled(saving, problems, 'save');
    return problems;
  },

  // An aborted save stores nothing and gives up its turn.
  async abortedSaveReleases(ma, base, listRoot) {
    const problems = [];
    const url = fresh(base, 'aborted');
    const controller = new AbortController();
    controller.abort();
    const aborted = rejection(ma.save(model(11), url, {signal: controller.signal}));
    const listed = await ma.listModels(listRoot);
    if (url in listed) problems.push(`an aborted save is listed: ${url}`);
    const e = await aborted;
    if (e?.code !== 'E_ABORTED') problems.push(`save with an aborted signal: ${JSON.stringify(e)}`);
    await ma.save(model(12), url);
    expectValues(problems, await ma.load(url), 12, 'a save after an aborted one');
    return problems;
  },
};

/** Runs case `name` (for callInPage, which calls exports by name). */
export function runCase(ma, name, base, listRoot) {
  return CASES[name](ma, base, listRoot);
}
