// model-artifacts studio (`npm start`): load, inspect, convert, save and
// manage TensorFlow.js model artifacts with the model-artifacts package.
// Plain ES modules, no bundler: "model-artifacts" comes from the import map.
//
// Every value a test reads sits in an element with a data-testid, and where
// the text is formatted, the exact value is in its data-value attribute.

const $ = (testid) => document.querySelector(`[data-testid="${testid}"]`);
const byId = (id) => document.getElementById(id);

let ma; // the model-artifacts module, once loaded

/** The model the page shows: {artifacts, source, shards: [{path, bytes}]}. */
let current = null;
/** The model as loaded, before any conversion (for "Back to the loaded model"). */
let loaded = null;
/** decodeWeights(current) (name -> tensor), or {} when decoding failed. */
let decoded = {};
/** The weights table's rows, and how they are sorted and filtered. */
let rows = [];
let sort = { key: 'index', dir: 1 };
let selectedWeight = null;

const SVG = 'http://www.w3.org/2000/svg';
const PALETTE = ['#2563eb', '#0d9488', '#d97706', '#7c3aed', '#db2777', '#65a30d', '#0891b2', '#dc2626', '#4b5563'];

// ---------------------------------------------------------------- formatting

function formatBytes(n) {
  if (n == null || Number.isNaN(n)) return '—';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(2)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function exactBytes(n) {
  if (n == null) return '—';
  return n < 1024 ? `${n} B` : `${n.toLocaleString('en')} B (${formatBytes(n)})`;
}

function formatDate(d) {
  const date = d instanceof Date ? d : new Date(d);
  if (Number.isNaN(date.getTime())) return '—';
  const p = (x) => String(x).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}`;
}

/** "4MiB", "512 KiB", "1.5MB", "65536" -> bytes (binary units, as the CLI). */
function parseSize(text) {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?\s*$/i.exec(text);
  if (!m) return NaN;
  const unit = (m[2] ?? 'b').toLowerCase()[0];
  return Math.round(Number(m[1]) * { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[unit]);
}

function setField(testid, value, text = String(value)) {
  const el = $(testid);
  el.dataset.value = value == null ? '' : String(value);
  el.textContent = text;
}

// -------------------------------------------------------------------- errors

/** Shows a status line of one card: state is 'busy' | 'done' | 'error' | ''. */
function setStatus(el, state, text) {
  el.dataset.state = state;
  el.textContent = text;
}

/** Puts an error next to what caused it: a plain sentence, then the
 * package's message and its code. */
function showError(el, what, err) {
  el.replaceChildren();
  const head = document.createElement('strong');
  head.textContent = what;
  el.append(head);
  if (err) {
    const detail = document.createElement('p');
    const isTyped = err.name === 'ModelArtifactsError' && err.code;
    detail.textContent = err instanceof Error ? err.message : String(err);
    el.append(detail);
    if (isTyped) {
      const code = document.createElement('code');
      code.className = 'code';
      code.dataset.testid = 'error-code';
      code.textContent = err.code;
      const hint = HINTS[err.code];
      const p = document.createElement('p');
      p.append(code);
      if (hint) p.append(` ${hint}`);
      if (err.weight) p.append(` (weight "${err.weight}")`);
      el.append(p);
    }
    el.dataset.code = isTyped ? err.code : '';
  }
  el.hidden = false;
}

function clearError(el) {
  el.hidden = true;
  el.replaceChildren();
  el.dataset.code = '';
}

const HINTS = {
  E_ABORTED: 'You cancelled it; nothing was changed.',
  E_HTTP_STATUS: 'The server answered with an error; check the URL.',
  E_NETWORK: 'The server could not be reached.',
  E_INVALID_JSON: 'That file is not JSON; is the URL a model.json?',
  E_INVALID_MODEL_JSON: 'That JSON is not a TensorFlow.js model.json.',
  E_SIZE_MISMATCH: 'A weight file has a different size than its manifest says.',
  E_INTEGRITY: 'A weight file does not match the sha256 in its manifest.',
  E_WEIGHT_DATA_TOO_SHORT: 'The weight files are shorter than the weights need.',
  E_QUOTA_EXCEEDED: 'The browser has no room left for it; the previous copy is intact.',
  E_NOT_FOUND: 'There is no model at that place.',
  E_NO_HANDLER: 'Use an indexeddb://, opfs://, localstorage://, downloads:// or http(s):// URL.',
  E_STORAGE: 'The browser storage failed.',
};

/** Runs one action of a card: status while it runs, the error next to it. */
async function act(card, what, fn) {
  const status = $(`${card}-status`);
  const error = $(`${card}-error`);
  clearError(error);
  setStatus(status, 'busy', `${what}…`);
  try {
    const done = await fn();
    setStatus(status, 'done', done ?? `${what}: done.`);
    return true;
  } catch (err) {
    setStatus(status, 'error', `${what}: failed.`);
    showError(error, `Could not ${what[0].toLowerCase()}${what.slice(1)}.`, err);
    return false;
  }
}

// ------------------------------------------------------------ model helpers

/** 'graphdef' | 'keras' | 'binary' | 'none' | 'other' */
function topologyKind(topology) {
  if (topology == null) return 'none';
  if (topology instanceof ArrayBuffer) return 'binary';
  if (Array.isArray(topology.node) || 'versions' in topology || 'library' in topology) return 'graphdef';
  if ('class_name' in topology || 'model_config' in topology) return 'keras';
  return 'other';
}

const elementCount = (shape) => shape.reduce((a, b) => a * b, 1);

function sumOf(data) {
  if (Array.isArray(data)) return null; // strings
  let s = 0;
  for (let i = 0; i < data.length; i++) s += data[i];
  return s;
}

function weightBuffers(artifacts) {
  const data = artifacts.weightData;
  if (data == null) return [];
  return Array.isArray(data) ? data : [data];
}

function weightBytes(artifacts) {
  return weightBuffers(artifacts).reduce((n, b) => n + b.byteLength, 0);
}

function shardsOf(artifacts) {
  return weightBuffers(artifacts).map((b, i) => ({ path: `shard ${i + 1}`, bytes: b.byteLength }));
}

function describeSignature(signature) {
  if (!signature || typeof signature !== 'object') return '(none)';
  const side = (o) => Object.entries(o ?? {}).map(([key, t]) => {
    const dims = t?.tensorShape?.dim?.map((d) => (d.size === '-1' || d.size === undefined ? '?' : d.size));
    return `${t?.name ?? key}${dims ? ` [${dims.join(',')}]` : ''}`;
  }).join(', ') || '—';
  return `in: ${side(signature.inputs)} → out: ${side(signature.outputs)}`;
}

// ------------------------------------------------------------------ loading

let loadController = null;

function setProgress(fraction, loadedBytes, totalBytes, text) {
  const bar = $('progress');
  bar.value = fraction;
  bar.dataset.fraction = String(fraction);
  bar.dataset.loaded = String(loadedBytes);
  bar.dataset.total = String(totalBytes);
  $('progress-text').textContent = text ?? (totalBytes
    ? `${Math.round(fraction * 100)}% · ${formatBytes(loadedBytes)} of ${formatBytes(totalBytes)}`
    : `${Math.round(fraction * 100)}%`);
}

/** Model from a URL with ma.http: byte progress, cancel, optional streaming. */
async function loadFromURL(urlText, { stream }) {
  const url = new URL(urlText, location.href).href;
  loadController = new AbortController();
  byId('cancel-load').disabled = false;
  setProgress(0, 0, 0, 'requesting model.json…');
  const log = $('stream-log');
  log.replaceChildren();
  $('stream-count').textContent = '0';
  byId('stream-box').hidden = !stream;
  try {
    const artifacts = await ma.http(url, {
      signal: loadController.signal,
      streamWeights: stream,
      onProgress: (fraction, details) => setProgress(fraction, details?.loadedBytes ?? 0, details?.totalBytes ?? 0),
    }).load();
    if (stream && artifacts.getWeightStream) {
      // One branch is decoded tensor by tensor; the other keeps the bytes so
      // the model can be inspected, converted and saved afterwards.
      const [toDecode, toKeep] = artifacts.getWeightStream().tee();
      const chunks = [];
      const keep = (async () => {
        const reader = toKeep.getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          const view = value instanceof ArrayBuffer ? new Uint8Array(value)
            : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
          chunks.push(view.slice());
        }
      })();
      let count = 0;
      const t0 = performance.now();
      await ma.decodeWeightsStream(toDecode, artifacts.weightSpecs ?? [], {
        onTensor: (t) => {
          count += 1;
          const li = document.createElement('li');
          li.dataset.testid = 'stream-tensor';
          li.dataset.name = t.name;
          li.textContent = `${t.name} ${t.dtype}[${t.shape.join(',')}] · ${(performance.now() - t0).toFixed(0)} ms`;
          log.append(li);
          $('stream-count').textContent = String(count);
        },
      });
      await keep;
      delete artifacts.getWeightStream;
      artifacts.weightData = ma.concatenateArrayBuffers(chunks);
    }
    return { artifacts, source: url, shards: shardsOf(artifacts) };
  } finally {
    byId('cancel-load').disabled = true;
    loadController = null;
  }
}

/** Files first sorted so that the .json comes first, as browserFiles wants. */
async function loadFromFiles(fileList) {
  const files = [...fileList].sort((a, b) =>
    Number(!a.name.toLowerCase().endsWith('.json')) - Number(!b.name.toLowerCase().endsWith('.json')));
  const json = files[0];
  if (files.length === 1 && json.name.toLowerCase().endsWith('.json')) {
    // browserFiles, like tf.io, loads only the topology when no weight file
    // is given; in the studio that is almost always a forgotten shard.
    const manifest = ma.parseModelJSON(await json.text()).weightsManifest ?? [];
    const paths = manifest.flatMap((group) => group.paths).map((p) => p.split('/').pop());
    if (paths.length) {
      throw new Error(`${json.name} needs the weight file${paths.length > 1 ? 's' : ''} ` +
        `${paths.map((p) => `"${p}"`).join(', ')}, which ${paths.length > 1 ? 'were' : 'was'} not selected. ` +
        'Select or drop them together with the model.json.');
    }
  }
  const artifacts = await ma.browserFiles(files).load();
  return { artifacts, source: json.name, shards: shardsOf(artifacts) };
}

async function loadStored(url) {
  const artifacts = await ma.load(url);
  return { artifacts, source: url, shards: shardsOf(artifacts) };
}

/** Loads a model with the Load card's status and error lines. */
async function runLoad(what, loader) {
  const status = $('status');
  const error = $('error');
  clearError(error);
  setStatus(status, 'loading', `Loading ${what}…`);
  try {
    const model = await loader();
    loaded = model;
    await show(model);
    byId('revert-btn').disabled = true;
    setStatus(status, 'done', `Loaded ${what}.`);
  } catch (err) {
    setStatus(status, 'error', 'Failed.');
    if (err?.code !== 'E_ABORTED') setProgress(0, 0, 0, 'failed');
    else $('progress-text').textContent = 'cancelled';
    showError(error, `Could not load ${what}.`, err);
  }
}

// ------------------------------------------------------------------ inspect

async function show(model) {
  current = model;
  const { artifacts, source, shards } = model;
  const specs = artifacts.weightSpecs ?? [];
  const info = ma.getModelArtifactsInfoForJSON(artifacts);

  byId('summary').hidden = false;
  byId('weights').hidden = false;
  setField('source', source);
  $('current-source').textContent = `${source} · ${specs.length} weights · ${formatBytes(info.weightDataBytes)}`;
  setField('format', artifacts.format ?? '', artifacts.format ?? '(not set)');
  setField('generatedBy', artifacts.generatedBy ?? '', artifacts.generatedBy ?? '(not set)');
  setField('convertedBy', artifacts.convertedBy ?? '', artifacts.convertedBy ?? '(not set)');
  setField('topologyKind', topologyKind(artifacts.modelTopology));
  setField('signature', artifacts.signature ? JSON.stringify(artifacts.signature) : '',
    describeSignature(artifacts.signature));
  setField('weightCount', specs.length);
  setField('shardCount', shards.length,
    `${shards.length}${shards.length ? ` (${shards.map((s) => `${s.path}: ${formatBytes(s.bytes)}`).join(', ')})` : ''}`);
  setField('modelTopologyType', info.modelTopologyType);
  for (const key of ['modelTopologyBytes', 'weightSpecsBytes', 'weightDataBytes']) {
    setField(key, info[key], exactBytes(info[key]));
  }

  // Decode everything once: the table's sums and the histogram use it.
  const problems = [];
  const t0 = performance.now();
  try {
    decoded = ma.decodeWeights(artifacts.weightData ?? [], specs);
  } catch (err) {
    decoded = {};
    problems.push(err.name === 'ModelArtifactsError' ? `${err.message} (error code ${err.code})` : String(err?.message ?? err));
  }
  const ms = performance.now() - t0;

  let values = 0;
  // Stored sizes by the core's rules; specs it rejects were reported by the decode above.
  let layout = [];
  try {
    layout = ma.getWeightLayout(specs, artifacts.weightData ?? undefined);
  } catch { /* shown as '?' */ }
  rows = specs.map((spec, index) => {
    const tensor = decoded[spec.name];
    if (!problems.length) {
      const want = elementCount(spec.shape) * (spec.dtype === 'complex64' ? 2 : 1);
      if (!tensor) problems.push(`weight "${spec.name}" is missing from the decoded map`);
      else if (tensor.dtype !== spec.dtype) problems.push(`weight "${spec.name}" decoded as ${tensor.dtype}, expected ${spec.dtype}`);
      else if (tensor.data.length !== want) problems.push(`weight "${spec.name}" has ${tensor.data.length} values, expected ${want}`);
    }
    if (tensor) values += tensor.data.length;
    return {
      index,
      name: spec.name,
      dtype: spec.dtype,
      shape: spec.shape,
      elements: elementCount(spec.shape),
      bytes: layout[index]?.byteLength ?? NaN,
      quantization: spec.quantization?.dtype ?? '',
      q: spec.quantization,
      sum: tensor ? sumOf(tensor.data) : null,
    };
  });
  setField('elementCount', values, values.toLocaleString('en'));

  const decodeEl = $('decode-status');
  if (problems.length) {
    decodeEl.dataset.value = 'error';
    decodeEl.className = 'bad';
    decodeEl.textContent = `failed: ${problems[0]}`;
  } else {
    decodeEl.dataset.value = 'ok';
    decodeEl.className = 'ok';
    decodeEl.textContent = `ok · ${specs.length} weights in ${ms.toFixed(1)} ms`;
  }

  drawDtypeChart();
  drawPrefixChart();
  const largest = rows.filter((r) => r.dtype !== 'string').sort((a, b) => b.elements - a.elements)[0];
  selectedWeight = rows.some((r) => r.name === selectedWeight) ? selectedWeight : largest?.name ?? null;
  renderTable();
  drawHistogram();

  const hashEl = $('weightSha256');
  hashEl.dataset.value = '';
  hashEl.textContent = '…';
  const hash = await sha256(ma.concatenateArrayBuffers(weightBuffers(artifacts)));
  if (current === model) setField('weightSha256', hash ?? '', hash ?? '(needs a secure context)');
}

async function sha256(buffer) {
  if (!globalThis.crypto?.subtle) return null;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', buffer));
  return [...digest].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// ------------------------------------------------------------- the table

function describeQuantization(q) {
  if (!q) return '—';
  const parts = [q.dtype];
  if (q.scale !== undefined) parts.push(`scale ${Number(q.scale).toPrecision(4)}`);
  if (q.min !== undefined) parts.push(`min ${Number(q.min).toPrecision(4)}`);
  return parts.join(' · ');
}

function renderTable() {
  const filter = byId('weight-filter').value.trim().toLowerCase();
  const words = filter.split(/\s+/).filter(Boolean);
  const shown = rows.filter((r) => words.every((w) =>
    r.name.toLowerCase().includes(w) || r.dtype === w || r.quantization === w || `[${r.shape.join(',')}]`.includes(w)));
  const { key, dir } = sort;
  const value = (r) => (key === 'shape' ? r.elements : r[key]);
  shown.sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === y) return a.index - b.index;
    if (x == null) return 1;
    if (y == null) return -1;
    return (typeof x === 'string' ? x.localeCompare(y) : x - y) * dir;
  });
  for (const th of document.querySelectorAll('th[data-sort]')) {
    th.setAttribute('aria-sort', th.dataset.sort === key ? (dir > 0 ? 'ascending' : 'descending') : 'none');
  }

  const body = byId('weight-rows');
  const fragment = document.createDocumentFragment();
  for (const r of shown) {
    const tr = document.createElement('tr');
    tr.dataset.testid = 'weight-row';
    tr.dataset.name = r.name;
    if (r.name === selectedWeight) tr.className = 'selected';
    const cells = [
      ['index', r.index, String(r.index)],
      ['name', r.name, r.name],
      ['dtype', r.dtype, r.dtype],
      ['shape', JSON.stringify(r.shape), `[${r.shape.join(', ')}]`],
      ['elements', r.elements, r.elements.toLocaleString('en')],
      ['bytes', r.bytes, Number.isNaN(r.bytes) ? '?' : r.bytes.toLocaleString('en')],
      ['quantization', r.quantization, describeQuantization(r.q)],
      ['sum', r.sum == null ? '' : String(r.sum), r.sum == null ? '—' : r.sum.toPrecision(6)],
    ];
    for (const [col, v, text] of cells) {
      const td = document.createElement('td');
      td.dataset.col = col;
      td.dataset.value = v;
      td.textContent = text;
      if (['index', 'elements', 'bytes', 'sum'].includes(col)) td.className = 'num';
      tr.append(td);
    }
    fragment.append(tr);
  }
  body.replaceChildren(fragment);
  $('weight-shown').textContent = shown.length === rows.length ? `${rows.length} weights`
    : `${shown.length} of ${rows.length} weights`;
  $('weight-shown').dataset.value = String(shown.length);
}

// ------------------------------------------------------------------- charts

function svgEl(name, attrs = {}, text) {
  const el = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (text != null) el.textContent = text;
  return el;
}

/** Horizontal bars: items [{key, value, color?}] in the given order. */
function barChart(svg, items, { format = formatBytes, width = 460 } = {}) {
  svg.replaceChildren();
  const rowH = 20;
  const labelW = 150;
  const valueW = 74;
  const height = Math.max(1, items.length) * rowH + 4;
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('height', String(height));
  const max = Math.max(1, ...items.map((i) => i.value));
  const total = items.reduce((n, i) => n + i.value, 0) || 1;
  items.forEach((item, i) => {
    const y = i * rowH + 2;
    const g = svgEl('g', { 'data-testid': 'bar', 'data-key': item.key, 'data-value': String(item.value) });
    g.append(svgEl('title', {}, `${item.key}: ${item.value.toLocaleString('en')} bytes (${(100 * item.value / total).toFixed(1)}%)`));
    const label = item.key.length > 22 ? `${item.key.slice(0, 21)}…` : item.key;
    g.append(svgEl('text', { x: labelW - 6, y: y + 13, 'text-anchor': 'end', class: 'label' }, label));
    const w = Math.max(1, (width - labelW - valueW) * item.value / max);
    g.append(svgEl('rect', { x: labelW, y: y + 2, width: w.toFixed(1), height: rowH - 6, rx: 2,
      fill: item.color ?? PALETTE[i % PALETTE.length] }));
    g.append(svgEl('text', { x: labelW + w + 4, y: y + 13, class: 'value' }, format(item.value)));
    svg.append(g);
  });
  if (!items.length) svg.append(svgEl('text', { x: 4, y: 14, class: 'label' }, 'no weights'));
}

function drawDtypeChart() {
  const totals = new Map();
  for (const r of rows) {
    const key = r.quantization ? `${r.dtype} as ${r.quantization}` : r.dtype;
    totals.set(key, (totals.get(key) ?? 0) + (Number.isNaN(r.bytes) ? 0 : r.bytes));
  }
  const items = [...totals].map(([key, value]) => ({ key, value })).sort((a, b) => b.value - a.value);
  barChart($('chart-dtype'), items);
}

/** "Conv2D_41/filter" -> op kind "Conv2D" or layer "Conv2D_41". */
function prefixOf(name, mode) {
  const parts = name.split('/');
  const first = parts.length > 1 ? parts[0] : name;
  return mode === 'op' ? first.replace(/(_\d+)+$/, '') || first : first;
}

function drawPrefixChart() {
  const mode = byId('prefix-mode').value;
  const totals = new Map();
  for (const r of rows) {
    const key = prefixOf(r.name, mode);
    totals.set(key, (totals.get(key) ?? 0) + (Number.isNaN(r.bytes) ? 0 : r.bytes));
  }
  let items = [...totals].map(([key, value]) => ({ key, value })).sort((a, b) => b.value - a.value);
  const top = 10;
  if (items.length > top + 1) {
    const rest = items.slice(top);
    items = items.slice(0, top);
    items.push({ key: `${rest.length} others`, value: rest.reduce((n, i) => n + i.value, 0), color: '#9ca3af' });
  }
  barChart($('chart-prefix'), items);
}

function drawHistogram() {
  const svg = $('histogram');
  svg.replaceChildren();
  const width = 900;
  const height = 120;
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  const nameEl = $('histogram-weight');
  const statsEl = $('histogram-stats');
  const tensor = selectedWeight ? decoded[selectedWeight] : null;
  nameEl.textContent = selectedWeight ?? '—';
  svg.dataset.weight = selectedWeight ?? '';
  if (!tensor || Array.isArray(tensor.data)) {
    statsEl.textContent = tensor ? 'string weights have no histogram' : 'click a row to see its values';
    svg.dataset.bins = '0';
    return;
  }
  const data = tensor.data;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let finite = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) continue;
    finite++;
    sum += v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const mean = finite ? sum / finite : NaN;
  let sq = 0;
  for (let i = 0; i < data.length; i++) if (Number.isFinite(data[i])) sq += (data[i] - mean) ** 2;
  const std = finite ? Math.sqrt(sq / finite) : NaN;
  const bins = finite ? Math.min(60, Math.max(1, max === min ? 1 : Math.ceil(Math.sqrt(finite) * 2))) : 0;
  const counts = new Array(bins).fill(0);
  const span = max - min || 1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) continue;
    counts[Math.min(bins - 1, Math.floor((v - min) / span * bins))]++;
  }
  svg.dataset.bins = String(bins);
  svg.dataset.counted = String(finite);
  const nonFinite = data.length - finite;
  statsEl.textContent = `${tensor.dtype}[${tensor.shape.join(',')}] · ${data.length.toLocaleString('en')} values · ` +
    `min ${fmt(min)} · max ${fmt(max)} · mean ${fmt(mean)} · std ${fmt(std)}` +
    (nonFinite ? ` · ${nonFinite} NaN/Infinity not shown` : '');
  const top = Math.max(1, ...counts);
  const padB = 16;
  const barW = (width - 2) / Math.max(1, bins);
  counts.forEach((c, i) => {
    const h = (height - padB - 4) * c / top;
    const lo = min + span * i / bins;
    const rect = svgEl('rect', { x: (1 + i * barW).toFixed(1), y: (height - padB - h).toFixed(1),
      width: Math.max(1, barW - 1).toFixed(1), height: h.toFixed(1), class: 'hbar' });
    rect.append(svgEl('title', {}, `${fmt(lo)} … ${fmt(lo + span / bins)}: ${c}`));
    svg.append(rect);
  });
  svg.append(svgEl('line', { x1: 0, x2: width, y1: height - padB, y2: height - padB, class: 'axis' }));
  svg.append(svgEl('text', { x: 2, y: height - 3, class: 'label' }, fmt(min)));
  svg.append(svgEl('text', { x: width - 2, y: height - 3, class: 'label', 'text-anchor': 'end' }, fmt(max)));
  if (min < 0 && max > 0) {
    const x = 1 + (width - 2) * (-min / span);
    svg.append(svgEl('line', { x1: x, x2: x, y1: 0, y2: height - padB, class: 'zero' }));
    svg.append(svgEl('text', { x, y: height - 3, class: 'label', 'text-anchor': 'middle' }, '0'));
  }
}

function fmt(x) {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e4 || a < 1e-3 ? x.toExponential(2) : Number(x.toPrecision(4)).toString();
}

// --------------------------------------------------------------------- save

function saveDestination() {
  const kind = byId('save-kind').value;
  const name = byId('save-name').value.trim();
  if (!name) throw new Error('Enter a name for the saved model.');
  if (kind === 'http') return { kind, url: new URL(name, location.href).href, handler: (u) => ma.http(u) };
  return { kind, url: `${kind}://${name}`, name };
}

