// A module worker for tests/js/indexeddb-large-browser.test.mjs, run both
// as a dedicated Worker and as a SharedWorker: imports the package by path
// (import maps do not reach workers) and runs the chunked IndexedDB round
// trip of browser-indexeddb-large.mjs (save, load, stream, router) in the
// worker's own global scope. The handlers are set before anything is
// awaited (the package's entry awaits its wasm), so a SharedWorker's
// connect event is not missed; imports are dynamic for that reason.
async function run(job) {
  try {
    const ma = await import('/index.browser.js');
    const {workerJob} = await import('./browser-indexeddb-large.mjs');
    return await workerJob(ma, job);
  } catch (e) {
    return {problems: [`worker threw: ${e?.name}: ${e?.code}: ${e?.message}`], scope: globalThis.constructor?.name};
  }
}

if (typeof SharedWorkerGlobalScope !== 'undefined' && self instanceof SharedWorkerGlobalScope) {
  self.onconnect = e => {
    const port = e.ports[0];
    port.onmessage = async m => port.postMessage(await run(m.data));
    port.postMessage({ready: true});
  };
} else {
  self.onmessage = async m => self.postMessage(await run(m.data));
  self.postMessage({ready: true});
}
