// A dedicated module worker: imports the package (import maps do not reach
// workers, so by path) and decodes one fixture.
import * as ma from '/index.browser.js';
import {checkFixture} from './browser-checks.mjs';

self.onmessage = async e => {
  try {
    const result = await checkFixture(ma, e.data.base);
    result.scope = typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope ? 'worker' : 'other';
    let err = null;
    try { ma.parseModelJSON('{'); } catch (x) { err = {name: x.name, code: x.code}; }
    result.error = err;
    self.postMessage(result);
  } catch (x) {
    self.postMessage({problems: [`worker threw: ${x && x.name}: ${x && x.message}`], weights: 0});
  }
};
self.postMessage({ready: true});