function updateSaveHint() {
  const kind = byId('save-kind').value;
  const input = byId('save-name');
  const hints = {
    indexeddb: 'Stored in this browser (TensorFlow.js\'s tensorflowjs database).',
    opfs: 'Stored as files in this origin\'s private file system (model.json and 4 MiB shards).',
    localstorage: 'Stored in localStorage as base64: about 3.7 MiB of weights at most.',
    downloads: 'Downloads <name>.json and <name>.weights.bin.',
    http: 'POSTs TensorFlow.js\'s multipart body; this server keeps it in memory at /api/models/<name>.',
  };
  if (kind === 'http' && !/^(https?:|\/)/.test(input.value)) {
    input.value = new URL(`/api/models/${input.value.replace(/[^A-Za-z0-9._-]/g, '') || 'my-model'}`, location.href).href;
  } else if (kind !== 'http' && /^(https?:|\/)/.test(input.value)) {
    input.value = input.value.split('/').filter(Boolean).pop() || 'my-model';
  }
  byId('save-hint').textContent = hints[kind];
}

async function saveCurrent() {
  if (!current) throw new Error('Load a model first.');
  const dest = saveDestination();
  const { artifacts } = current;
  let result;
  if (dest.kind === 'indexeddb') result = await ma.browserIndexedDB(dest.name).save(artifacts);
  else if (dest.kind === 'opfs') result = await ma.browserOPFS(dest.name).save(artifacts);
  else if (dest.kind === 'localstorage') result = await ma.browserLocalStorage(dest.name).save(artifacts);
  else if (dest.kind === 'downloads') result = await ma.browserDownloads(dest.name).save(artifacts);
  else result = await ma.http(dest.url).save(artifacts);
  const info = result?.modelArtifactsInfo;
  const bytes = info ? ` (${formatBytes((info.modelTopologyBytes ?? 0) + (info.weightSpecsBytes ?? 0) + (info.weightDataBytes ?? 0))})` : '';
  if (['indexeddb', 'opfs', 'localstorage'].includes(dest.kind)) await refreshManage();
  if (dest.kind === 'http') {
    const back = `${dest.url.replace(/\/$/, '')}/model.json`;
    byId('model-url').value = back;
    return `Saved to ${dest.url}${bytes}. Its model.json is ${back} (put in the Load URL).`;
  }
  if (dest.kind === 'downloads') return `Downloaded ${dest.name}.json and ${dest.name}.weights.bin${bytes}.`;
  return `Saved to ${dest.url}${bytes}.`;
}

