// What every bundled app does, in its page and in its worker, with the
// package's functions handed in (each app imports them by name, the way
// tree-shaking bundlers are most likely to drop the start-up): load the
// fixture over http, decode it, save it to IndexedDB and load it back.
export async function runChecks({ http, decodeWeights, browserIndexedDB }, modelUrl, where) {
  const artifacts = await http(modelUrl).load();
  const path = `bundler-app-${where}`;
  await browserIndexedDB(path).save(artifacts);
  const back = await browserIndexedDB(path).load();
  return {
    where,
    sums: sumsOf(decodeWeights(artifacts.weightData, artifacts.weightSpecs)),
    reloadedSums: sumsOf(decodeWeights(back.weightData, back.weightSpecs)),
  };
}

/** Each decoded weight's values added in index order (as the fixtures' goldens). */
function sumsOf(tensors) {
  return Object.fromEntries(Object.values(tensors).map((t) => [t.name, t.data.reduce((a, b) => a + b, 0)]));
}

/** Runs `work` in the page and in `worker`, then publishes both results (or
 * the first error) for the test on `window.__result`. */
export async function report(work, worker) {
  const modelUrl = new URL('/fixtures/synth-layers-f32-sharded/model.json', location.href).href;
  const answers = [];
  const next = () => new Promise((resolve, reject) => {
    worker.onmessage = (e) => (e.data.error ? reject(new Error(`worker: ${e.data.error}`)) : resolve(e.data));
    worker.onerror = (e) => reject(new Error(`worker: ${e.message}`));
  });
  try {
    // The worker says when it listens: a message that arrives while its
    // module still awaits the package's start-up can be dispatched before
    // its onmessage is set, and lost.
    const ready = next();
    answers.push(await work(modelUrl, 'page'));
    await ready;
    const answer = next();
    worker.postMessage(modelUrl);
    answers.push(await answer);
    window.__result = { page: answers[0], worker: answers[1] };
  } catch (err) {
    window.__result = { error: `${err?.name}: ${err?.code ?? ''} ${err?.message ?? err}` };
  }
}

/** The worker side of `report`. */
export function serve(work) {
  self.onmessage = async (e) => {
    try {
      self.postMessage(await work(e.data, 'worker'));
    } catch (err) {
      self.postMessage({ error: `${err?.name}: ${err?.code ?? ''} ${err?.message ?? err}` });
    }
  };
  self.postMessage({ ready: true });
}
