// Node entry: instantiate the Node build of the wasm (pkg-node/, with the
// file-system handler) synchronously from the file next to us.
import { readFileSync } from 'node:fs';
import { initSync, modelArtifactsErrorClass, registerFileSystem } from './pkg-node/model_artifacts.js';
import { nodeFsPort } from './node-fs.js';

initSync({ module: readFileSync(new URL('./pkg-node/model_artifacts_bg.wasm', import.meta.url)) });
// fileSystem() and file:// URLs: Node's file system through a small port.
registerFileSystem(nodeFsPort);

// The public API (index.d.ts), not wasm-bindgen's internal classes.
export {
  CompositeArrayBuffer, browserDownloads, browserFiles, browserHTTPRequest,
  browserIndexedDB, browserLocalStorage, concatenateArrayBuffers, copyModel,
  decodeWeights, decodeWeightsStream, encodeWeights, fileSystem, fromMemory,
  fromMemorySync, getLoadHandlers, getModelArtifactsForJSON,
  getModelArtifactsForJSONSync, getModelArtifactsInfoForJSON,
  getModelJSONForModelArtifacts, getSaveHandlers, getWeightSpecs, http,
  isHTTPScheme, listModels, load, loadWeights, moveModel, parseModelJSON,
  quantizeArtifacts, registerLoadRouter, registerSaveRouter, removeModel,
  requestPersistentStorage, save, shardArtifacts, storageEstimate,
  weightsLoaderFactory, withSaveHandler, withSaveHandlerSync,
} from './pkg-node/model_artifacts.js';
export const ModelArtifactsError = modelArtifactsErrorClass();