// ------------------------------------------------------------------ convert

async function quantizeCurrent() {
  if (!current) throw new Error('Load a model first.');
  const dtype = byId('quantize-dtype').value;
  const before = current;
  const floatWeights = (before.artifacts.weightSpecs ?? []).filter((s) => s.dtype === 'float32' && !s.quantization);
  if (!floatWeights.length) {
    throw new Error('This model has no unquantized float32 weights to quantize (already quantized weights are left as they are).');
  }
  const artifacts = ma.quantizeArtifacts(before.artifacts, { dtype });
  // The largest dequantization error: decode both and compare value by value.
  const original = ma.decodeWeights(before.artifacts.weightData ?? [], before.artifacts.weightSpecs ?? []);
  const quantized = ma.decodeWeights(artifacts.weightData ?? [], artifacts.weightSpecs ?? []);
  let worst = 0;
  let worstWeight = '';
  for (const spec of floatWeights) {
    const a = original[spec.name].data;
    const b = quantized[spec.name].data;
    for (let i = 0; i < a.length; i++) {
      const d = Math.abs(a[i] - b[i]);
      if (d > worst) {
        worst = d;
        worstWeight = spec.name;
      }
    }
  }
  const bytesBefore = weightBytes(before.artifacts);
  const bytesAfter = weightBytes(artifacts);
  setField('quant-before', bytesBefore, exactBytes(bytesBefore));
  setField('quant-after', bytesAfter, `${exactBytes(bytesAfter)} · ${(100 * bytesAfter / (bytesBefore || 1)).toFixed(1)}%`);
  setField('quant-error', worst, worstWeight ? `${fmt(worst)} in ${worstWeight}` : '0');
  $('quant-error').dataset.weight = worstWeight;
  byId('quant-result').hidden = false;
  await show({ artifacts, source: `${before.source} → ${dtype}`, shards: shardsOf(artifacts) });
  byId('revert-btn').disabled = false;
  return `Quantized ${floatWeights.length} float32 weights to ${dtype}.`;
}

