// Browser / worker / bundler entry: fetch and instantiate the wasm next to the glue.
import init, { modelArtifactsErrorClass } from './pkg/model_artifacts.js';

await init();

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
} from './pkg/model_artifacts.js';
export const ModelArtifactsError = modelArtifactsErrorClass();
