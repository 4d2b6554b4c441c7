// An HTTP server for the http() handler tests, on 127.0.0.1 with an
// OS-chosen port: serves files (in-memory `files` first, then folder
// mounts, longest prefix wins), answers Range requests with 206, records
// every request and every upload, counts requests in flight, and injects
// faults configured per request path:
//
//   srv.faults.set('/fx/m/group1-shard1of1.bin', {status: 500, times: 1});
//
// Fault fields. `times` (default: every request) limits the *transient*
// ones, counted per path in `hits`:
//   status, headers   answer with this status (and extra headers), body 'fault'
//   redirect          answer `redirectStatus` (302) with Location: redirect
//   delayMs           wait before answering (cleared if the client goes away)
//   cutAfter          declare the full Content-Length, write this many body
//                     bytes, then destroy the socket (after cutDelayMs, 50)
//   contentLength     declare this Content-Length (too large), write the whole
//                     body, then destroy the socket (after cutDelayMs, 50)
//   stallAfter+stallMs  write stallAfter bytes, wait stallMs, write the rest
//   generate          a hostile body written piece by piece under backpressure,
//                     {bytes (Infinity: endless), prefix (Buffer, sent first;
//                     default the file), pieceBytes (65536), everyMs (0: as fast
//                     as the client reads), contentLength (declare `bytes`;
//                     default none: chunked)}; the request's `sent` counts
//                     what was written. Stops by itself after GENERATE_CAP bytes
//                     or GENERATE_MS.
//   gzip              send the body gzip-encoded (Content-Encoding: gzip,
//                     Content-Length of the encoded bytes, no Range)
//   gzipZeros         answer with Content-Encoding: gzip, the body being one
//                     gzip member of this many zero bytes (a gzip bomb;
//                     compressed once per size, about 1000:1)
// and these apply to every request of the path:
//   noRange           ignore Range headers (always answer 200 with everything)
//   corrupt           flip one byte of the body (`true`: the middle one, or an index)
//   body              serve these bytes instead of the file (Buffer | string)
//
// Server-wide switches (reset by reset()):
//   srv.requireQuery = {sig: 'x'}   GET/HEAD without exactly these query
//                                   parameters get 403
//   srv.redirectPrefixes.set('/old/', '/fx/m/')   302 for every path under /old/
//   srv.cors = true                 CORS headers on every answer, preflights
//                                   (OPTIONS) answered 204
//   srv.countMatch = /\.bin$/       which paths count in srv.inFlight
//
// POST / PUT to any path are recorded in srv.uploads ({method, path, url,
// headers, body: Buffer}) and answered 200 {"ok":true} unless a fault with
// `status` is set for that path.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import {typeOf} from './static-server.mjs';

/** Where a `generate` body stops on its own (hostile tests stay bounded). */
export const GENERATE_CAP = 8 * 2 ** 30;
export const GENERATE_MS = 120_000;

const bombs = new Map();
/** One gzip member of `bytes` zero bytes, compressed 1 MiB at a time. */
export function gzipZeros(bytes) {
  if (!bombs.has(bytes)) {
    const zeros = Buffer.alloc(2 ** 20);
    const z = zlib.createGzip({level: 9});
    const out = [];
    z.on('data', c => out.push(c));
    bombs.set(bytes, new Promise((resolve, reject) => {
      z.on('end', () => resolve(Buffer.concat(out)));
      z.on('error', reject);
      (async () => {
        for (let left = bytes; left > 0; left -= zeros.length) {
          if (!z.write(left >= zeros.length ? zeros : zeros.subarray(0, left))) {
            await new Promise(r => z.once('drain', r));
          }
        }
        z.end();
      })();
    }));
  }
  return bombs.get(bytes);
}

/**
 * Starts the server. `mounts`: {'/prefix/': '/abs/dir'}; `files`:
 * {'/path': Buffer | string} served from memory.
 */
