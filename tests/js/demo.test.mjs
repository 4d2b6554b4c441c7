// The demo page (`npm start`, the "studio") in headless Chromium, against the
// real server of scripts/serve.mjs (with the fixtures mounted at /fixtures/).
// Values are checked against the fixtures' TensorFlow.js goldens
// (../shared/fixtures/*/expected.json).
//
// Screenshots go to test-results/; `UPDATE_DEMO_SCREENSHOT=1` also rewrites
// docs/demo.png (the README's picture).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createServer } from '../../scripts/serve.mjs';
import { launchPlaywrightChromium } from './support/engines.mjs';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = new URL('../../../shared/fixtures/', import.meta.url);
const golden = (name) => JSON.parse(readFileSync(new URL(`${name}/expected.json`, fixtures), 'utf8'));
const expected = golden('human-selfie-f16');
const results = new URL('../../test-results/', import.meta.url);

let server;
let browser;

before(async () => {
  mkdirSync(results, { recursive: true });
  server = await createServer({
    root: repo, port: 0, host: '127.0.0.1', mounts: { '/fixtures/': fileURLToPath(fixtures) },
  });
  browser = await launchPlaywrightChromium();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Opens a page (in its own context: storage starts empty) that records
 * console errors and uncaught page errors. */
async function openPage(context) {
  context ??= await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console.error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  await page.goto(server.url);
  assert.equal(await settled(page), 'done', 'the default model loads');
  return { page, context, problems };
}

/** Waits until the page has finished loading a model (or failed). */
async function settled(page) {
  await page.waitForSelector('[data-testid="status"][data-state="done"], [data-testid="status"][data-state="error"]',
    { timeout: 30_000 });
  return page.getAttribute('[data-testid="status"]', 'data-state');
}

/** Submits the Load card's URL form and waits for the result. */
async function loadURL(page, url, { stream = false } = {}) {
  await page.fill('#model-url', url);
  await page.setChecked('#stream-weights', stream);
  await page.click('#load-url');
  return settled(page);
}

/** Waits for a card's status line ('save', 'convert', 'manage') to settle. */
async function cardDone(page, card) {
  await page.waitForSelector(`[data-testid="${card}-status"][data-state="done"], [data-testid="${card}-status"][data-state="error"]`,
    { timeout: 30_000 });
  const state = await page.getAttribute(`[data-testid="${card}-status"]`, 'data-state');
  if (state !== 'done') assert.fail(`${card} failed: ${await page.textContent(`[data-testid="${card}-error"]`)}`);
}

const value = (page, testid) => page.getAttribute(`[data-testid="${testid}"]`, 'data-value');

/** The weight data's sha256 the page shows (computed once loading is done). */
async function weightHash(page) {
  await page.waitForSelector('[data-testid="weightSha256"][data-value]:not([data-value=""])', { timeout: 10_000 });
  return value(page, 'weightSha256');
}

const weightRows = (page) => page.$$eval('[data-testid="weight-row"]', (trs) => trs.map((tr) =>
  Object.fromEntries([...tr.querySelectorAll('td')].map((td) => [td.dataset.col, td.dataset.value]))));

/** Checks the table, in weightSpecs order, against a fixture's goldens. */
async function assertRowsMatch(page, gold) {
  const rows = await weightRows(page);
  assert.equal(rows.length, gold.weights.length);
  rows.forEach((row, i) => {
    const w = gold.weights[i];
    assert.equal(row.name, w.name, `row ${i} name`);
    assert.equal(row.dtype, w.dtype, `row ${i} dtype`);
    assert.equal(row.shape, JSON.stringify(w.shape), `row ${i} shape`);
    assert.equal(Number(row.elements), w.shape.reduce((a, b) => a * b, 1), `row ${i} elements`);
    assert.equal(Number(row.bytes), w.byteLength, `row ${i} stored bytes`);
    assert.equal(row.quantization, w.quantization?.dtype ?? '', `row ${i} quantization`);
    assert.equal(Number(row.sum), w.decoded.sum, `row ${i} (${w.name}) decoded sum`);
  });
}

const shot = (page, name) => page.screenshot({ path: fileURLToPath(new URL(name, results)), fullPage: true });

test('the default model\'s summary, table and charts equal expected.json', async () => {
  const { page, context, problems } = await openPage();
  assert.equal(await value(page, 'format'), expected.modelJson.format);
  assert.equal(await value(page, 'generatedBy'), expected.modelJson.generatedBy);
  assert.equal(await value(page, 'convertedBy'), expected.modelJson.convertedBy ?? '');
  assert.equal(await value(page, 'topologyKind'), expected.modelJson.modelTopologyKind);
  assert.equal(Boolean(await value(page, 'signature')), expected.modelJson.hasSignature);
  assert.match(await page.textContent('[data-testid="signature"]'), /input_1:0 \[1,256,256,3\]/);
  assert.equal(await value(page, 'modelTopologyType'), expected.artifactsInfo.modelTopologyType);
  for (const key of ['modelTopologyBytes', 'weightSpecsBytes', 'weightDataBytes']) {
    assert.equal(Number(await value(page, key)), expected.artifactsInfo[key], key);
  }
  assert.equal(Number(await value(page, 'weightCount')), expected.numWeights);
  assert.equal(Number(await value(page, 'shardCount')), expected.shards.length);
  assert.equal(await value(page, 'decode-status'), 'ok', await page.textContent('[data-testid="decode-status"]'));
  assert.equal(await weightHash(page), expected.weightData.sha256);
  assert.equal(await page.getAttribute('[data-testid="progress"]', 'data-fraction'), '1');
  await assertRowsMatch(page, expected);

  // Bytes by dtype + quantization: the bars add up to the weights' stored bytes.
  const stored = expected.weights.reduce((n, w) => n + w.byteLength, 0);
  const dtypeBars = await page.$$eval('[data-testid="chart-dtype"] [data-testid="bar"]',
    (gs) => gs.map((g) => [g.dataset.key, Number(g.dataset.value)]));
  assert.deepEqual(dtypeBars.map(([k]) => k), ['float32 as float16', 'int32']);
  assert.equal(dtypeBars.reduce((n, [, v]) => n + v, 0), stored);
  const prefixBars = await page.$$eval('[data-testid="chart-prefix"] [data-testid="bar"]',
    (gs) => gs.map((g) => Number(g.dataset.value)));
  assert.equal(prefixBars.reduce((n, v) => n + v, 0), stored);
  assert.ok(Number(await page.getAttribute('[data-testid="histogram"]', 'data-bins')) > 1);

  // Sort by bytes (largest first), filter, select a row for the histogram.
  await page.click('th[data-sort="bytes"] button');
  const sorted = (await weightRows(page)).map((r) => Number(r.bytes));
  assert.deepEqual(sorted, [...sorted].sort((a, b) => b - a));
  await page.fill('#weight-filter', 'int32');
  const int32 = expected.weights.filter((w) => w.dtype === 'int32').length;
  assert.equal(await page.locator('[data-testid="weight-row"]').count(), int32);
  await page.fill('#weight-filter', 'segment/filter');
  await page.click('[data-testid="weight-row"][data-name="segment/filter"]');
  assert.equal(await page.getAttribute('[data-testid="histogram"]', 'data-weight'), 'segment/filter');
  assert.equal(Number(await page.getAttribute('[data-testid="histogram"]', 'data-counted')), 64);
  await page.fill('#weight-filter', '');
  await page.click('th[data-sort="index"] button');

  await shot(page, 'demo.png');
  const docsPng = new URL('../../docs/demo.png', import.meta.url);
  if (process.env.UPDATE_DEMO_SCREENSHOT || !existsSync(docsPng)) {
    await page.click('[data-testid="weight-row"][data-name="Conv2D_30/filter"]');
    await page.screenshot({ path: fileURLToPath(docsPng), fullPage: true });
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('a fixture loads by URL with byte progress to 100%, also streamed tensor by tensor', async () => {
  const { page, context, problems } = await openPage();
  const gold = golden('upscaler-default-f32');
  const bytes = gold.weightData.byteLength;
  for (const stream of [false, true]) {
    assert.equal(await loadURL(page, '/fixtures/upscaler-default-f32/model.json', { stream }), 'done',
      await page.textContent('[data-testid="error"]'));
    const bar = await page.$eval('[data-testid="progress"]', (p) => ({ ...p.dataset, value: p.value }));
    assert.deepEqual(bar, { testid: 'progress', fraction: '1', loaded: String(bytes), total: String(bytes), value: 1 });
    assert.match(await page.textContent('[data-testid="progress-text"]'), /^100% · 867\.5 KiB of 867\.5 KiB$/);
    assert.equal(Number(await value(page, 'weightDataBytes')), bytes);
    assert.equal(await weightHash(page), gold.weightData.sha256);
    await assertRowsMatch(page, gold);
    if (stream) {
      const names = await page.$$eval('[data-testid="stream-tensor"]', (lis) => lis.map((li) => li.dataset.name));
      assert.deepEqual(names, gold.weights.map((w) => w.name));
      assert.equal(await page.textContent('[data-testid="stream-count"]'), String(gold.numWeights));
    }
  }
  await shot(page, 'demo-url-stream.png');
  assert.deepEqual(problems, []);
  await context.close();
});

test('an invalid model.json URL shows a plain-language error next to the URL, no page error', async () => {
  const { page, context, problems } = await openPage();
  assert.equal(await loadURL(page, 'models/no-such-model/model.json'), 'error');
  const message = await page.textContent('#load [data-testid="error"]');
  assert.match(message, /Could not load models\/no-such-model\/model\.json/);
  assert.match(message, /404/);
  assert.equal(await page.getAttribute('[data-testid="error"]', 'data-code'), 'E_HTTP_STATUS');
  assert.equal(await page.isVisible('[data-testid="error"]'), true);

  assert.equal(await loadURL(page, 'style.css'), 'error');
  assert.equal(await page.getAttribute('[data-testid="error"]', 'data-code'), 'E_INVALID_JSON');
  assert.match(await page.textContent('[data-testid="error"]'), /not JSON/);
  // The previous model stays shown.
  assert.equal(Number(await value(page, 'weightCount')), expected.numWeights);
  await shot(page, 'demo-error.png');
  // The browser itself logs the failed request; anything else is a bug.
  assert.deepEqual(problems.filter((p) => !/Failed to load resource.*404/.test(p)), []);
  assert.equal(problems.length, 1, 'exactly the one 404 request');

  // A second load succeeds and clears the error.
  assert.equal(await loadURL(page, 'models/human-selfie-f16/model.json'), 'done');
  assert.equal(await page.isVisible('[data-testid="error"]'), false);
  await context.close();
});

test('cancel during a load shows E_ABORTED', async () => {
  const { page, context, problems } = await openPage();
  // The shard request is held until the test releases it.
  let reached;
  const shardRequested = new Promise((ok) => { reached = ok; });
  let release;
  const released = new Promise((ok) => { release = ok; });
  await page.route('**/fixtures/upscaler-default-f32/group1-shard1of1.bin', async (route) => {
    reached();
    await released;
    await route.abort().catch(() => {}); // the page has already given up on it
  });
  await page.fill('#model-url', '/fixtures/upscaler-default-f32/model.json');
  await page.click('#load-url');
  await shardRequested;
  assert.equal(await page.isEnabled('#cancel-load'), true);
  await page.click('#cancel-load');
  assert.equal(await settled(page), 'error');
  assert.equal(await page.getAttribute('[data-testid="error"]', 'data-code'), 'E_ABORTED');
  assert.match(await page.textContent('[data-testid="error"]'), /You cancelled it/);
  assert.equal(await page.textContent('[data-testid="progress-text"]'), 'cancelled');
  assert.equal(await page.isEnabled('#cancel-load'), false);
  release();
  assert.equal(Number(await value(page, 'weightCount')), expected.numWeights, 'the previous model stays');
  assert.deepEqual(problems, []);
  await context.close();
});

test('save to IndexedDB, reload, find it listed, load it back byte-exact; copy, move, remove', async () => {
  const { page, context, problems } = await openPage();
  await page.selectOption('#save-kind', 'indexeddb');
  await page.fill('#save-name', 'selfie');
  await page.click('#save-btn');
  await cardDone(page, 'save');
  assert.match(await page.textContent('[data-testid="save-status"]'), /Saved to indexeddb:\/\/selfie/);

  await page.reload();
  assert.equal(await settled(page), 'done');
  const item = page.locator('[data-testid="stored-model"][data-url="indexeddb://selfie"]');
  await item.waitFor({ timeout: 10_000 });
  assert.equal(Number(await item.locator('[data-bytes]').getAttribute('data-bytes')), expected.artifactsInfo.weightDataBytes);
  assert.match(await item.textContent(), /\d{4}-\d\d-\d\d \d\d:\d\d/);
  assert.ok(Number(await value(page, 'storage-usage')) > 0);
  assert.ok(Number(await value(page, 'storage-quota')) > 0);
  assert.match(await value(page, 'storage-persisted'), /^(true|false)$/);

  // The Persist button asks, and the page then shows what the browser says.
  if (!(await page.isDisabled('#persist-btn'))) {
    await page.click('#persist-btn');
    await cardDone(page, 'manage');
  }
  assert.equal(await value(page, 'storage-persisted'), String(await page.evaluate(() => navigator.storage.persisted())));

  // Load it back through the Load card's stored-model list.
  await page.selectOption('#stored-models', 'indexeddb://selfie');
  await page.click('#load-stored');
  await page.waitForSelector('[data-testid="source"][data-value="indexeddb://selfie"]', { timeout: 10_000 });
  assert.equal(await settled(page), 'done');
  assert.equal(await weightHash(page), expected.weightData.sha256);
  for (const key of ['modelTopologyBytes', 'weightSpecsBytes', 'weightDataBytes']) {
    assert.equal(Number(await value(page, key)), expected.artifactsInfo[key], key);
  }
  await assertRowsMatch(page, expected);

  // Copy to localStorage, move it back into IndexedDB, remove both.
  await page.selectOption('#manage-src', 'indexeddb://selfie');
  await page.fill('#manage-dst', 'localstorage://selfie-ls');
  await page.click('#copy-btn');
  await cardDone(page, 'manage');
  const copied = page.locator('[data-testid="stored-model"][data-url="localstorage://selfie-ls"]');
  await copied.waitFor();
  // The manage list's own Load button loads the copy, byte-exact.
  await copied.locator('button[data-action="load"]').click();
  await page.waitForSelector('[data-testid="source"][data-value="localstorage://selfie-ls"]', { timeout: 10_000 });
  assert.equal(await settled(page), 'done');
  assert.equal(await weightHash(page), expected.weightData.sha256);
  await page.selectOption('#manage-src', 'localstorage://selfie-ls');
  await page.fill('#manage-dst', 'indexeddb://selfie-moved');
  await page.click('#move-btn');
  await cardDone(page, 'manage');
  const listed = () => page.$$eval('[data-testid="stored-model"]', (lis) => lis.map((li) => li.dataset.url));
  assert.deepEqual(await listed(), ['indexeddb://selfie', 'indexeddb://selfie-moved']);
  await shot(page, 'demo-manage.png');
  for (const url of ['indexeddb://selfie', 'indexeddb://selfie-moved']) {
    await page.click(`[data-testid="stored-model"][data-url="${url}"] button[data-action="remove"]`);
    await cardDone(page, 'manage');
  }
  assert.deepEqual(await listed(), []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('save to OPFS, reload, find it listed, load it back byte-exact, move it to IndexedDB', async () => {
  const { page, context, problems } = await openPage();
  await page.selectOption('#save-kind', 'opfs');
  await page.fill('#save-name', 'selfie-files');
  await page.click('#save-btn');
  await cardDone(page, 'save');
  assert.match(await page.textContent('[data-testid="save-status"]'), /Saved to opfs:\/\/selfie-files/);

  await page.reload();
  assert.equal(await settled(page), 'done');
  const item = page.locator('[data-testid="stored-model"][data-url="opfs://selfie-files"]');
  await item.waitFor({ timeout: 10_000 });
  assert.equal(Number(await item.locator('[data-bytes]').getAttribute('data-bytes')), expected.artifactsInfo.weightDataBytes);
  await item.locator('button[data-action="load"]').click();
  await page.waitForSelector('[data-testid="source"][data-value="opfs://selfie-files"]', { timeout: 10_000 });
  assert.equal(await settled(page), 'done');
  assert.equal(await weightHash(page), expected.weightData.sha256);

  await page.selectOption('#manage-src', 'opfs://selfie-files');
  await page.fill('#manage-dst', 'indexeddb://selfie-from-files');
  await page.click('#move-btn');
  await cardDone(page, 'manage');
  const listed = () => page.$$eval('[data-testid="stored-model"]', (lis) => lis.map((li) => li.dataset.url));
  assert.deepEqual(await listed(), ['indexeddb://selfie-from-files']);
  assert.deepEqual(problems, []);
  await context.close();
});

test('quantize a float32 model to float16: weight bytes halve, values are the converter\'s', async () => {
  const { page, context, problems } = await openPage();
  const f32 = golden('synth-layers-f32-sharded');
  const f16 = golden('synth-layers-float16');
  assert.equal(await loadURL(page, '/fixtures/synth-layers-f32-sharded/model.json'), 'done');
  assert.equal(Number(await value(page, 'shardCount')), f32.shards.length);
  await page.selectOption('#quantize-dtype', 'float16');
  await page.click('#quantize-btn');
  await cardDone(page, 'convert');
  assert.equal(Number(await value(page, 'quant-before')), f32.weightData.byteLength);
  assert.equal(Number(await value(page, 'quant-after')), f32.weightData.byteLength / 2);
  assert.equal(Number(await value(page, 'weightDataBytes')), f16.artifactsInfo.weightDataBytes);
  const err = Number(await value(page, 'quant-error'));
  assert.ok(err > 0 && err < 0.01, `largest float16 error ${err}`);
  // Byte for byte what the TensorFlow.js converter wrote for float16.
  assert.equal(await weightHash(page), f16.weightData.sha256);
  await assertRowsMatch(page, f16);

  // Re-shard into 16 KiB files: same bytes, five shards.
  await page.fill('#shard-size', '16KiB');
  await page.click('#shard-btn');
  await cardDone(page, 'convert');
  assert.equal(Number(await value(page, 'shard-files')), Math.ceil(67636 / 16384));
  assert.equal(Number(await value(page, 'shardCount')), 5);
  assert.equal(await weightHash(page), f16.weightData.sha256);
  await shot(page, 'demo-convert.png');

  // A bad size is explained next to the input.
  await page.fill('#shard-size', 'big');
  await page.click('#shard-btn');
  await page.waitForSelector('[data-testid="convert-status"][data-state="error"]');
  assert.match(await page.textContent('[data-testid="convert-error"]'), /"big" is not a size/);

  await page.click('#revert-btn');
  await cardDone(page, 'convert');
  assert.equal(await weightHash(page), f32.weightData.sha256);
  assert.deepEqual(problems, []);
  await context.close();
});

test('download saves <name>.json and <name>.weights.bin with the model\'s bytes', async () => {
  const { page, context, problems } = await openPage();
  await page.selectOption('#save-kind', 'downloads');
  await page.fill('#save-name', 'selfie');
  const downloads = [];
  const both = new Promise((ok) => page.on('download', (d) => {
    downloads.push(d);
    if (downloads.length === 2) ok();
  }));
  await page.click('#save-btn');
  await cardDone(page, 'save');
  await both;
  const files = {};
  for (const d of downloads) {
    files[d.suggestedFilename()] = readFileSync(await d.path());
  }
  assert.deepEqual(Object.keys(files).sort(), ['selfie.json', 'selfie.weights.bin']);
  const bin = files['selfie.weights.bin'];
  assert.equal(bin.length, expected.weightData.byteLength);
  assert.equal(createHash('sha256').update(bin).digest('hex'), expected.weightData.sha256);
  const json = JSON.parse(files['selfie.json'].toString('utf8'));
  const original = JSON.parse(readFileSync(new URL('human-selfie-f16/model.json', fixtures), 'utf8'));
  assert.deepEqual(json.weightsManifest, [{ paths: ['./selfie.weights.bin'], weights: original.weightsManifest[0].weights }]);
  assert.deepEqual(json.modelTopology, original.modelTopology);
  assert.equal(json.format, original.format);
  assert.deepEqual(problems, []);
  await context.close();
});

test('save to the HTTP endpoint and load it back from there', async () => {
  const { page, context, problems } = await openPage();
  await page.selectOption('#save-kind', 'http');
  const endpoint = new URL('/api/models/selfie-http', server.url).href;
  await page.fill('#save-name', endpoint);
  await page.click('#save-btn');
  await cardDone(page, 'save');
  assert.equal(await page.inputValue('#model-url'), `${endpoint}/model.json`);
  const stored = await (await fetch(`${endpoint}/model.weights.bin`)).arrayBuffer();
  assert.equal(createHash('sha256').update(Buffer.from(stored)).digest('hex'), expected.weightData.sha256);

  await page.click('#load-url');
  await page.waitForSelector(`[data-testid="source"][data-value="${endpoint}/model.json"]`, { timeout: 10_000 });
  assert.equal(await settled(page), 'done');
  assert.equal(await weightHash(page), expected.weightData.sha256);
  await assertRowsMatch(page, expected);

  // The endpoint's limits and path rules.
  const notMultipart = await fetch(new URL('/api/models/x', server.url), { method: 'POST', body: 'x' });
  assert.equal(notMultipart.status, 400);
  assert.equal((await fetch(new URL('/api/models/..%2fREADME.md/model.json', server.url))).status, 404);
  assert.equal((await fetch(new URL('/api/models/nothing/model.json', server.url))).status, 404);
  const small = await createServer({ root: repo, port: 0, host: '127.0.0.1', uploadLimit: 1000 });
  try {
    const form = new FormData();
    form.append('model.json', new Blob(['{"modelTopology":{},"weightsManifest":[]}']), 'model.json');
    form.append('model.weights.bin', new Blob([new Uint8Array(2000)]), 'model.weights.bin');
    assert.equal((await fetch(new URL('/api/models/big', small.url), { method: 'POST', body: form })).status, 413);
    assert.equal((await fetch(new URL('/api/models/big/model.json', small.url))).status, 404);
  } finally {
    await small.close();
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('picked files load; a missing shard is named', async () => {
  const { page, context, problems } = await openPage();
  const dir = new URL('human-selfie-f16/', fixtures);
  // Shard first: the page puts model.json first, as browserFiles wants.
  await page.setInputFiles('#model-files', [
    fileURLToPath(new URL('selfie.bin', dir)),
    fileURLToPath(new URL('model.json', dir)),
  ]);
  await page.waitForSelector('[data-testid="source"][data-value="model.json"]', { timeout: 30_000 });
  assert.equal(await settled(page), 'done');
  assert.equal(Number(await value(page, 'weightDataBytes')), expected.artifactsInfo.weightDataBytes);
  assert.equal(await weightHash(page), expected.weightData.sha256);

  await page.setInputFiles('#model-files', [fileURLToPath(new URL('model.json', dir))]);
  assert.equal(await settled(page), 'error');
  assert.match(await page.textContent('[data-testid="error"]'), /"selfie\.bin", which was not selected/);

  // A wrong-size shard (dropped onto the page) is the package's typed error.
  await page.evaluate(async () => {
    const json = await (await fetch('/fixtures/human-selfie-f16/model.json')).text();
    const dt = new DataTransfer();
    dt.items.add(new File([json], 'model.json', { type: 'application/json' }));
    dt.items.add(new File([new Uint8Array(100)], 'selfie.bin'));
    document.getElementById('drop-zone').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  });
  assert.equal(await settled(page), 'error');
  assert.match(await page.textContent('[data-testid="status"]'), /Failed/);
  assert.ok(await page.getAttribute('[data-testid="error"]', 'data-code'), await page.textContent('[data-testid="error"]'));
  assert.deepEqual(problems, []);
  await context.close();
});

test('a broken shard over HTTP is a typed error', async () => {
  const { page, context, problems } = await openPage();
  await page.route('**/models/human-selfie-f16/selfie.bin', (route) =>
    route.fulfill({ status: 200, contentType: 'application/octet-stream', body: Buffer.alloc(100) }));
  assert.equal(await loadURL(page, 'models/human-selfie-f16/model.json'), 'error');
  assert.equal(await page.getAttribute('[data-testid="error"]', 'data-code'), 'E_SIZE_MISMATCH');
  assert.match(await page.textContent('[data-testid="error"]'), /selfie\.bin/);
  assert.deepEqual(problems, []);
  await context.close();
});
