// Browser / worker / bundler entry: fetch and instantiate the wasm next to the glue.
import init, { modelArtifactsErrorClass } from './pkg/model_artifacts.js';

await init();

export * from './pkg/model_artifacts.js';
export const ModelArtifactsError = modelArtifactsErrorClass();
