// Node entry: instantiate the Node build of the wasm (pkg-node/, with the
// file-system handler) synchronously from the file next to us.
import { readFileSync } from 'node:fs';
import { initSync, registerFileSystem } from './pkg-node/model_artifacts.js';
import { defaultWasmUrl, wasmStartError } from './pkg-node/start.js';
import { nodeFsPort } from './node-fs.js';

const wasmUrl = defaultWasmUrl();
try {
  initSync({ module: readFileSync(wasmUrl) });
} catch (cause) {
  throw wasmStartError(wasmUrl.href, String(cause?.message ?? cause),
    {cause, hint: 'The installed package is incomplete: reinstall model-artifacts'});
}
// fileSystem() and file:// URLs: Node's file system through a small port.
registerFileSystem(nodeFsPort);

// The public API (index.d.ts), not wasm-bindgen's internal classes.
export {
  CompositeArrayBuffer, browserDownloads, browserFiles, browserHTTPRequest,
  browserIndexedDB, browserLocalStorage, browserOPFS, concatenateArrayBuffers, copyModel,
  decodeWeights, decodeWeightsStream, encodeWeights, fileSystem, fromMemory,
  fromMemorySync, getLoadHandlers, getModelArtifactsForJSON,
  getModelArtifactsForJSONSync, getModelArtifactsInfoForJSON,
  getModelJSONForModelArtifacts, getSaveHandlers, getWeightLayout, getWeightSpecs, http,
  isHTTPScheme, listModels, load, loadWeights, moveModel, parseModelJSON,
  quantizeArtifacts, registerLoadRouter, registerSaveRouter, removeModel,
  requestPersistentStorage, save, shardArtifacts, storageEstimate,
  weightsLoaderFactory, withSaveHandler, withSaveHandlerSync,
} from './pkg-node/model_artifacts.js';
export { ModelArtifactsError } from './pkg-node/start.js';

/** Node starts at import, from the file above: there is nothing to hand over. */
export function init() {
  return Promise.resolve();
}
