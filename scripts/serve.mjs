// Static server for the demo page: www/ at "/", plus the package files
// (/index.browser.js, /init.browser.js, /index.d.ts, /pkg/...) so the page can import
// "model-artifacts" through an import map, plus a small in-memory model
// upload endpoint so the page can save to HTTP and load the model back:
//
//   POST   /api/models/<name>                  TensorFlow.js's multipart body
//                                              (fields model.json, model.weights.bin)
//   GET    /api/models/<name>/model.json       what was posted
//   GET    /api/models/<name>/model.weights.bin
//   GET    /api/models                         {"<name>": {bytes, dateSaved}}
//   DELETE /api/models/<name>
//
// Uploads live in memory only, capped per request (`uploadLimit`) and in total
// (`storeLimit`); the oldest models are dropped to make room.
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
function resolvePath(root, pathname, mounts = {}) {
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
  const mount = Object.keys(mounts).find((prefix) => rel.startsWith(prefix));
  if (mount) {
    base = resolve(mounts[mount]);
    rel = rel.slice(mount.length - 1);
    if (rel.endsWith('/')) rel += 'index.html';
  } else if (['/index.browser.js', '/init.browser.js', '/index.d.ts'].includes(rel) || rel.startsWith('/pkg/')) {
    base = root;
  } else {
    base = join(root, 'www');
    if (rel.endsWith('/')) rel += 'index.html';
  }
  const file = resolve(base, '.' + rel);
  if (file !== base && !file.startsWith(base + sep)) return null; // no escaping the folder
  return file;
}

const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** Reads a request body into one Buffer, or null when it passes `limit`. */
function readBody(req, limit) {
  return new Promise((ok, fail) => {
    const chunks = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk) => {
      if (over) return;
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0;
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => ok(over ? null : Buffer.concat(chunks)));
    req.on('error', fail);
  });
}

/**
 * The in-memory model store behind /api/models. Returns a request handler
 * that answers (and returns true) for /api/models paths.
 */
function modelStore({ uploadLimit, storeLimit }) {
  const models = new Map(); // name -> {json: Buffer, weights: Buffer, dateSaved}
  const used = () => [...models.values()].reduce((n, m) => n + m.json.length + m.weights.length, 0);
  const json = (res, status, value) => {
    const body = JSON.stringify(value);
    res.writeHead(status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'no-store',
    });
    res.end(body);
  };

  return async function handle(req, res, pathname) {
    if (pathname !== '/api/models' && !pathname.startsWith('/api/models/')) return false;
    const parts = pathname.split('/').slice(3); // after "", "api", "models"
    if (parts.length === 0 || (parts.length === 1 && parts[0] === '')) {
      if (req.method !== 'GET') return json(res, 405, { error: 'method not allowed' }), true;
      return json(res, 200, Object.fromEntries([...models].map(([name, m]) =>
        [name, { bytes: m.json.length + m.weights.length, dateSaved: m.dateSaved }]))), true;
    }
    const name = parts[0];
    if (!MODEL_NAME.test(name) || parts.length > 2) {
      return json(res, 404, { error: 'model names are letters, digits, ".", "_" and "-"' }), true;
    }
    if (parts.length === 1) {
      if (req.method === 'DELETE') {
        const existed = models.delete(name);
        return json(res, existed ? 200 : 404, existed ? { removed: name } : { error: `no model "${name}"` }), true;
      }
      if (req.method !== 'POST' && req.method !== 'PUT') {
        return json(res, 405, { error: 'POST a multipart body with model.json and model.weights.bin' }), true;
      }
      const body = await readBody(req, uploadLimit);
      if (body === null) {
        return json(res, 413, { error: `upload larger than ${uploadLimit} bytes` }), true;
      }
      let form;
      try {
        // The platform's multipart parser (undici), as in a service worker.
        form = await new Request('http://localhost/upload', {
          method: 'POST',
          headers: { 'content-type': req.headers['content-type'] ?? '' },
          body,
        }).formData();
      } catch (err) {
        return json(res, 400, { error: `not a multipart/form-data body: ${err.message}` }), true;
      }
      const modelPart = form.get('model.json');
      const weightsPart = form.get('model.weights.bin');
      if (modelPart == null) return json(res, 400, { error: 'the form has no "model.json" field' }), true;
      const modelJSON = Buffer.from(typeof modelPart === 'string' ? modelPart : await modelPart.text());
      let parsed;
      try {
        parsed = JSON.parse(modelJSON.toString('utf8'));
      } catch {
        return json(res, 400, { error: 'the "model.json" field is not JSON' }), true;
      }
      if (!parsed || typeof parsed !== 'object' || !Array.isArray(parsed.weightsManifest)) {
        return json(res, 400, { error: 'the "model.json" field has no weightsManifest' }), true;
      }
      const weights = weightsPart == null ? Buffer.alloc(0)
        : typeof weightsPart === 'string' ? Buffer.from(weightsPart)
          : Buffer.from(await weightsPart.arrayBuffer());
      models.delete(name);
      // Make room: drop the oldest models until this one fits.
      for (const oldest of models.keys()) {
        if (used() + modelJSON.length + weights.length <= storeLimit) break;
        models.delete(oldest);
      }
      models.set(name, { json: modelJSON, weights, dateSaved: new Date().toISOString() });
      return json(res, 201, {
        name,
        modelJSON: `/api/models/${name}/model.json`,
        bytes: modelJSON.length + weights.length,
      }), true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(res, 405, { error: 'method not allowed' }), true;
    const model = models.get(name);
    const file = parts[1];
    const data = !model ? null : file === 'model.json' ? model.json
      : file === 'model.weights.bin' ? model.weights : null;
    if (!data) return json(res, 404, { error: `not found: ${pathname}` }), true;
    res.writeHead(200, {
      'content-type': file === 'model.json' ? MIME['.json'] : MIME['.bin'],
      'content-length': data.length,
      'cache-control': 'no-store',
    });
    res.end(req.method === 'HEAD' ? undefined : data);
    return true;
  };
}

/**
 * Creates (and starts listening) the demo server.
 * @param {{root?: string, port?: number, host?: string,
 *   mounts?: {[prefix: string]: string}, uploadLimit?: number, storeLimit?: number}} [options]
 *   `mounts` serves extra folders read-only, e.g. `{'/fixtures/': '../shared/fixtures'}`
 *   (prefixes start and end with "/"). `uploadLimit` caps one upload to
 *   /api/models (default 64 MiB), `storeLimit` all of them (default 256 MiB).
 * @returns {Promise<{server: http.Server, url: string, close: () => Promise<void>}>}
 */
export async function createServer({
  root = REPO, port = 8080, host = '127.0.0.1', mounts = {},
  uploadLimit = 64 * 1024 * 1024, storeLimit = 256 * 1024 * 1024,
} = {}) {
  root = resolve(root);
  for (const prefix of Object.keys(mounts)) {
    if (!/^\/.+\/$/.test(prefix)) throw new Error(`mount prefix "${prefix}" must start and end with "/"`);
  }
  const api = modelStore({ uploadLimit, storeLimit });
  const server = http.createServer(async (req, res) => {
    const send = (status, body) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      res.end(body);
    };
    const { pathname } = new URL(req.url, 'http://localhost');
    try {
      if (await api(req, res, pathname)) return;
    } catch (err) {
      if (!res.headersSent) send(500, `upload failed: ${err.message}\n`);
      else res.destroy();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed\n');
    const file = resolvePath(root, pathname, mounts);
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
