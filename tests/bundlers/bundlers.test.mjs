// Production bundles of a small app that imports only functions from the
// package installed from its npm pack tarball, one per bundler (Vite,
// webpack 5, also in development mode, Rollup 4 + node-resolve, esbuild),
// each opened in headless Chromium: http load and decode of a fixture, an IndexedDB save and load,
// in the page and in a module worker, checked against the fixture's
// TensorFlow.js goldens. esbuild also builds the explicit start-up
// (`model-artifacts/init`, with a classic worker; under a CSP) and a real
// TensorFlow.js page, and Vite builds the explicit start-up with its default
// (iife) worker format. Each app is served from its own origin, so storage is not shared.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { launchPlaywrightChromium } from '../js/support/engines.mjs';
import { startStaticServer } from '../js/support/static-server.mjs';
import { FIXTURES, HERE, installFromTarball } from './consumer.mjs';

const WASM = 'model_artifacts_bg.wasm';
const page = (script, { classic = false, csp } = {}) => `<!doctype html><html><head><meta charset="utf-8">` +
  (csp ? `<meta http-equiv="Content-Security-Policy" content="${csp}">` : '') +
  `<link rel="icon" href="data:,"></head><body><script ${classic ? '' : 'type="module" '}src="./${script}"></script></body></html>`;

/** Each bundler's production build of the app in `src` into `out`, with the
 * one step the README documents for it. */
const BUILDS = {
  async vite(src, out) {
    const { build } = await import('vite');
    // Vite's default worker format, iife, cannot hold the entry's top-level await.
    await build({ root: src, configFile: false, logLevel: 'error', build: { outDir: out }, worker: { format: 'es' } });
  },
  webpack: (src, out) => webpackBuild('production', src, out),
  'webpack (development mode)': (src, out) => webpackBuild('development', src, out),
  async rollup(src, out, pkgDir) {
    const { rollup } = await import('rollup');
    const { nodeResolve } = await import('@rollup/plugin-node-resolve');
    const bundle = await rollup({ input: { page: path.join(src, 'page.js'), worker: path.join(src, 'worker.js') },
      plugins: [nodeResolve({ browser: true })], onwarn: () => {} });
    await bundle.write({ dir: out, format: 'es' });
    await bundle.close();
    // Rollup does not follow `new URL(…, import.meta.url)`: the wasm goes beside the bundle.
    copyFileSync(path.join(pkgDir, 'pkg', WASM), path.join(out, WASM));
    writeFileSync(path.join(out, 'index.html'), page('page.js'));
  },
  async esbuild(src, out, pkgDir) {
    const esbuild = await import('esbuild');
    const common = { absWorkingDir: src, bundle: true, minify: true, outdir: out, logLevel: 'error' };
    await esbuild.build({ ...common, format: 'esm',
      entryPoints: ['page.js', 'worker.js', 'page-init.js', 'page-tfjs.js', 'page-csp.js'] });
    await esbuild.build({ ...common, format: 'iife', entryPoints: ['classic-worker.js'] });
    // esbuild does not follow `new URL(…, import.meta.url)`: the wasm goes beside the bundle.
    copyFileSync(path.join(pkgDir, 'pkg', WASM), path.join(out, WASM));
    writeFileSync(path.join(out, 'index.html'), page('page.js'));
    writeFileSync(path.join(out, 'init.html'), page('page-init.js'));
    writeFileSync(path.join(out, 'tfjs.html'), page('page-tfjs.js'));
    writeFileSync(path.join(out, 'csp-strict.html'), page('page-csp.js', { csp: "script-src 'self'" }));
    writeFileSync(path.join(out, 'csp-wasm.html'), page('page-csp.js', { csp: "script-src 'self' 'wasm-unsafe-eval'" }));
  },
};

async function webpackBuild(mode, src, out) {
  const { default: webpack } = await import('webpack');
  await new Promise((resolve, reject) => webpack({
    mode, context: src, entry: { page: './page.js' }, output: { path: out },
    devtool: false, performance: { hints: false },
  }, (err, stats) => (err ? reject(err) : stats.hasErrors() ? reject(new Error(stats.toString('errors-only'))) : resolve())));
  writeFileSync(path.join(out, 'index.html'), page('page.js', { classic: true }));
}

const fixture = JSON.parse(readFileSync(path.join(FIXTURES, 'synth-layers-f32-sharded/expected.json'), 'utf8'));
const goldenSums = Object.fromEntries(fixture.weights.map((w) => [w.name, w.decoded.sum]));

let consumer, browser;
before(async () => {
  consumer = installFromTarball();
  cpSync(path.join(HERE, 'app'), path.join(consumer.dir, 'app'), { recursive: true });
  browser = await launchPlaywrightChromium();
});
after(async () => {
  await browser?.close();
  consumer?.remove();
});

/** Opens `file` of the built app on a server of its own and resolves to
 * what the page put on window.__result, with the errors and failed requests seen. */
async function openApp(out, file, resultKey = '__result') {
  const server = await startStaticServer({ '/': out, '/fixtures/': FIXTURES, '/wasm/': path.join(consumer.pkgDir, 'pkg') });
  const context = await browser.newContext();
  const tab = await context.newPage();
  const errors = [];
  tab.on('pageerror', (e) => errors.push(`pageerror: ${e}`));
  tab.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  try {
    await tab.goto(`${server.url}/${file}`);
    await tab.waitForFunction((key) => window[key] !== undefined, resultKey, { timeout: 90_000, polling: 200 })
      .catch((e) => {
        const served = server.requests.map(([m, url, status]) => `${m} ${url} ${status}`).join(', ');
        throw new Error(`${file} never reported (${errors.join('; ') || e.message}); served: ${served}`);
      });
    const result = await tab.evaluate(() => ({ result: window.__result, startFailure: window.__startFailure }));
    return { ...result, errors, requests: server.requests };
  } finally {
    await context.close();
    await server.close();
  }
}

