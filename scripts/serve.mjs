// Static server for the demo page: www/ at "/", plus the package files
// (/index.browser.js, /index.d.ts, /pkg/...) so the page can import
// "model-artifacts" through an import map.
import http from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname, join, posix, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ts': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/** Maps a URL path to a file on disk, or null when it is not served. */
function resolvePath(root, pathname) {
  let rel;
  try {
    rel = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (rel.includes('\0')) return null;
  rel = posix.normalize(rel); // resolve "." and ".." before choosing the folder
  // Package files live at the repo root; everything else comes from www/.
  let base;
  if (rel === '/index.browser.js' || rel === '/index.d.ts' || rel.startsWith('/pkg/')) {
    base = root;
  } else {
    base = join(root, 'www');
    if (rel.endsWith('/')) rel += 'index.html';
  }
  const file = resolve(base, '.' + rel);
  if (file !== base && !file.startsWith(base + sep)) return null; // no escaping the folder
  return file;
}

/**
 * Creates (and starts listening) the demo server.
 * @param {{root?: string, port?: number, host?: string}} [options]
 * @returns {Promise<{server: http.Server, url: string, close: () => Promise<void>}>}
 */
export async function createServer({ root = REPO, port = 8080, host = '127.0.0.1' } = {}) {
  root = resolve(root);
  const server = http.createServer(async (req, res) => {
    const send = (status, body) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
    const { pathname } = new URL(req.url, 'http://localhost');
    const file = resolvePath(root, pathname);
    if (!file) return send(404, 'not found\n');
    let info;
    try {
      info = await stat(file);
    } catch {
      return send(404, `not found: ${pathname}\n`);
    }
    if (info.isDirectory()) {
      res.writeHead(301, { location: pathname.replace(/\/?$/, '/') });
      return res.end();
    }
    res.writeHead(200, {
      'content-type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': 'no-store',
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file)
      .on('error', () => res.destroy())
      .pipe(res);
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      ok();
    });
  });
  const address = server.address();
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}/`;
  const close = () =>
    new Promise((ok) => {
      server.closeAllConnections?.();
      server.close(() => ok());
    });
  return { server, url, close };
}

// `node scripts/serve.mjs` serves without building (see scripts/start.mjs).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { url } = await createServer({
    port: Number(process.env.PORT ?? 8080),
    host: process.env.HOST || '127.0.0.1',
  });
  console.log(`model-artifacts demo: ${url}`);
}