export function startFaultServer({mounts = {}, files = {}, cors = false} = {}) {
  const mountList = Object.entries(mounts).sort((a, b) => b[0].length - a[0].length);
  const timers = new Set();

  const srv = {
    url: '',
    port: 0,
    faults: new Map(),
    files: new Map(),
    /** {method, path, url, query, headers, status, range, aborted} per request. */
    requests: [],
    uploads: [],
    requireQuery: null,
    redirectPrefixes: new Map(),
    cors,
    countMatch: /\.bin$/,
    inFlight: {now: 0, max: 0},
    /** Requests recorded for `p` (a pathname), optionally filtered by method. */
    requestsFor(p, method = 'GET') {
      return this.requests.filter(r => r.path === p && (!method || r.method === method));
    },
    /** Clears faults, records, in-memory files and switches. */
    reset() {
      this.faults.clear();
      this.files.clear();
      for (const [k, v] of Object.entries(files)) this.files.set(k, Buffer.from(v));
      this.requests.length = 0;
      this.uploads.length = 0;
      this.requireQuery = null;
      this.redirectPrefixes.clear();
      this.cors = cors;
      this.countMatch = /\.bin$/;
      this.inFlight.now = 0;
      this.inFlight.max = 0;
    },
    server: null,
    close: null,
  };
  srv.reset();

  function readFile(pathname) {
    if (srv.files.has(pathname)) return srv.files.get(pathname);
    const mount = mountList.find(([prefix]) => pathname.startsWith(prefix));
    if (!mount) return null;
    const [prefix, dir] = mount;
    const root = path.resolve(dir);
    const file = path.resolve(root, '.' + path.posix.normalize('/' + pathname.slice(prefix.length)));
    if (file !== root && !file.startsWith(root + path.sep)) return null;
    try {
      const st = fs.statSync(file);
      return st.isFile() ? fs.readFileSync(file) : null;
    } catch {
      return null;
    }
  }

  function corsHeaders() {
    if (!srv.cors) return {};
    return {
      'access-control-allow-origin': '*',
      'access-control-expose-headers': 'Content-Length, Content-Range, Accept-Ranges, Content-Type',
    };
  }

  function later(ms, res, fn) {
    const t = setTimeout(() => { timers.delete(t); fn(); }, ms);
    t.unref?.();
    timers.add(t);
    res.on('close', () => { clearTimeout(t); timers.delete(t); });
  }

  /** Writes a `generate` body: the prefix, then fill bytes, piece by piece,
   * waiting for the socket to drain, until `bytes`, the cap or the client
   * leaves. */
  function generate(req, res, rec, {bytes, prefix, pieceBytes = 65536, everyMs = 0, contentLength = false},
    file, base) {
    const head = prefix ?? file ?? Buffer.alloc(0);
    const total = Math.min(bytes, GENERATE_CAP);
    const headers = {...base, 'content-type': 'application/octet-stream'};
    if (contentLength) headers['content-length'] = total;
    rec.status = 200;
    res.writeHead(200, headers);
    const fill = Buffer.alloc(pieceBytes, 7);
    const started = Date.now();
    let closed = false;
    res.on('close', () => { closed = true; });
    const step = () => {
      while (!closed && rec.sent < total && Date.now() - started < GENERATE_MS) {
        const at = rec.sent;
        const piece = at < head.length ? head.subarray(at, at + pieceBytes) : fill;
        const part = piece.subarray(0, Math.min(piece.length, total - at));
        rec.sent += part.length;
        const ok = res.write(part);
        if (everyMs > 0) {
          const t = setTimeout(() => { timers.delete(t); step(); }, everyMs);
          t.unref?.();
          return timers.add(t);
        }
        if (!ok) return res.once('drain', step);
      }
      if (!closed) res.end();
    };
    step();
  }

  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://127.0.0.1');
    const pathname = decodeURIComponent(u.pathname);
    const rec = {
      method: req.method, path: pathname, url: req.url, query: Object.fromEntries(u.searchParams),
      headers: {...req.headers}, range: req.headers.range ?? null, status: 0, aborted: false, sent: 0,
    };
    srv.requests.push(rec);
    const counted = srv.countMatch.test(pathname) && req.method !== 'OPTIONS';
    if (counted) {
      srv.inFlight.now++;
      srv.inFlight.max = Math.max(srv.inFlight.max, srv.inFlight.now);
    }
    res.on('close', () => {
      if (counted) srv.inFlight.now--;
      if (!res.writableFinished) rec.aborted = true;
    });

    const base = {'cache-control': 'no-store', ...corsHeaders()};
    const send = (status, body = '', headers = {}) => {
      rec.status = status;
      const b = Buffer.from(body);
      res.writeHead(status, {...base, 'content-type': 'text/plain; charset=utf-8', 'content-length': b.length,
        ...headers});
      res.end(req.method === 'HEAD' ? undefined : b);
    };

    if (req.method === 'OPTIONS') {
      rec.status = 204;
      res.writeHead(204, {
        ...base,
        'access-control-allow-methods': 'GET, HEAD, POST, PUT',
        'access-control-allow-headers': req.headers['access-control-request-headers'] || 'Range, Content-Type',
        'access-control-max-age': '0',
      });
      res.end();
      return;
    }

    const fault = srv.faults.get(pathname) ?? {};
    fault.hits = (fault.hits ?? 0) + 1;
    const transient = fault.times == null || fault.hits <= fault.times;

    if (req.method === 'POST' || req.method === 'PUT') {
      const chunks = [];
      req.on('data', c => chunks.push(c));
      req.on('end', () => {
        srv.uploads.push({method: req.method, path: pathname, url: req.url, headers: {...req.headers},
          body: Buffer.concat(chunks)});
        if (transient && fault.status) return send(fault.status, 'fault', fault.headers);
        send(200, '{"ok":true}', {'content-type': 'application/json'});
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'method not allowed');

    const respond = () => {
      for (const [from, to] of srv.redirectPrefixes) {
        if (pathname.startsWith(from)) {
          return send(302, '', {location: to + pathname.slice(from.length) + u.search});
        }
      }
      if (transient && fault.redirect) {
        return send(fault.redirectStatus ?? 302, '', {location: fault.redirect});
      }
      if (srv.requireQuery) {
        for (const [k, v] of Object.entries(srv.requireQuery)) {
          if (u.searchParams.get(k) !== v) return send(403, `bad or missing ${k}`);
        }
      }
      if (transient && fault.status) return send(fault.status, 'fault', fault.headers);
      if (fault.generate) return generate(req, res, rec, fault.generate, readFile(pathname), base);
      if (fault.gzipZeros != null) {
        return gzipZeros(fault.gzipZeros).then(bomb => {
          rec.status = 200;
          res.writeHead(200, {...base, 'content-type': typeOf(pathname), 'content-encoding': 'gzip',
            'content-length': bomb.length});
          rec.sent = bomb.length;
          res.end(bomb);
        });
      }

      let body = fault.body != null ? Buffer.from(fault.body) : readFile(pathname);
      if (!body) return send(404, 'not found');
      if (fault.corrupt != null && fault.corrupt !== false && body.length > 0) {
        body = Buffer.from(body);
        const i = fault.corrupt === true ? body.length >> 1 : fault.corrupt;
        body[i] ^= 0xff;
      }
      const total = body.length;
      let status = 200;
      const headers = {...base, 'content-type': typeOf(pathname), 'accept-ranges': fault.noRange ? 'none' : 'bytes'};
      if (fault.gzip) {
        body = zlib.gzipSync(body);
        headers['content-encoding'] = 'gzip';
        headers['accept-ranges'] = 'none';
      }
      const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
      if (m && !fault.noRange && !fault.gzip) {
        const start = Number(m[1]);
        const end = m[2] === '' ? total - 1 : Math.min(Number(m[2]), total - 1);
        if (start >= total || end < start) {
          return send(416, '', {'content-range': `bytes */${total}`});
        }
        body = body.subarray(start, end + 1);
        status = 206;
        headers['content-range'] = `bytes ${start}-${end}/${total}`;
      }
      rec.status = status;
      const declared = transient && fault.contentLength != null ? fault.contentLength : body.length;
      headers['content-length'] = declared;
      res.writeHead(status, headers);
      if (req.method === 'HEAD') return res.end();

      // The socket is destroyed `cutDelayMs` (default 50) after the bytes are
      // written, so that the client has read them before it sees the error
      // (Chromium may otherwise report the error first and drop them).
      const destroyAfter = part => {
        res.write(part, () => later(fault.cutDelayMs ?? 50, res, () => res.socket?.destroy()));
      };
      if (transient && fault.cutAfter != null) {
        return destroyAfter(body.subarray(0, Math.min(fault.cutAfter, body.length)));
      }
      if (transient && fault.contentLength != null && fault.contentLength > body.length) {
        return destroyAfter(body);
      }
      if (transient && fault.stallAfter != null) {
        res.write(body.subarray(0, fault.stallAfter));
        return later(fault.stallMs ?? 1000, res, () => res.end(body.subarray(fault.stallAfter)));
      }
      res.end(body);
    };

    if (transient && fault.delayMs) later(fault.delayMs, res, respond);
    else respond();
  });
  srv.server = server;
  // Idle keep-alive sockets stay open until close(): with the default 5 s the
  // server may drop a socket the client is about to reuse after the event
  // loop was blocked (a long model run), which fetch reports as ECONNRESET.
  server.keepAliveTimeout = 120_000;
  srv.faults.set = function set(k, v) {
    // A fresh copy, so that `hits` starts at 0 for each configuration.
    return Map.prototype.set.call(this, k, {...v, hits: 0});
  };

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      srv.port = server.address().port;
      srv.url = `http://127.0.0.1:${srv.port}`;
      srv.close = () => new Promise(r => {
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.closeAllConnections?.();
        server.close(() => r());
      });
      resolve(srv);
    });
  });
}

/** Parses a multipart/form-data upload recorded by the server into
 * {fieldName: {filename, type, bytes: Uint8Array, text()}}. */
export async function parseUpload(upload) {
  const form = await new Response(upload.body, {headers: {'content-type': upload.headers['content-type']}})
    .formData();
  const out = {};
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') {
      out[name] = {filename: null, type: null, bytes: new TextEncoder().encode(value), text: () => value};
    } else {
      const bytes = new Uint8Array(await value.arrayBuffer());
      out[name] = {filename: value.name, type: value.type, bytes, text: () => new TextDecoder().decode(bytes)};
    }
  }
  return out;
}
