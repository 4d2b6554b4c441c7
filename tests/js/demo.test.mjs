// The demo page (`npm start`) in headless Chromium: it loads the embedded
// human-selfie-f16 model and must show exactly what TensorFlow.js 4.22
// computed for it (fixtures/human-selfie-f16/expected.json).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { createServer } from '../../scripts/serve.mjs';
import {CHROMIUM_ARGS} from './support/chromium.mjs';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const fixtures = new URL('../../../shared/fixtures/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('human-selfie-f16/expected.json', fixtures), 'utf8'));


let server;
let browser;

before(async () => {
  server = await createServer({ root: repo, port: 0, host: '127.0.0.1' });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
});

/** Opens a page that records console errors and uncaught page errors. */
async function openPage(path = '') {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console.error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  await page.goto(new URL(path, server.url).href);
  return { page, problems };
}

/** Waits until the page has finished loading a model (or failed). */
async function settled(page) {
  await page.waitForSelector('[data-testid="status"][data-state="done"], [data-testid="status"][data-state="error"]',
    { timeout: 30_000 });
  return page.getAttribute('[data-testid="status"]', 'data-state');
}

const value = (page, testid) => page.getAttribute(`[data-testid="${testid}"]`, 'data-value');

test('demo page shows the embedded model exactly as TensorFlow.js reads it', async () => {
  const { page, problems } = await openPage();
  const state = await settled(page);
  if (state !== 'done') {
    assert.fail(`page failed: ${await page.textContent('[data-testid="error"]')}`);
  }

  assert.equal(await value(page, 'format'), expected.modelJson.format);
  assert.equal(await value(page, 'generatedBy'), expected.modelJson.generatedBy);
  assert.equal(await value(page, 'convertedBy'), expected.modelJson.convertedBy ?? '');
  assert.equal(await value(page, 'topologyKind'), expected.modelJson.modelTopologyKind);
  assert.equal(await value(page, 'modelTopologyType'), expected.artifactsInfo.modelTopologyType);
  for (const key of ['modelTopologyBytes', 'weightSpecsBytes', 'weightDataBytes']) {
    assert.equal(Number(await value(page, key)), expected.artifactsInfo[key], key);
  }
  assert.equal(Number(await value(page, 'weightCount')), expected.numWeights);
  assert.equal(Number(await value(page, 'shardCount')), expected.shards.length);
  assert.equal(await value(page, 'decode-status'), 'ok', await page.textContent('[data-testid="decode-status"]'));

  // One row per weight, in weightSpecs order, with TF.js's decoded sums.
  const rows = await page.$$eval('[data-testid="weight-row"]', (trs) => trs.map((tr) =>
    Object.fromEntries([...tr.querySelectorAll('td')].map((td) => [td.dataset.col, td.dataset.value]))));
  assert.equal(rows.length, 136);
  assert.equal(rows.length, expected.weights.length);
  rows.forEach((row, i) => {
    const w = expected.weights[i];
    assert.equal(row.name, w.name, `row ${i} name`);
    assert.equal(row.dtype, w.dtype, `row ${i} dtype`);
    assert.equal(row.shape, JSON.stringify(w.shape), `row ${i} shape`);
    assert.equal(Number(row.bytes), w.byteLength, `row ${i} stored bytes`);
    assert.equal(row.quantization, w.quantization?.dtype ?? '', `row ${i} quantization`);
    assert.equal(Number(row.sum), w.decoded.sum, `row ${i} (${w.name}) decoded sum`);
  });

  mkdirSync(new URL('../../test-results/', import.meta.url), { recursive: true });
  await page.screenshot({ path: fileURLToPath(new URL('../../test-results/demo.png', import.meta.url)), fullPage: true });
  const docsPng = new URL('../../docs/demo.png', import.meta.url);
  if (!existsSync(docsPng)) {
    mkdirSync(new URL('../../docs/', import.meta.url), { recursive: true });
    await page.screenshot({ path: fileURLToPath(docsPng) });
  }

  assert.deepEqual(problems, []);
  await page.close();
});

test('demo page explains a missing model in plain language', async () => {
  const { page, problems } = await openPage();
  assert.equal(await settled(page), 'done');
  await page.fill('#model-url', 'models/no-such-model/model.json');
  await page.click('#load-url');
  assert.equal(await settled(page), 'error');
  const message = await page.textContent('[data-testid="error"]');
  assert.match(message, /Could not load models\/no-such-model\/model\.json/);
  assert.match(message, /404/);
  assert.equal(await page.isVisible('[data-testid="error"]'), true);
  // The browser itself logs the failed request; anything else is a bug.
  assert.deepEqual(problems.filter((p) => !/Failed to load resource.*404/.test(p)), []);
  await page.close();
});

test('demo page loads a model from picked files', async () => {
  const { page, problems } = await openPage();
  assert.equal(await settled(page), 'done');
  const dir = new URL('human-selfie-f16/', fixtures);
  await page.setInputFiles('#model-files', [
    fileURLToPath(new URL('model.json', dir)),
    fileURLToPath(new URL('selfie.bin', dir)),
  ]);
  await page.waitForSelector('[data-testid="source"][data-value="model.json"]', { timeout: 30_000 });
  assert.equal(await settled(page), 'done');
  assert.equal(Number(await value(page, 'weightDataBytes')), expected.artifactsInfo.weightDataBytes);
  assert.equal(await page.locator('[data-testid="weight-row"]').count(), expected.numWeights);
  assert.equal(await value(page, 'decode-status'), 'ok');

  // Only model.json: the page names the missing shard.
  await page.setInputFiles('#model-files', [fileURLToPath(new URL('model.json', dir))]);
  assert.equal(await settled(page), 'error');
  assert.match(await page.textContent('[data-testid="error"]'), /"selfie\.bin", which was not selected/);
  assert.deepEqual(problems, []);
  await page.close();
});

test('demo page reports a broken shard with a typed error', async () => {
  const { page, problems } = await openPage();
  assert.equal(await settled(page), 'done');
  // Serve a model.json whose shard is too short, through the page's own fetch.
  await page.route('**/models/human-selfie-f16/selfie.bin', (route) =>
    route.fulfill({ status: 200, contentType: 'application/octet-stream', body: Buffer.alloc(100) }));
  await page.click('#load-url');
  const state = await settled(page);
  const text = state === 'error'
    ? await page.textContent('[data-testid="error"]')
    : await page.textContent('[data-testid="decode-status"]');
  assert.match(text, /E_WEIGHT_DATA_TOO_SHORT/);
  assert.deepEqual(problems, []);
  await page.close();
});
