// Demo page: load a TensorFlow.js model (model.json + shards), build its
// ModelArtifacts with model-artifacts, and show what is inside.
//
// Every value a test reads sits in an element with a data-testid and, for
// summary fields, the exact value in its data-value attribute.

const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);
const statusEl = $('status');
const errorEl = $('error');

let ma; // the model-artifacts module, once loaded

const BYTES_PER_STORED = { float32: 4, int32: 4, bool: 1, complex64: 8, uint8: 1, uint16: 2, float16: 2 };

function setField(testid, value, text = String(value)) {
  const el = $(testid);
  el.dataset.value = value == null ? '' : String(value);
  el.textContent = text;
}

function formatBytes(n) {
  if (n == null) return '—';
  if (n < 1024) return `${n} B`;
  const kib = n / 1024;
  return kib < 1024 ? `${n.toLocaleString('en')} B (${kib.toFixed(1)} KiB)`
    : `${n.toLocaleString('en')} B (${(kib / 1024).toFixed(2)} MiB)`;
}

function showError(what, err) {
  const lines = [what];
  if (err) {
    if (err.name === 'ModelArtifactsError' && err.code) {
      lines.push(`${err.message} (error code ${err.code}${err.weight ? `, weight "${err.weight}"` : ''})`);
    } else if (err instanceof Error) {
      lines.push(err.message);
    } else {
      lines.push(String(err));
    }
  }
  errorEl.textContent = lines.join('\n');
  errorEl.hidden = false;
  statusEl.textContent = 'Failed.';
  statusEl.dataset.state = 'error';
}

function clearView() {
  errorEl.hidden = true;
  errorEl.textContent = '';
  document.getElementById('summary').hidden = true;
  document.getElementById('weights').hidden = true;
  document.getElementById('weight-rows').replaceChildren();
}

/** 'graphdef' | 'keras' | 'binary' | 'none' | 'other' */
function topologyKind(topology) {
  if (topology == null) return 'none';
  if (topology instanceof ArrayBuffer) return 'binary';
  if (Array.isArray(topology.node) || 'versions' in topology || 'library' in topology) return 'graphdef';
  if ('class_name' in topology || 'model_config' in topology) return 'keras';
  return 'other';
}

function elementCount(shape) {
  return shape.reduce((a, b) => a * b, 1);
}

function describeQuantization(q) {
  if (!q) return '—';
  const parts = [q.dtype];
  if (q.scale !== undefined) parts.push(`scale ${q.scale}`);
  if (q.min !== undefined) parts.push(`min ${q.min}`);
  return parts.join(', ');
}

/** Stored bytes of one weight in the weight data. */
function storedBytes(spec, decoded) {
  if (spec.dtype === 'string') {
    // Each string is stored as a uint32 byte length followed by its bytes.
    return decoded ? decoded.data.reduce((n, s) => n + 4 + s.length, 0) : NaN;
  }
  const per = BYTES_PER_STORED[spec.quantization ? spec.quantization.dtype : spec.dtype];
  return elementCount(spec.shape) * per;
}

function sumOf(data) {
  if (Array.isArray(data)) return null; // strings
  let s = 0;
  for (let i = 0; i < data.length; i++) s += data[i];
  return s;
}

/** Fetches a URL as an ArrayBuffer, with a plain-language error on failure. */
async function fetchBuffer(url, what) {
  let response;
  try {
    response = await fetch(url);
  } catch (err) {
    throw new Error(`Could not download ${what} from ${url}: ${err.message}`);
  }
  if (!response.ok) {
    throw new Error(`Could not download ${what} from ${url}: the server answered ${response.status} ${response.statusText}.`);
  }
  return response.arrayBuffer();
}

/** Model from a URL: fetch model.json, then every shard relative to it. */
async function loadFromURL(modelUrlText) {
  const modelUrl = new URL(modelUrlText, location.href);
  const text = new TextDecoder().decode(await fetchBuffer(modelUrl, 'model.json'));
  const modelJSON = ma.parseModelJSON(text);
  const artifacts = await ma.getModelArtifactsForJSON(modelJSON, async (manifest) => {
    const paths = manifest.flatMap((group) => group.paths);
    const buffers = await Promise.all(
      paths.map((path) => fetchBuffer(new URL(path, modelUrl), `weight file "${path}"`)));
    return [ma.getWeightSpecs(manifest), buffers];
  });
  return { artifacts, modelJSON, shards: groupsOf(modelJSON).flatMap((g) => g.paths), source: modelUrl.href };
}

function groupsOf(modelJSON) {
  return modelJSON.weightsManifest ?? [];
}

/** Model from picked files: one .json plus the shard files it names. */
async function loadFromFiles(files) {
  const list = [...files];
  const jsonFiles = list.filter((f) => f.name.toLowerCase().endsWith('.json'));
  if (jsonFiles.length !== 1) {
    throw new Error(`Select exactly one model.json file (you selected ${jsonFiles.length} .json files) together with its weight files.`);
  }
  const modelJSON = ma.parseModelJSON(await jsonFiles[0].text());
  const byName = new Map(list.map((f) => [f.name, f]));
  const artifacts = await ma.getModelArtifactsForJSON(modelJSON, async (groups) => {
    const paths = groups.flatMap((group) => group.paths);
    const buffers = await Promise.all(paths.map((path) => {
      const base = path.split('/').pop();
      const file = byName.get(base);
      if (!file) {
        throw new Error(`model.json needs the weight file "${base}", which was not selected. Select it together with model.json.`);
      }
      return file.arrayBuffer();
    }));
    return [ma.getWeightSpecs(groups), buffers];
  });
  return { artifacts, modelJSON, shards: groupsOf(modelJSON).flatMap((g) => g.paths), source: jsonFiles[0].name };
}

