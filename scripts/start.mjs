// `npm start`: install what is missing, build pkg/ when it is missing or
// older than the Rust sources, then serve the demo page.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from './serve.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));

function run(script, ...args) {
  const r = spawnSync('bash', [join(repo, script), ...args], { cwd: repo, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`start: ${script} failed (exit ${r.status ?? r.signal})`);
    process.exit(r.status || 1);
  }
}

/** Newest modification time of the files under `path` (recursively). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let t = info.mtimeMs;
  for (const name of readdirSync(path)) t = Math.max(t, newest(join(path, name)));
  return t;
}

run('scripts/setup.sh');

const wasm = join(repo, 'pkg', 'model_artifacts_bg.wasm');
const glue = join(repo, 'pkg', 'model_artifacts.js');
const inputs = Math.max(
  newest(join(repo, 'src')),
  newest(join(repo, 'Cargo.toml')),
  newest(join(repo, 'Cargo.lock')),
  newest(join(repo, '.cargo')),
);
if (!existsSync(wasm) || !existsSync(glue) || newest(wasm) < inputs) {
  console.log('start: building pkg/ ...');
  run('scripts/build.sh', '--no-setup');
}

const { url } = await createServer({
  port: Number(process.env.PORT ?? 8080),
  host: process.env.HOST || '127.0.0.1',
});
console.log(`\nmodel-artifacts demo running at ${url}\n(Ctrl+C to stop)`);
