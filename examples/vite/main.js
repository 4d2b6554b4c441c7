// Loads a TensorFlow.js model with model-artifacts (resolved by Vite from
// node_modules like any package) and prints its ModelArtifactsInfo.
import * as ma from 'model-artifacts';

const status = document.getElementById('status');
const out = document.getElementById('out');
const input = document.getElementById('url');

async function show(urlText) {
  const url = new URL(urlText, location.href).href;
  out.textContent = '';
  status.className = '';
  try {
    const artifacts = await ma.http(url, {
      onProgress: (fraction) => { status.textContent = `Loading ${url}: ${Math.round(fraction * 100)}%`; },
    }).load();
    const info = ma.getModelArtifactsInfoForJSON(artifacts);
    const tensors = ma.decodeWeights(artifacts.weightData, artifacts.weightSpecs);
    status.textContent = `Loaded ${url}: ${Object.keys(tensors).length} weights decoded.`;
    out.textContent = `ModelArtifactsInfo ${JSON.stringify(info, null, 2)}`;
    console.log('ModelArtifactsInfo', info);
  } catch (err) {
    status.className = 'error';
    status.textContent = err instanceof ma.ModelArtifactsError
      ? `${err.code}: ${err.message}` : String(err);
  }
}

document.getElementById('form').addEventListener('submit', (event) => {
  event.preventDefault();
  show(input.value);
});
show(input.value);
