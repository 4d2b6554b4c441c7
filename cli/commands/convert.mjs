// convert <src> <dst>: write a new model folder, optionally quantized and
// re-sharded, with the largest dequantization error.
import * as ma from '../ma.mjs';
import {resolveSource, resolveDestination, checkDestinationFree, loadModel, saveModel} from '../source.mjs';
import {progressBar} from '../progress.mjs';
import {exactAndHuman, parseSize, CliError} from '../format.mjs';
import {compositeOf} from '../layout.mjs';

export const help = `Usage: model-artifacts convert <src> <dst> [options]

Loads a model and writes it into the folder <dst> (a path or file:// URL)
with converter-style shards (group1-shard{i}of{n}.bin). Prints the weight
bytes before and after and, when quantizing, the largest difference between
the original and the dequantized values.

  --quantize DTYPE     float16, uint8 or uint16: quantize float32 weights
  --weights PATTERN    only the weights matching PATTERN (a name or a glob
                       with * and ?); repeat or separate with commas
  --shard-size SIZE    shard size, e.g. 4MiB (the default, 4194304 bytes),
                       512KiB, 1048576, 4MB (= 4194304, binary)
  --single-file        one weights.bin instead of shards
  --hashes             record each shard's sha256 in model.json
  --force              replace the model folder at <dst> (the package never
                       replaces a folder holding other files)
  --json               print one JSON object
  --quiet              no progress bar
  -h, --help           this help
`;

export const options = {
  quantize: {type: 'string'},
  weights: {type: 'string', multiple: true},
  'shard-size': {type: 'string'},
  'single-file': {type: 'boolean'},
  hashes: {type: 'boolean'},
  force: {type: 'boolean'},
  json: {type: 'boolean'},
};

const QUANT = ['float16', 'uint8', 'uint16'];

/** Largest |original - dequantized| over the weights whose spec changed. */
function dequantizationError(before, after) {
  const a = ma.decodeWeights(before.weightData, before.weightSpecs);
  const b = ma.decodeWeights(after.weightData, after.weightSpecs);
  let max = {error: 0, weight: null, weights: 0};
  after.weightSpecs.forEach((spec, i) => {
    const orig = before.weightSpecs[i];
    if (!spec.quantization || JSON.stringify(spec.quantization) === JSON.stringify(orig.quantization)) return;
    max.weights++;
    const x = a[spec.name].data;
    const y = b[spec.name].data;
    for (let k = 0; k < x.length; k++) {
      const d = Math.abs(x[k] - y[k]);
      if (d > max.error || (d !== d && max.error === max.error)) max = {...max, error: d, weight: spec.name};
    }
  });
  return max;
}

export async function run(positionals, values, ctx) {
  if (positionals.length !== 2) throw new CliError('E_INVALID_ARGUMENT', 'convert takes a source and a destination (see convert --help)');
  if (values.quantize !== undefined && !QUANT.includes(values.quantize)) {
    throw new CliError('E_INVALID_ARGUMENT', `--quantize: "${values.quantize}" is not one of ${QUANT.join(', ')}`);
  }
  const patterns = (values.weights ?? []).flatMap(w => w.split(',')).map(w => w.trim()).filter(Boolean);
  if (patterns.length && values.quantize === undefined) {
    throw new CliError('E_INVALID_ARGUMENT', '--weights chooses the weights to quantize: give --quantize too');
  }
  const shardSizeBytes = values['shard-size'] === undefined ? undefined : parseSize(values['shard-size'], '--shard-size');
  if (shardSizeBytes !== undefined && values['single-file']) {
    throw new CliError('E_INVALID_ARGUMENT', '--shard-size and --single-file do not go together');
  }
  const src = await resolveSource(positionals[0]);
  const dst = resolveDestination(positionals[1]);
  if (dst.kind !== 'file') throw new CliError('E_INVALID_ARGUMENT', `${dst.label}: convert writes a folder; use copy to upload`);
  await checkDestinationFree(dst, values.force);

  const bar = progressBar('loading', {enabled: ctx.progress && !values.json});
  let artifacts;
  try {
    ({artifacts} = await loadModel(src, {onProgress: bar.onProgress, signal: ctx.signal}));
  } finally { bar.done(); }
  const before = compositeOf(artifacts.weightData).byteLength;

  let out = artifacts;
  let error = null;
  if (values.quantize) {
    const qopts = {dtype: values.quantize};
    if (patterns.length) qopts.weights = patterns;
    out = ma.quantizeArtifacts(artifacts, qopts);
    // Decode both on the same buffers: float32 originals vs dequantized.
    error = dequantizationError(
      {weightData: artifacts.weightData, weightSpecs: artifacts.weightSpecs},
      {weightData: out.weightData, weightSpecs: out.weightSpecs});
    if (patterns.length && error.weights === 0) {
      throw new CliError('E_WEIGHT_NOT_FOUND', `--weights ${patterns.join(',')}: no float32 weight to quantize matches`);
    }
  }
  const result = await saveModel(dst, out, {shardSizeBytes, hashes: values.hashes, singleWeightsFile: values['single-file'], signal: ctx.signal});
  const after = result?.modelArtifactsInfo?.weightDataBytes ?? compositeOf(out.weightData).byteLength;
  const report = {
    source: src.label, destination: dst.dir,
    weightBytesBefore: before, weightBytesAfter: after,
    quantize: values.quantize ?? null,
    quantizedWeights: error ? error.weights : 0,
    maxDequantizationError: error ? error.error : null,
    maxDequantizationErrorWeight: error ? error.weight : null,
  };
  if (values.json) {
    ctx.out(JSON.stringify(report, null, 2) + '\n');
  } else {
    const lines = [`wrote ${dst.label}`,
      `weights before  ${exactAndHuman(before)}`,
      `weights after   ${exactAndHuman(after)}${before ? ` (${((after / before) * 100).toFixed(1)}%)` : ''}`];
    if (error) {
      lines.push(`quantized ${error.weights} weight${error.weights === 1 ? '' : 's'} to ${values.quantize}` +
        (error.weights === 0 ? ' (only float32 weights that are not quantized yet are quantized)' : ''));
      lines.push(error.weight === null ? 'largest dequantization error: 0'
        : `largest dequantization error: ${error.error.toPrecision(4)} (${error.weight})`);
    }
    ctx.out(lines.join('\n') + '\n');
  }
  return 0;
}