async function shardCurrent() {
  if (!current) throw new Error('Load a model first.');
  const size = parseSize(byId('shard-size').value);
  if (!(size > 0)) throw new Error(`"${byId('shard-size').value}" is not a size: use bytes or a number with KiB/MiB, e.g. 64KiB.`);
  const hashes = byId('shard-hashes').checked;
  const { modelJSON, files } = ma.shardArtifacts(current.artifacts, { shardSizeBytes: size, hashes });
  const artifacts = await ma.getModelArtifactsForJSON(modelJSON, async (manifest) =>
    [ma.getWeightSpecs(manifest), files.map((f) => f.data)]);
  const list = $('shard-files');
  list.replaceChildren(...files.map((f) => {
    const li = document.createElement('li');
    li.textContent = `${f.path} · ${formatBytes(f.data.byteLength)}`;
    return li;
  }));
  list.dataset.value = String(files.length);
  list.hidden = false;
  const base = current.source.replace(/ → sharded.*$/, '');
  await show({ artifacts, source: `${base} → sharded ${formatBytes(size)}`,
    shards: files.map((f) => ({ path: f.path, bytes: f.data.byteLength })) });
  byId('revert-btn').disabled = false;
  return `Re-sharded into ${files.length} file${files.length === 1 ? '' : 's'} of at most ${formatBytes(size)}${hashes ? ' with sha256' : ''}.`;
}

