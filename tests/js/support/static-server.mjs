// A small static file server for the browser tests, on 127.0.0.1 with an
// OS-chosen port. Mounts map URL prefixes to folders; the longest prefix
// wins. `/test.html` is the generated test page (import map for the
// package, no favicon request).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

/** Content types by file extension (shared with fault-server.mjs). */
export const TYPES = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.bin': 'application/octet-stream',
  '.map': 'application/json; charset=utf-8',
};

/** The content type to serve a file path with. */
export const typeOf = p => TYPES[path.extname(p)] ?? 'application/octet-stream';

export const TEST_PAGE = `<!doctype html>
<html>
<head>
<meta charset="utf-8">
<title>model-artifacts browser tests</title>
<link rel="icon" href="data:,">
<script>
// Page errors for drivers that report none (support/engines.mjs drains them).
window.__maErrors = [];
addEventListener('error', e => window.__maErrors.push(['page', String(e.error ?? e.message)]));
addEventListener('unhandledrejection', e => window.__maErrors.push(['page', \`Uncaught (in promise) \${e.reason}\`]));
const consoleError = console.error;
console.error = (...a) => { window.__maErrors.push(['console', a.map(String).join(' ')]); consoleError.apply(console, a); };
</script>
<script type="importmap">{"imports":{"model-artifacts":"/index.browser.js"}}</script>
<script type="module" src="/tests/js/support/browser-page.mjs"></script>
</head>
<body></body>
</html>
`;

/**
 * Starts the server. `mounts`: {'/prefix/': '/abs/dir', ...}.
 * Resolves to {url, server, requests, close()}; `requests` records
 * [method, path, status] for every request served.
 */
export function startStaticServer(mounts) {
  const entries = Object.entries(mounts).sort((a, b) => b[0].length - a[0].length);
  const requests = [];
  const server = http.createServer((req, res) => {
    const send = (status, body, type = 'text/plain; charset=utf-8') => {
      requests.push([req.method, req.url, status]);
      res.writeHead(status, {'content-type': type, 'cache-control': 'no-store'});
      res.end(body);
    };
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://127.0.0.1').pathname);
    } catch {
      return send(400, 'bad url');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');
    if (pathname === '/test.html') return send(200, TEST_PAGE, TYPES['.html']);
    const mount = entries.find(([prefix]) => pathname.startsWith(prefix));
    if (!mount) return send(404, 'not found');
    const [prefix, dir] = mount;
    const root = path.resolve(dir);
    const file = path.resolve(root, '.' + path.posix.normalize('/' + pathname.slice(prefix.length)));
    if (file !== root && !file.startsWith(root + path.sep)) return send(403, 'forbidden');
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) return send(404, 'not found');
      requests.push([req.method, req.url, 200]);
      res.writeHead(200, {
        'content-type': typeOf(file),
        'content-length': st.size,
        'cache-control': 'no-store',
      });
      if (req.method === 'HEAD') return res.end();
      fs.createReadStream(file).pipe(res);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address();
      resolve({
        url: `http://127.0.0.1:${port}`,
        server,
        requests,
        close: () => new Promise(r => { server.closeAllConnections?.(); server.close(() => r()); }),
      });
    });
  });
}
