// Deno and Bun, as installed from npm (tests/bundlers/package.json), run the
// package installed from its npm pack tarball: a file:// load and decode,
// and an http load from a local server, checked against the fixture's
// TensorFlow.js goldens. Deno runs with only the permissions the README names.
// Node: require() of the tarball, and a typed error when its wasm is missing.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { startStaticServer } from '../js/support/static-server.mjs';
import { BIN, FIXTURES, installFromTarball } from './consumer.mjs';

const run = promisify(execFile);
const NAME = 'synth-layers-f32-sharded';
const golden = JSON.parse(readFileSync(path.join(FIXTURES, NAME, 'expected.json'), 'utf8'));
const goldenSums = Object.fromEntries(golden.weights.map((w) => [w.name, w.decoded.sum]));

const SMOKE = `
import { decodeWeights, http, load } from 'model-artifacts';
const [fileUrl, httpUrl] = JSON.parse(await (await import('node:fs/promises')).readFile('urls.json', 'utf8'));
const sums = (a) => Object.fromEntries(Object.values(decodeWeights(a.weightData, a.weightSpecs))
  .map((t) => [t.name, t.data.reduce((s, x) => s + x, 0)]));
console.log(JSON.stringify({ file: sums(await load(fileUrl)), http: sums(await http(httpUrl).load()) }));
`;

let consumer, server;
before(async () => {
  consumer = installFromTarball();
  server = await startStaticServer({ '/fixtures/': FIXTURES });
  writeFileSync(path.join(consumer.dir, 'smoke.mjs'), SMOKE);
  writeFileSync(path.join(consumer.dir, 'urls.json'), JSON.stringify([
    pathToFileURL(path.join(FIXTURES, NAME, 'model.json')).href, `${server.url}/fixtures/${NAME}/model.json`]));
});
after(async () => {
  await server?.close();
  consumer?.remove();
});

async function smoke(bin, args) {
  const env = { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' };
  const { stdout } = await run(bin, [...args, 'smoke.mjs'], { cwd: consumer.dir, env, timeout: 60_000 });
  const out = JSON.parse(stdout.trim().split('\n').at(-1));
  assert.deepEqual(out.file, goldenSums, 'file:// load');
  assert.deepEqual(out.http, goldenSums, 'http load');
  assert.ok(server.requests.some(([, url]) => url.endsWith(`${NAME}/model.json`)));
}

describe('Deno, Bun and Node run the tarball', () => {
  it('Deno: file:// and http loads with --allow-read and --allow-net only', { timeout: 90_000 }, async () => {
    const host = new URL(server.url).host;
    await smoke(BIN.deno, ['run', `--allow-read=${consumer.dir},${FIXTURES}`, `--allow-net=${host}`]);
  });

  it('Deno without --allow-read is refused reading the wasm (why the README names it)', { timeout: 90_000 }, async () => {
    await assert.rejects(run(BIN.deno, ['run', 'smoke.mjs'], { cwd: consumer.dir, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' }, timeout: 60_000 }),
      (err) => /NotCapable|Requires read access/.test(err.stderr));
  });

  it('Bun: file:// and http loads', { timeout: 90_000 }, async () => {
    await smoke(BIN.bun, ['run']);
  });

  it('Node: require() of the package works (engines: ^20.19.0)', async () => {
    const { stdout } = await run(process.execPath, ['-e',
      "const ma = require('model-artifacts'); ma.init().then(() => console.log(typeof ma.decodeWeights, typeof ma.ModelArtifactsError))"],
    { cwd: consumer.dir });
    assert.equal(stdout.trim(), 'function function');
  });

  // Last: it breaks the installed copy.
  it('Node: a package without its wasm fails to import with E_WASM_INIT naming the file', async () => {
    const wasm = path.join(consumer.pkgDir, 'pkg-node/model_artifacts_bg.wasm');
    rmSync(wasm);
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e',
      "import('model-artifacts').then(() => console.log('{}'), (e) => console.log(JSON.stringify({ name: e.name, code: e.code, url: e.url, message: e.message })))"],
    { cwd: consumer.dir });
    const err = JSON.parse(stdout);
    assert.equal(err.name, 'ModelArtifactsError');
    assert.equal(err.code, 'E_WASM_INIT');
    assert.equal(err.url, pathToFileURL(wasm).href);
    assert.ok(err.message.includes(err.url) && err.message.includes('ENOENT'), err.message);
  });
});