// ------------------------------------------------------------------- manage

let storedModels = {};

async function refreshManage() {
  storedModels = await ma.listModels();
  const urls = Object.keys(storedModels).sort();
  const list = $('stored-list');
  list.replaceChildren(...urls.map((url) => {
    const info = storedModels[url];
    const li = document.createElement('li');
    li.dataset.testid = 'stored-model';
    li.dataset.url = url;
    const total = (info.modelTopologyBytes ?? 0) + (info.weightSpecsBytes ?? 0) + (info.weightDataBytes ?? 0);
    const name = document.createElement('span');
    name.className = 'name';
    name.textContent = url;
    const meta = document.createElement('span');
    meta.className = 'muted';
    meta.textContent = `${formatBytes(total)} · ${formatDate(info.dateSaved)}`;
    meta.dataset.bytes = String(info.weightDataBytes ?? 0);
    const buttons = document.createElement('span');
    buttons.className = 'actions';
    for (const [action, label] of [['load', 'Load'], ['remove', 'Remove']]) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'small';
      b.dataset.action = action;
      b.textContent = label;
      buttons.append(b);
    }
    li.append(name, meta, buttons);
    return li;
  }));
  if (!urls.length) {
    const li = document.createElement('li');
    li.className = 'muted';
    li.textContent = 'No models in IndexedDB or localStorage yet. Save one above.';
    list.append(li);
  }
  for (const select of [byId('stored-models'), byId('manage-src')]) {
    const keep = select.value;
    select.replaceChildren(...(urls.length ? urls : ['']).map((url) => {
      const o = document.createElement('option');
      o.value = url;
      o.textContent = url || '(none stored yet)';
      return o;
    }));
    if (urls.includes(keep)) select.value = keep;
  }
  await refreshEstimate();
}

