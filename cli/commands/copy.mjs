// copy <src-url> <dst-url>: load from a path, file:// or http(s):// URL and
// save to a folder (path / file://) or an http(s):// URL (multipart upload).
import {resolveSource, resolveDestination, checkDestinationFree, loadModel, saveModel} from '../source.mjs';
import {progressBar} from '../progress.mjs';
import {exactAndHuman, CliError} from '../format.mjs';
import {compositeOf} from '../layout.mjs';

export const help = `Usage: model-artifacts copy <src-url> <dst-url> [--force] [--hashes]

Copies a model: loads it from <src-url> (a path, file:// or http(s):// URL;
every shard is checked) and saves it to <dst-url>: a folder (path or file://,
written atomically, converter-style shards of 4 MiB) or an http(s):// URL
(TensorFlow.js's multipart POST with model.json and model.weights.bin).
For example, to download a model into a folder:

  model-artifacts copy https://example.com/model/model.json file://./model

  --hashes     record each shard's sha256 in the copied model.json
  --force      replace the model folder at the destination (the package
               never replaces a folder holding other files)
  --json       print one JSON object
  --quiet      no progress bar
  -h, --help   this help
`;

export const options = {
  force: {type: 'boolean'},
  hashes: {type: 'boolean'},
  json: {type: 'boolean'},
};

export async function run(positionals, values, ctx) {
  if (positionals.length !== 2) throw new CliError('E_INVALID_ARGUMENT', 'copy takes a source and a destination (see copy --help)');
  const src = await resolveSource(positionals[0]);
  const dst = resolveDestination(positionals[1]);
  await checkDestinationFree(dst, values.force);
  const bar = progressBar('downloading', {enabled: ctx.progress && !values.json});
  let artifacts;
  try {
    ({artifacts} = await loadModel(src, {onProgress: bar.onProgress, signal: ctx.signal}));
  } finally { bar.done(); }
  await saveModel(dst, artifacts, {hashes: values.hashes, signal: ctx.signal});
  const bytes = compositeOf(artifacts.weightData).byteLength;
  const weights = (artifacts.weightSpecs ?? []).length;
  if (values.json) {
    ctx.out(JSON.stringify({source: src.label, destination: dst.kind === 'file' ? dst.dir : dst.url, weights, weightBytes: bytes}, null, 2) + '\n');
  } else {
    ctx.out(`copied ${src.label} -> ${dst.label}: ${weights} weight${weights === 1 ? '' : 's'}, ${exactAndHuman(bytes)}\n`);
  }
  return 0;
}
