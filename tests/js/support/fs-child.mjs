// Child process for the file-system tests (run by fs-helpers runChild /
// startChild, cwd = the repository):
//   save-big DIR COPIES   saves the generated 64 MiB model repeated COPIES
//                         times (COPIES x 64 MiB, 4 MiB shards) into DIR;
//                         prints "saving" before, then {"ok":true} or
//                         {"code","message"} as one JSON line
//                         (SIGXFSZ is ignored, so a `ulimit -f` makes
//                         writes fail with EFBIG instead of killing us)
//   save-small DIR        saves a one-weight model into DIR; prints
//                         {"ok":true} or {"code","message"} as JSON
import * as ma from 'model-artifacts';
import {largeModel} from './fs-helpers.mjs';

const [cmd, dir, arg] = process.argv.slice(2);
process.on('SIGXFSZ', () => {});

if (cmd === 'save-big') {
  const copies = Number(arg || 1);
  const {modelJSON, shards} = await largeModel();
  const specs = modelJSON.weightsManifest[0].weights;
  const buffers = shards.map(s => s.data.buffer.slice(s.data.byteOffset, s.data.byteOffset + s.data.byteLength));
  const artifacts = {
    modelTopology: modelJSON.modelTopology, format: modelJSON.format,
    generatedBy: modelJSON.generatedBy, convertedBy: modelJSON.convertedBy,
    weightSpecs: Array.from({length: copies}, (_, k) => specs.map(w => ({...w, name: `copy${k}/${w.name}`}))).flat(),
    weightData: Array.from({length: copies}, () => buffers).flat(),
  };
  process.stdout.write('saving\n');
  try {
    await ma.fileSystem(`file://${dir}`).save(artifacts);
    process.stdout.write(`${JSON.stringify({ok: true})}\n`);
  } catch (e) {
    process.stdout.write(`${JSON.stringify({code: e.code, message: e.message})}\n`);
  }
} else if (cmd === 'save-small') {
  try {
    await ma.fileSystem(`file://${dir}`).save({
      modelTopology: {node: []}, format: 'graph-model',
      weightSpecs: [{name: 'w', shape: [2], dtype: 'float32'}],
      weightData: new Float32Array([1, 2]).buffer,
    });
    process.stdout.write(JSON.stringify({ok: true}));
  } catch (e) {
    process.stdout.write(JSON.stringify({code: e.code, message: e.message}));
  }
} else {
  process.stderr.write(`unknown command ${cmd}\n`);
  process.exit(2);
}