async function refreshEstimate() {
  const estimate = await ma.storageEstimate();
  if (!estimate) {
    setField('storage-usage', '', 'unknown');
    setField('storage-quota', '', 'unknown');
    setField('storage-persisted', '', 'storage estimate not available here');
    return;
  }
  setField('storage-usage', estimate.usage, formatBytes(estimate.usage));
  setField('storage-quota', estimate.quota, formatBytes(estimate.quota));
  setField('storage-persisted', estimate.persisted, estimate.persisted ? 'persistent' : 'may be evicted under storage pressure');
  $('storage-fill').style.width = `${Math.min(100, 100 * estimate.usage / (estimate.quota || 1)).toFixed(2)}%`;
  byId('persist-btn').disabled = estimate.persisted;
}

// --------------------------------------------------------------------- main

function wire() {
  const urlInput = byId('model-url');
  byId('url-form').addEventListener('submit', (event) => {
    event.preventDefault();
    const stream = byId('stream-weights').checked;
    runLoad(urlInput.value, () => loadFromURL(urlInput.value, { stream }));
  });
  byId('cancel-load').addEventListener('click', () => loadController?.abort(new DOMException('Cancelled by the user', 'AbortError')));

  byId('model-files').addEventListener('change', (event) => {
    const files = event.target.files;
    if (files && files.length) runLoad('the selected files', () => loadFromFiles(files));
    event.target.value = '';
  });
  const drop = byId('drop-zone');
  for (const type of ['dragenter', 'dragover']) {
    drop.addEventListener(type, (event) => {
      event.preventDefault();
      drop.classList.add('over');
    });
  }
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    const files = event.dataTransfer?.files;
    if (files && files.length) runLoad('the dropped files', () => loadFromFiles(files));
  });
  // A drop elsewhere on the page must not navigate away from it.
  window.addEventListener('dragover', (event) => event.preventDefault());
  window.addEventListener('drop', (event) => event.preventDefault());

  byId('load-stored').addEventListener('click', () => {
    const url = byId('stored-models').value;
    if (!url) {
      showError($('error'), 'Nothing is stored yet: save a model first.');
      return;
    }
    runLoad(url, () => loadStored(url));
  });

  byId('save-kind').addEventListener('change', updateSaveHint);
  byId('save-form').addEventListener('submit', (event) => {
    event.preventDefault();
    act('save', 'Save', saveCurrent);
  });

  byId('quantize-form').addEventListener('submit', (event) => {
    event.preventDefault();
    act('convert', 'Quantize', quantizeCurrent);
  });
  byId('shard-form').addEventListener('submit', (event) => {
    event.preventDefault();
    act('convert', 'Re-shard', shardCurrent);
  });
  byId('revert-btn').addEventListener('click', () => act('convert', 'Go back', async () => {
    await show(loaded);
    byId('revert-btn').disabled = true;
    byId('quant-result').hidden = true;
    $('shard-files').hidden = true;
    return 'Showing the loaded model again.';
  }));

  byId('refresh-models').addEventListener('click', () => act('manage', 'Refresh', async () => {
    await refreshManage();
    return `${Object.keys(storedModels).length} stored models.`;
  }));
  byId('persist-btn').addEventListener('click', () => act('manage', 'Request persistent storage', async () => {
    const granted = await ma.requestPersistentStorage();
    await refreshEstimate();
    return granted ? 'The browser will keep this site\'s storage.' : 'The browser declined (it decides by engagement; try after bookmarking).';
  }));
  $('stored-list').addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const url = button.closest('[data-url]').dataset.url;
    if (button.dataset.action === 'load') {
      runLoad(url, () => loadStored(url));
    } else {
      act('manage', `Remove ${url}`, async () => {
        await ma.removeModel(url);
        await refreshManage();
        return `Removed ${url}.`;
      });
    }
  });
  const copyOrMove = (verb) => {
    const src = byId('manage-src').value;
    const dst = byId('manage-dst').value.trim();
    act('manage', `${verb[0].toUpperCase()}${verb.slice(1)} ${src || 'a model'}`, async () => {
      if (!src) throw new Error('Nothing is stored yet: save a model first.');
      if (!dst) throw new Error('Enter a destination URL such as indexeddb://copy, opfs://copy or localstorage://copy.');
      await (verb === 'copy' ? ma.copyModel(src, dst) : ma.moveModel(src, dst));
      await refreshManage();
      return `${verb === 'copy' ? 'Copied' : 'Moved'} ${src} to ${dst}.`;
    });
  };
  byId('copy-form').addEventListener('submit', (event) => {
    event.preventDefault();
    copyOrMove('copy');
  });
  byId('move-btn').addEventListener('click', () => copyOrMove('move'));

  byId('weight-filter').addEventListener('input', renderTable);
  byId('prefix-mode').addEventListener('change', drawPrefixChart);
  for (const th of document.querySelectorAll('th[data-sort]')) {
    th.querySelector('button').addEventListener('click', () => {
      const key = th.dataset.sort;
      sort = sort.key === key ? { key, dir: -sort.dir }
        : { key, dir: ['elements', 'bytes', 'sum'].includes(key) ? -1 : 1 };
      renderTable();
    });
  }
  byId('weight-rows').addEventListener('click', (event) => {
    const tr = event.target.closest('tr[data-name]');
    if (!tr) return;
    selectedWeight = tr.dataset.name;
    for (const row of byId('weight-rows').querySelectorAll('tr.selected')) row.classList.remove('selected');
    tr.classList.add('selected');
    drawHistogram();
  });
}

async function main() {
  try {
    ma = await import('model-artifacts');
  } catch (err) {
    setStatus($('status'), 'error', 'Failed.');
    showError($('error'), 'The model-artifacts WebAssembly package could not be loaded. ' +
      'Build it with `npm run build` (or run `npm start`, which builds it).', err);
    return;
  }
  wire();
  updateSaveHint();
  const manage = refreshManage().catch((err) => showError($('manage-error'), 'Could not list the stored models.', err));
  const urlInput = byId('model-url');
  await runLoad(urlInput.value, () => loadFromURL(urlInput.value, { stream: false }));
  await manage;
}

main();