function render({ artifacts, modelJSON, shards, source }) {
  const specs = artifacts.weightSpecs ?? [];
  setField('source', source);
  setField('format', artifacts.format ?? '', artifacts.format ?? '(not set)');
  setField('generatedBy', artifacts.generatedBy ?? '', artifacts.generatedBy ?? '(not set)');
  setField('convertedBy', artifacts.convertedBy ?? '', artifacts.convertedBy ?? '(not set)');
  setField('topologyKind', topologyKind(artifacts.modelTopology));
  setField('weightCount', specs.length);
  setField('shardCount', shards.length, `${shards.length} (${shards.join(', ') || 'none'})`);

  const info = ma.getModelArtifactsInfoForJSON(artifacts);
  setField('modelTopologyType', info.modelTopologyType);
  for (const key of ['modelTopologyBytes', 'weightSpecsBytes', 'weightDataBytes']) {
    setField(key, info[key], formatBytes(info[key]));
  }

  // Decode every weight and check dtype and element count against its spec.
  const decodeEl = $('decode-status');
  let decoded = {};
  let problems = [];
  const t0 = performance.now();
  try {
    decoded = ma.decodeWeights(artifacts.weightData ?? [], specs);
  } catch (err) {
    problems.push(err.name === 'ModelArtifactsError'
      ? `${err.message} (error code ${err.code})` : String(err && err.message || err));
  }
  const ms = performance.now() - t0;

  const rows = document.getElementById('weight-rows');
  let values = 0;
  let stored = 0;
  specs.forEach((spec, i) => {
    const tensor = decoded[spec.name];
    if (!problems.length) {
      const expected = elementCount(spec.shape) * (spec.dtype === 'complex64' ? 2 : 1);
      if (!tensor) problems.push(`weight "${spec.name}" is missing from the decoded map`);
      else if (tensor.dtype !== spec.dtype) problems.push(`weight "${spec.name}" decoded as ${tensor.dtype}, expected ${spec.dtype}`);
      else if (tensor.data.length !== expected) problems.push(`weight "${spec.name}" has ${tensor.data.length} values, expected ${expected}`);
    }
    if (tensor) values += tensor.data.length;
    const bytes = storedBytes(spec, tensor);
    stored += bytes;
    const sum = tensor ? sumOf(tensor.data) : null;

    const tr = document.createElement('tr');
    tr.dataset.testid = 'weight-row';
    tr.dataset.name = spec.name;
    const cells = [
      ['index', i, String(i)],
      ['name', spec.name, spec.name],
      ['dtype', spec.dtype, spec.dtype],
      ['shape', JSON.stringify(spec.shape), `[${spec.shape.join(', ')}]`],
      ['bytes', bytes, Number.isNaN(bytes) ? '?' : bytes.toLocaleString('en')],
      ['quantization', spec.quantization ? spec.quantization.dtype : '', describeQuantization(spec.quantization)],
      ['sum', sum == null ? '' : String(sum), sum == null ? '—' : sum.toPrecision(7)],
    ];
    for (const [col, value, text] of cells) {
      const td = document.createElement('td');
      td.dataset.col = col;
      td.dataset.value = value;
      td.textContent = text;
      if (col === 'bytes' || col === 'sum' || col === 'index') td.className = 'num';
      tr.append(td);
    }
    rows.append(tr);
  });

  if (problems.length) {
    decodeEl.dataset.value = 'error';
    decodeEl.className = 'bad';
    decodeEl.textContent = `Decoding failed: ${problems[0]}`;
  } else {
    decodeEl.dataset.value = 'ok';
    decodeEl.className = 'ok';
    const total = info.weightDataBytes ?? 0;
    decodeEl.textContent = `OK: ${specs.length} weights decoded with decodeWeights, ` +
      `${values.toLocaleString('en')} values in ${ms.toFixed(1)} ms; ` +
      `the weights use ${stored.toLocaleString('en')} of ${total.toLocaleString('en')} weight bytes.`;
  }

  document.getElementById('summary').hidden = false;
  document.getElementById('weights').hidden = false;
}

async function run(what, loader) {
  clearView();
  statusEl.dataset.state = 'loading';
  statusEl.textContent = `Loading ${what}…`;
  try {
    const model = await loader();
    render(model);
    statusEl.textContent = `Loaded ${what}.`;
    statusEl.dataset.state = 'done';
  } catch (err) {
    showError(`Could not load ${what}.`, err);
  }
}

async function main() {
  try {
    ma = await import('model-artifacts');
  } catch (err) {
    showError('The model-artifacts WebAssembly package could not be loaded. ' +
      'Build it with `npm run build` (or run `npm start`, which builds it).', err);
    return;
  }
  const urlInput = document.getElementById('model-url');
  document.getElementById('url-form').addEventListener('submit', (event) => {
    event.preventDefault();
    run(urlInput.value, () => loadFromURL(urlInput.value));
  });
  document.getElementById('model-files').addEventListener('change', (event) => {
    const files = event.target.files;
    if (files && files.length) run('the selected files', () => loadFromFiles(files));
  });
  await run(urlInput.value, () => loadFromURL(urlInput.value));
}

main();
