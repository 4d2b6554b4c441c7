// Child process for the hostile-input tests: runs one operation of the
// package against an attacker's input under a small heap
// (--max-old-space-size), so a blow-up or a hang fails the test instead of
// the machine. Prints one JSON line: {ok, value?, code?, message?, rssMiB,
// ms}, where rssMiB is the peak resident set size of this process.
//
//   load URL [OPTIONS_JSON]     ma.load(URL, OPTIONS).then(info of the artifacts)
//   load-stream URL [OPTIONS_JSON]  ma.http(URL, {...OPTIONS, streamWeights}), then
//                               decodeWeightsStream with onTensor (nothing kept)
//   remove URL                  ma.removeModel(URL)
//   copy FROM TO | move FROM TO ma.copyModel / ma.moveModel
//   save-loop DIR N TAG [MiB]   N saves of a model (6 MiB) whose weights are all TAG
//   parse N                     parseModelJSON of a model.json with N weight specs
//   strings N                   decodeWeights of one string weight of N empty strings
import * as ma from 'model-artifacts';

const [cmd, ...args] = process.argv.slice(2);
const started = performance.now();

function report(out) {
  const rssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`${JSON.stringify({...out, rssMiB, ms: Math.round(performance.now() - started)})}\n`);
}

const summary = (a) => ({
  weightDataBytes: ma.getModelArtifactsInfoForJSON(a).weightDataBytes,
  specs: (a.weightSpecs ?? []).length,
});

/** A model.json text with `n` float32 [1] weights in one group. */
export function manySpecs(n) {
  const weights = Array.from({length: n}, (_, i) => ({name: `layer_${i}/kernel`, shape: [1], dtype: 'float32'}));
  return JSON.stringify({modelTopology: {node: []}, format: 'graph-model',
    weightsManifest: [{paths: ['group1-shard1of1.bin'], weights}]});
}

async function run() {
  switch (cmd) {
    case 'load': {
      const a = await ma.load(args[0], args[1] ? JSON.parse(args[1]) : undefined);
      return summary(a);
    }
    case 'load-stream': {
      const a = await ma.http(args[0], {...(args[1] ? JSON.parse(args[1]) : {}), streamWeights: true}).load();
      let tensors = 0;
      await ma.decodeWeightsStream(a.getWeightStream(), a.weightSpecs, {onTensor: () => { tensors++; }});
      return {tensors};
    }
    case 'remove': return Boolean(await ma.removeModel(args[0]));
    case 'copy': return Boolean(await ma.copyModel(args[0], args[1]));
    case 'move': return Boolean(await ma.moveModel(args[0], args[1]));
    case 'save-loop': {
      const [dir, n, tag, mib] = [args[0], Number(args[1]), Number(args[2]), Number(args[3] ?? 6)];
      const values = new Float32Array(mib << 18).fill(tag);
      const artifacts = {modelTopology: {node: [], tag}, format: 'graph-model',
        weightSpecs: [{name: 'w', shape: [values.length], dtype: 'float32'}], weightData: values.buffer};
      const results = [];
      for (let i = 0; i < n; i++) {
        try {
          await ma.fileSystem(`file://${dir}`).save(artifacts);
          results.push('ok');
        } catch (e) {
          results.push(`${e.code}: ${e.message}`);
        }
      }
      return results;
    }
    case 'parse': {
      const text = manySpecs(Number(args[0]));
      const [t, cpu] = [performance.now(), process.cpuUsage()];
      const parsed = ma.parseModelJSON(text);
      const used = process.cpuUsage(cpu);
      return {specs: parsed.weightsManifest[0].weights.length, parseMs: performance.now() - t,
        cpuMs: (used.user + used.system) / 1000, textBytes: text.length};
    }
    case 'strings': {
      const n = Number(args[0]);
      const data = new Uint8Array(4 * n);   // n length prefixes of 0: n empty strings
      const t = performance.now();
      const out = ma.decodeWeights(data.buffer, [{name: 's', shape: [n], dtype: 'string'}]);
      return {elements: out.s.data.length, decodeMs: performance.now() - t};
    }
    default:
      throw new Error(`unknown command ${cmd}`);
  }
}

try {
  report({ok: true, value: await run()});
} catch (e) {
  report({ok: false, code: e?.code, name: e?.name, message: String(e?.message ?? e)});
}
