// A dedicated module worker running the http() checks of browser-http.mjs
// (import maps do not reach workers, so the package is imported by path).
import * as ma from '/index.browser.js';
import {FUNCTIONS} from './browser-http.mjs';

self.onmessage = async e => {
  const {fn, args} = e.data;
  try {
    const result = await FUNCTIONS[fn](ma, ...args);
    const scope = typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope ? 'worker' : 'other';
    self.postMessage({result: result && typeof result === 'object' ? {...result, scope} : result});
  } catch (x) {
    self.postMessage({threw: `${x && x.name}: ${x && x.message}`});
  }
};
self.postMessage({ready: true});