/** The gzipped size (gzip -9) of the .js files served from `dir`, each once. */
function jsBytesGzipped(dir, requests) {
  const files = new Set(requests.map(([, url]) => url).filter((url) => url.endsWith('.js')));
  return [...files].reduce((n, url) => n + gzipSync(readFileSync(path.join(dir, url)), { level: 9 }).length, 0);
}

function assertChecks(got, where) {
  assert.equal(got.where, where);
  assert.deepEqual(got.sums, goldenSums, `${where}: decoded sums match the TensorFlow.js goldens`);
  assert.deepEqual(got.reloadedSums, goldenSums, `${where}: the IndexedDB copy decodes to the same`);
}

/** The checks of app/page-init.js (init.html): a caught start-up failure
 * from a missing file, then the page and a classic worker started by URL. */
async function assertExplicitStartUp(out) {
  const { result, startFailure, errors, requests } = await openApp(out, 'init.html');
  assert.equal(typeof startFailure, 'object', String(startFailure));
  assert.equal(startFailure.isModelArtifactsError, true);
  assert.equal(startFailure.code, 'E_WASM_INIT');
  assert.match(startFailure.url, /^http:\/\/127\.0\.0\.1:\d+\/no-such-folder\/model_artifacts_bg\.wasm$/);
  assert.equal(startFailure.status, 404);
  assert.ok(startFailure.message.includes(startFailure.url), startFailure.message);
  assert.equal(result.error, undefined, result.error);
  assertChecks(result.page, 'page');
  assertChecks(result.worker, 'classic-worker');
  // The 404 of the missing file is the only failed request, and nothing went uncaught.
  assert.deepEqual(errors.filter((e) => !e.includes('404')), []);
  assert.deepEqual(requests.filter(([, , status]) => status !== 200).map(([, url]) => url),
    ['/no-such-folder/model_artifacts_bg.wasm']);
  assert.ok(requests.some(([, url, status]) => url === `/wasm/${WASM}` && status === 200));
}

for (const [bundler, build] of Object.entries(BUILDS)) {
  describe(`${bundler}: a build of function-only imports`, () => {
    const out = () => path.join(consumer.dir, `dist-${bundler.replace(/\W+/g, '-')}`);
    before(() => build(path.join(consumer.dir, 'app'), out(), consumer.pkgDir), { timeout: 180_000 });

    it('loads, decodes and stores through IndexedDB in the page and in a module worker', { timeout: 120_000 }, async (t) => {
      const { result, errors, requests } = await openApp(out(), 'index.html');
      t.diagnostic(`JS loaded by page and worker, gzipped: ${jsBytesGzipped(out(), requests)} bytes`);
      assert.equal(result.error, undefined, result.error);
      assertChecks(result.page, 'page');
      assertChecks(result.worker, 'worker');
      assert.deepEqual(errors, []);
      assert.deepEqual(requests.filter(([, , status]) => status !== 200), [], 'no failed request');
      assert.ok(requests.some(([, url]) => url.endsWith('.wasm') && !url.startsWith('/wasm/')),
        'the wasm came from the bundle output');
    });
  });
}

describe('esbuild: model-artifacts/init, the explicit start-up', () => {
  const out = () => path.join(consumer.dir, 'dist-esbuild');

  it('a missing wasm is a caught E_WASM_INIT naming its URL; init(url) then starts page and classic worker', { timeout: 120_000 }, async () => {
    await assertExplicitStartUp(out());
  });

  it("under a CSP without 'wasm-unsafe-eval' the start-up is a caught E_WASM_INIT; with it the package works", { timeout: 120_000 }, async () => {
    const strict = await openApp(out(), 'csp-strict.html');
    assert.equal(strict.result.started, false);
    assert.equal(strict.result.isModelArtifactsError, true);
    assert.equal(strict.result.code, 'E_WASM_INIT');
    assert.equal(strict.result.causeName, 'CompileError', strict.result.message);
    assert.match(strict.result.url, /\/wasm\/model_artifacts_bg\.wasm$/);
    assert.equal(strict.errors.filter((e) => !/wasm-unsafe-eval|Content Security Policy/.test(e)).length, 0, strict.errors.join('; '));
    const allowed = await openApp(out(), 'csp-wasm.html');
    assert.equal(allowed.result.started, true, allowed.result.message);
    assertChecks(allowed.result.page, 'page');
    assert.deepEqual(allowed.errors, []);
  });

  it('tf.loadGraphModel(http(url)) with real @tensorflow/tfjs predicts exactly what tf.loadGraphModel(url) does', { timeout: 120_000 }, async () => {
    const { result, errors } = await openApp(out(), 'tfjs.html');
    assert.equal(result.error, undefined, result.error);
    assert.deepEqual(result.shapes, result.wantShapes);
    assert.ok(result.values > 1000, `${result.values} output values`);
    assert.equal(result.differing, 0);
    assert.deepEqual(errors, []);
  });
});

describe("vite with its default worker format (iife): model-artifacts/init", () => {
  const out = () => path.join(consumer.dir, 'dist-vite-iife-worker');
  before(async () => {
    const { build } = await import('vite');
    const src = path.join(consumer.dir, 'app');
    await build({ root: src, configFile: false, logLevel: 'error',
      build: { outDir: out(), rollupOptions: { input: path.join(src, 'init.html') } } });
  }, { timeout: 180_000 });

  it('builds; a missing wasm is a caught E_WASM_INIT; init(url) starts the page and a classic worker', { timeout: 120_000 }, async () => {
    await assertExplicitStartUp(out());
  });
});
