// The npm package as published: what the tarball holds, publint and
// @arethetypeswrong/cli on it, and README links that work on the npm page.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { HERE, installFromTarball } from './consumer.mjs';

const run = promisify(execFile);
let consumer;
before(() => { consumer = installFromTarball(); });
after(() => consumer?.remove());

describe('the npm package', () => {
  it('packs the entries, both builds, LICENSE and README, and nothing of the repository besides', () => {
    for (const f of ['LICENSE', 'README.md', 'package.json', 'index.d.ts', 'index.browser.js', 'init.browser.js',
      'index.node.js', 'pkg/start.js', 'pkg/model_artifacts_bg.wasm', 'pkg-node/start.js', 'pkg-node/model_artifacts_bg.wasm']) {
      assert.ok(consumer.files.includes(f), `${f} is packed`);
    }
    assert.deepEqual(consumer.files.filter((f) => /^(src|tests|www|scripts|docs|examples|target)\//.test(f)), []);
    assert.match(readFileSync(path.join(consumer.pkgDir, 'LICENSE'), 'utf8'), /Apache License\s+Version 2\.0/);
    const pkg = JSON.parse(readFileSync(path.join(consumer.pkgDir, 'package.json'), 'utf8'));
    for (const field of ['repository', 'homepage', 'bugs']) assert.ok(pkg[field], `package.json has ${field}`);
  });

  it('README links are absolute (the npm page has no repository files to resolve relative ones)', () => {
    const readme = readFileSync(path.join(consumer.pkgDir, 'README.md'), 'utf8');
    const links = [...readme.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
    assert.ok(links.length > 0);
    assert.deepEqual(links.filter((l) => !/^(https:\/\/|#)/.test(l)), []);
  });

  it('publint finds nothing (strict)', async () => {
    const { publint } = await import('publint');
    const { formatMessage } = await import('publint/utils');
    const pkg = JSON.parse(readFileSync(path.join(consumer.pkgDir, 'package.json'), 'utf8'));
    const { messages } = await publint({ pkgDir: consumer.pkgDir, pack: false, strict: true });
    assert.deepEqual(messages.map((m) => formatMessage(m, pkg)), []);
  });

  it('@arethetypeswrong/cli finds no problem in the tarball', { timeout: 120_000 }, async () => {
    // Profile node16: TypeScript's legacy node10 resolution ignores `exports`,
    // so it cannot see `model-artifacts/init` (this ESM-only package needs an
    // exports-aware resolver anyway). require() of the package works from
    // Node 20.19 (package.json engines); attw's node16 model predates that.
    const attw = path.join(HERE, 'node_modules/@arethetypeswrong/cli/dist/index.js');
    // attw exits non-zero on any problem it does not ignore.
    const { stdout } = await run(process.execPath, [attw, consumer.tarball, '--format', 'table', '--profile', 'node16',
      '--ignore-rules', 'cjs-resolves-to-esm'], { timeout: 110_000 }).catch((err) => assert.fail(`${err.stdout}${err.stderr}`));
    assert.match(stdout, /"model-artifacts\/init"/, 'attw checked both entries');
  });
});
