// The package as a user gets it: `npm pack` of this checkout (its built
// pkg/ and pkg-node/), installed from the tarball with `npm install` into a
// new consumer folder beside this file. Walking up from there, module
// resolution finds the tools installed once in tests/bundlers/node_modules
// and TensorFlow.js in the repository's node_modules; `model-artifacts`
// itself is found only in the consumer's node_modules.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '../..');
export const FIXTURES = path.resolve(ROOT, '../shared/fixtures');
/** Binaries installed by tests/bundlers/package.json. */
export const BIN = {
  deno: path.join(HERE, 'node_modules/@deno/linux-x64-glibc/deno'),
  bun: path.join(HERE, 'node_modules/bun/bin/bun.exe'),
};

/** Packs the checkout and installs the tarball into a new consumer folder.
 * Resolves to {dir, pkgDir, tarball, files (what npm packed), remove()}. */
export function installFromTarball() {
  const dir = mkdtempSync(path.join(HERE, '.consumer-'));
  const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', dir],
    { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }));
  const tarball = path.join(dir, packed.filename);
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball],
    { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const pkgDir = path.join(dir, 'node_modules/model-artifacts');
  if (realpathSync(pkgDir) !== pkgDir) throw new Error(`${pkgDir} is a link, not an installed copy`);
  return { dir, pkgDir, tarball, files: packed.files.map((f) => f.path), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
