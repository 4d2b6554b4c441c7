// `model-artifacts/init`: the browser entry that does not start itself. For
// hosts that hand the package its wasm (a CDN, a strict CSP, Electron) or
// cannot wait on a top-level await (classic workers, service workers, iife
// bundles): `await init(wasm?)` once, then use the package.
export { init, ModelArtifactsError } from './pkg/start.js';

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
} from './pkg/model_artifacts.js';
