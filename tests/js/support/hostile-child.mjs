// Child process for the hostile-input tests (run by hostile-helpers
// runWatched): loads argv[2] = JSON {url, options, stream} with ma.http
// (stream: then decodes the weight stream), and prints one JSON line:
// {ok, code, message, ms, weights}. The parent watches its RSS and kills it
// if memory blows up, so a regression fails a test instead of the machine.
import * as ma from 'model-artifacts';

const {url, options = {}, stream = false} = JSON.parse(process.argv[2]);
const t0 = performance.now();
const report = r => process.stdout.write(`${JSON.stringify({...r, ms: Math.round(performance.now() - t0)})}\n`);
try {
  const a = await ma.http(url, {...options, streamWeights: stream}).load();
  let weights = 0;
  if (stream) {
    await ma.decodeWeightsStream(a.getWeightStream(), a.weightSpecs, {onTensor: () => { weights++; }});
  } else {
    weights = a.weightSpecs?.length ?? 0;
  }
  report({ok: true, weights});
} catch (e) {
  report({ok: false, code: e?.code, name: e?.name, message: String(e?.message ?? e)});
}
