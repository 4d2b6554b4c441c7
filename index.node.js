// Node entry: instantiate the wasm synchronously from the file next to us.
import { readFileSync } from 'node:fs';
import { initSync, modelArtifactsErrorClass } from './pkg/model_artifacts.js';

initSync({ module: readFileSync(new URL('./pkg/model_artifacts_bg.wasm', import.meta.url)) });

export * from './pkg/model_artifacts.js';
export const ModelArtifactsError = modelArtifactsErrorClass();
