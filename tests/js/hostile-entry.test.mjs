// Every exported function of the Node build, called with garbage arguments
// (and the load/save of any handler it returns): whatever fails, fails with
// a ModelArtifactsError, settles within 3 s, and nothing escapes as an
// uncaught exception.
import {it} from 'node:test';
import assert from 'node:assert/strict';
import * as ma from 'model-artifacts';

const circular = {};
circular.self = circular;
const VALUES = [undefined, null, 0, -1, NaN, 'x', 'file:///nonexistent/x', 'indexeddb://', {}, [], [1],
  {modelTopology: circular}, {modelTopology: {}, weightSpecs: 5, weightData: 'x'}, Symbol('s'), 1n, () => 1,
  new ArrayBuffer(3), new Uint8Array(3)];
function show(v) {
  if (typeof v === 'symbol' || typeof v === 'bigint' || typeof v === 'function') return typeof v;
  try { return JSON.stringify(v) ?? String(v); } catch { return 'circular'; }
}

it('every entry point, with 18 x 13 garbage argument pairs: typed errors only, nothing hangs or escapes', {timeout: 300_000}, async () => {
  const escaped = [];
  const onUncaught = e => escaped.push(`uncaught: ${e?.name}: ${e?.message}`);
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  const warn = console.warn;
  console.warn = () => {};   // fromMemory's tf.io deprecation notice, thousands of times
  const untyped = [];
  const check = (e, call) => { if (!(e instanceof ma.ModelArtifactsError)) untyped.push(`${call}: ${e?.name}: ${e?.message}`); };
  const settle = p => Promise.race([p, new Promise((_, reject) => setTimeout(() => reject(new Error('did not settle in 3 s')), 3000))]);
  try {
    for (const [name, fn] of Object.entries(ma)) {
      if (typeof fn !== 'function' || name === 'ModelArtifactsError') continue;
      for (const a of VALUES) {
        for (const b of [undefined, ...VALUES.slice(0, 12)]) {
          const call = `${name}(${show(a)}, ${show(b)})`;
          // http handlers retry failed requests with backoff: not here.
          const noRetries = /^(http|browserHTTPRequest)$/.test(name) && (b === undefined || b?.constructor === Object);
          try {
            const r = name === 'CompositeArrayBuffer' ? new fn(a, b) : fn(a, noRetries ? {...b, retries: 0} : b);
            if (typeof r?.then === 'function') await settle(r);
            const retrying = /^(http|browserHTTPRequest)$/.test(name) && !noRetries;
            for (const m of ['load', 'save']) {
              if (typeof r?.[m] === 'function' && !retrying) await settle(r[m](a)).catch(e => check(e, `${call}.${m}`));
            }
          } catch (e) {
            check(e, call);
          }
        }
      }
    }
    await new Promise(r => setTimeout(r, 100));
  } finally {
    console.warn = warn;
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  }
  assert.deepEqual([...escaped, ...untyped].slice(0, 20), []);
});
