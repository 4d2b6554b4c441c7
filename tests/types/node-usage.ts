// Compiled by tests/js/types.test.mjs as a Node-only project (no `dom` lib,
// Node's own types, skipLibCheck off): the declarations name nothing that
// only the DOM lib declares.
import * as ma from 'model-artifacts';
import type { ModelArtifacts, NamedTensorMap } from 'model-artifacts';

async function main(): Promise<void> {
  await ma.init();
  const artifacts: ModelArtifacts = await ma.load('file://./model/model.json');
  const tensors: NamedTensorMap = ma.decodeWeights(artifacts.weightData!, artifacts.weightSpecs!);
  await ma.fileSystem('./out', {hashes: true, signal: AbortSignal.timeout(1000)}).save!(artifacts);
  const streamed = await ma.http('http://127.0.0.1:8080/model.json', {streamWeights: true}).load!();
  await ma.decodeWeightsStream(streamed.getWeightStream!(), streamed.weightSpecs!, {onTensor: (t) => t.name});
  try { ma.parseModelJSON('{'); } catch (e) {
    if (e instanceof ma.ModelArtifactsError) e.code;
  }
  Object.keys(tensors).length;
}
main;
