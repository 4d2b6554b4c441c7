// One driver layer for the browser suites, over three engines, all from
// Debian (no browser is ever downloaded):
//   chromium  /usr/bin/chromium, headless, driven by playwright-core;
//   firefox   /usr/bin/firefox-esr, headless, driven by puppeteer-core over
//             WebDriver BiDi (no driver binary);
//   webkit    WebKitGTK's MiniBrowser --automation, driven by WebKitWebDriver
//             (classic WebDriver over HTTP) under an Xvfb this layer starts
//             on a free display and kills on close (MiniBrowser has no
//             headless mode).
//
// The one place that launches a browser for the tests and benches, and opens
// the static server's test page.
//
// API (everything a suite needs; write suites against this, not a driver):
//   ENGINES                       engine names to run: MA_ENGINES=a,b or all three
//   forEachEngine(fn)             calls fn(engine) once per engine (one describe each)
//   launch(engine, {firefoxPrefs}) -> Browser (prefs: extra Firefox preferences)
//   openTestPage(target, serverUrl, sinks, {server, label})
//                                 -> {browser, page}: `${serverUrl}/test.html`, ready,
//                                 in target = an engine name (launched), a Browser
//                                 or a Context; errors into sinks (Page.watch)
//   gotoTestPage(page, serverUrl, {timeout})
//                                 loads `${serverUrl}/test.html` in a Page (or a
//                                 Playwright page) and waits until it is ready
//   launchPlaywrightChromium({profileDir, ...options})
//                                 -> Playwright's own Browser (or, with profileDir,
//                                 a persistent BrowserContext) of Debian's Chromium
//                                 with CHROMIUM_ARGS, for scripts that drive
//                                 Playwright itself (the demo page, the bundler
//                                 apps, bench/large-idb.mjs)
//   callInPage(page, modulePath, fn, ...args)
//                                 export `fn` of a page-side module, package first
//   Browser.newContext()          -> Context (its own storage)
//   Browser.newPage() / Context.newPage()
//                                 -> Page (the browser's default context / this one)
//   Browser.close() / Context.close()
//   Page.goto(url), reload(), close()
//   Page.evaluate(fn, arg)        fn(arg) in the page, awaited; arg and result go
//                                 through one codec on every engine (JSON plus
//                                 undefined, NaN, ±Infinity, -0, BigInt, Date,
//                                 RegExp, Error, Map, Set, ArrayBuffer, typed arrays)
//   Page.waitForFunction(fn, arg, {timeout})
//   Page.addScriptTag({url})      a classic script, resolved once it has run
//   Page.setInputFiles(selector, paths)
//   Page.onDownload(fn)           fn({name, bytes()}) per finished download, in
//                                 the order they started
//   Page.watch(sinks, {server})   page errors and console errors of the page
//                                 (every engine), failed requests (Chromium:
//                                 network events; elsewhere `server`'s log)
//   .pw of a Chromium Context/Page  the Playwright object, for Chromium-only
//                                 powers (CDP); a suite using them says so
//   openSmallQuotaPage(browser, serverUrl, sinks, {server, label})
//                                 -> {page, close()}: a test page whose origin can
//                                 store a few MiB only (DIFFERS.smallQuota)
//   DIFFERS                       what really differs between engines, by name
//
// Workers: suites start them from page code, which runs the same everywhere.
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ALL_ENGINES = ['chromium', 'firefox', 'webkit'];
export const ENGINES = (process.env.MA_ENGINES ?? ALL_ENGINES.join(','))
  .split(',').map(s => s.trim()).filter(Boolean);
for (const e of ENGINES) {
  if (!ALL_ENGINES.includes(e)) throw new Error(`MA_ENGINES: unknown engine '${e}' (known: ${ALL_ENGINES})`);
}

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
/** Chromium's flags on this machine (headless, no sandbox, no GPU, no
 * background traffic). */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
export const FIREFOX = '/usr/bin/firefox-esr';
export const WEBKIT_DRIVER = '/usr/bin/WebKitWebDriver';
export const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/** Where the engines really differ (suites assert the package's typed
 * errors wherever the engine can produce the condition). */
export const DIFFERS = {
  // How a test gets a small storage quota (openSmallQuotaPage): Chromium
  // lowers one origin's through CDP, Firefox starts with a 10 MiB limit;
  // WebKitGTK offers no way (its quota follows the disk).
  smallQuota: engine => ({chromium: 'cdp', firefox: 'prefs'})[engine] ?? null,
  // How a download reaches the test: Playwright's download events
  // (Chromium), or the folder the browser saves into unasked (Firefox: its
  // prefs; WebKitGTK: the XDG download folder). All three deliver the files.
  downloads: engine => (engine === 'chromium' ? 'events' : 'folder'),
  // WebKitGTK drops a download when the next one starts too soon: of tfjs
  // 4.22's two (one task) often only one arrives; the package's, 100 ms
  // apart (src/glue.js), all arrive.
  oneDownloadPerTask: engine => engine === 'webkit',
  // WebKitGTK's network process goes on reading a response body for a while
  // after the page cancelled it (14 to 38 MB of a 40 MiB body, measured): what
  // a server sent says nothing about the page there.
  cancelStopsTransfer: engine => engine !== 'webkit',
  // The origin private file system: WebKitGTK's MiniBrowser keeps
  // navigator.storage off, and with it on (`MiniBrowser --features=
  // +StorageAPI,+FileSystem,+FileSystemWritableStream`) an automation session
  // is ephemeral, where getDirectory() rejects with UnknownError, as in
  // Safari's private browsing.
  opfs: engine => engine !== 'webkit',
};

/** Throws, naming the Debian package, when `file` is not installed. */
function need(file, debianPackage) {
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: run scripts/setup.sh as root (apt-get install ${debianPackage})`);
  }
}

/** Calls `fn(engine)` for each engine of ENGINES. */
export function forEachEngine(fn) {
  for (const engine of ENGINES) fn(engine);
}

// ---------------------------------------------------------------------------
// evaluate's codec, the same in Node and in the page (sent there as text, so
// it stays self-contained): values JSON cannot carry become {[tag]: kind, v}.
function makeCodec(tag) {
  const seen = new Set();
  const encode = v => {
    if (v === undefined) return {[tag]: 'u'};
    if (typeof v === 'number') {
      if (Number.isNaN(v)) return {[tag]: 'n', v: 'NaN'};
      if (v === Infinity || v === -Infinity) return {[tag]: 'n', v: String(v)};
      if (Object.is(v, -0)) return {[tag]: 'n', v: '-0'};
      return v;
    }
    if (typeof v === 'bigint') return {[tag]: 'b', v: String(v)};
    if (typeof v === 'function' || typeof v === 'symbol') return {[tag]: 'u'};
    if (v === null || typeof v !== 'object') return v;
    if (seen.has(v)) throw new TypeError('evaluate: the result is circular');
    seen.add(v);
    try {
      if (v instanceof Date) return {[tag]: 'd', v: v.getTime()};
      if (v instanceof RegExp) return {[tag]: 'r', v: v.source, f: v.flags};
      if (v instanceof Error) return {[tag]: 'e', name: v.name, message: v.message, stack: v.stack};
      if (v instanceof ArrayBuffer) return {[tag]: 'ab', v: Array.from(new Uint8Array(v))};
      if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
        return {[tag]: 'ta', k: v.constructor.name, v: Array.from(v, x => (typeof x === 'bigint' ? String(x) : x))};
      }
      if (v instanceof Map) return {[tag]: 'm', v: Array.from(v, ([k, x]) => [encode(k), encode(x)])};
      if (v instanceof Set) return {[tag]: 's', v: Array.from(v, encode)};
      if (Array.isArray(v)) return Array.from(v, encode);
      if (typeof v.toJSON === 'function') return encode(v.toJSON());
      const out = {};
      for (const k of Object.keys(v)) out[k] = encode(v[k]);
      return out;
    } finally {
      seen.delete(v);
    }
  };
  const decode = v => {
    if (Array.isArray(v)) return v.map(decode);
    if (v === null || typeof v !== 'object') return v;
    if (tag in v) {
      switch (v[tag]) {
        case 'u': return undefined;
        case 'n': return v.v === '-0' ? -0 : Number(v.v);
        case 'b': return BigInt(v.v);
        case 'd': return new Date(v.v);
        case 'r': return new RegExp(v.v, v.f);
        case 'e': return Object.assign(new Error(v.message), {name: v.name});
        case 'ab': return new Uint8Array(v.v).buffer;
        case 'ta': return new globalThis[v.k](v.v.map(x => (typeof x === 'string' ? BigInt(x) : x)));
        case 'm': return new Map(v.v.map(([k, x]) => [decode(k), decode(x)]));
        case 's': return new Set(v.v.map(decode));
        default: throw new TypeError(`evaluate: unknown tag ${v[tag]}`);
      }
    }
    const out = {};
    for (const k of Object.keys(v)) out[k] = decode(v[k]);
    return out;
  };
  return {encode, decode};
}

// The page-side half of evaluate: runs `source` (a function's text) on the
// decoded argument and returns the encoded result (or what it threw), plus
// the page errors collected since the last call.
function pageCall({encode, decode}, source, argText, tag) {
  // Page errors, for engines whose driver reports none (installed early by
  // /test.html's first script; here for any other page).
  if (!window.__maErrors) {
    window.__maErrors = [];
    addEventListener('error', e => window.__maErrors.push(['page', String(e.error ?? e.message)]));
    addEventListener('unhandledrejection', e => window.__maErrors.push(['page', `Uncaught (in promise) ${e.reason}`]));
  }
  const finish = result => {
    let text;
    try {
      text = JSON.stringify(encode(result));
    } catch (e) {
      text = JSON.stringify({[tag]: 'threw', name: e.name, message: e.message});
    }
    return JSON.stringify({result: text, errors: window.__maErrors.splice(0)});
  };
  return (async () => {
    try {
      const fn = new Function(`return (${source})`)();
      return finish(await fn(decode(JSON.parse(argText))));
    } catch (e) {
      return JSON.stringify({threw: {name: e?.name, message: String(e?.message ?? e), stack: e?.stack},
        errors: window.__maErrors.splice(0)});
    }
  })();
}
const TAG = '__maCodec';
const codec = makeCodec(TAG);
const PAGE_CALL = `(${pageCall})((${makeCodec})('${TAG}'), `;

/** The expression that runs `fn(arg)` in a page (one string for every driver). */
function callExpression(fn, arg) {
  const source = typeof fn === 'function' ? fn.toString() : `() => (${fn})`;
  return `${PAGE_CALL}${JSON.stringify(source)}, ${JSON.stringify(JSON.stringify(codec.encode(arg)))}, '${TAG}')`;
}

/** Unpacks pageCall's answer: the result, or a throw as Node's Error. */
function unpack(text, onErrors) {
  const {result, threw, errors} = JSON.parse(text);
  if (errors?.length) onErrors(errors);
  if (threw) {
    const e = new Error(`page: ${threw.name}: ${threw.message}`);
    e.pageStack = threw.stack;
    throw e;
  }
  const value = JSON.parse(result);
  if (value && typeof value === 'object' && value[TAG] === 'threw') {
    throw new Error(`page result: ${value.name}: ${value.message}`);
  }
  return codec.decode(value);
}

// ---------------------------------------------------------------------------
class Page {
  constructor(engine) {
    this.engine = engine;
    this.sinks = null;
    this.server = null;
    this.seenRequests = 0;
    this.label = '';
  }

  /** Collect this page's errors into `sinks` ({pageErrors, consoleErrors,
   * failedRequests} arrays); `server` (a test server with a `requests`
   * log) stands in for network events where the driver has none. */
  watch(sinks, {server, label = ''} = {}) {
    this.sinks = sinks;
    this.server = server ?? null;
    this.seenRequests = server?.requests.length ?? 0;
    this.label = label ? `${label}: ` : '';
    this.watchNative?.();
    return this;
  }

  onPageErrors(errors) {
    if (!this.sinks) return;
    for (const [kind, text] of errors) {
      (kind === 'console' ? this.sinks.consoleErrors : this.sinks.pageErrors)?.push(this.label + text);
    }
  }

  /** Server-logged failures since the last look (engines without network events). */
  checkServerLog() {
    if (!this.sinks?.failedRequests || !this.server || this.nativeNetwork) return;
    const log = this.server.requests;
    for (; this.seenRequests < log.length; this.seenRequests++) {
      const q = log[this.seenRequests];
      const [url, status] = Array.isArray(q) ? [q[1], q[2]] : [q.path, q.status];
      if (status >= 400) this.sinks.failedRequests.push(`${this.label}${url}: HTTP ${status}`);
    }
  }

  async evaluate(fn, arg) {
    const text = await this.run(callExpression(fn, arg));
    this.checkServerLog();
    return unpack(text, errors => this.onPageErrors(errors));
  }

  async waitForFunction(fn, arg, {timeout = 30_000} = {}) {
    const end = Date.now() + timeout;
    for (;;) {
      const v = await this.evaluate(fn, arg).catch(e => {
        // A page still navigating has no realm yet: try again.
        if (Date.now() > end) throw e;
        return undefined;
      });
      if (v) return v;
      if (Date.now() > end) throw new Error(`${this.engine}: waitForFunction timed out after ${timeout} ms: ${fn}`);
      await new Promise(r => setTimeout(r, 50));
    }
  }

  /** Downloads in engines that save them into a folder (FirefoxPage, WebKitPage). */
  onDownload(fn) { this.downloads.listen(fn); }

  addScriptTag({url}) {
    return this.evaluate(src => new Promise((resolve, reject) => {
      const s = document.createElement('script');
      s.src = src;
      s.onload = () => resolve(true);
      s.onerror = () => reject(new Error(`script ${src} failed to load`));
      document.head.append(s);
    }), url);
  }
}

// --- Chromium (playwright-core) --------------------------------------------
class ChromiumPage extends Page {
  constructor(pwPage) {
    super('chromium');
    this.pw = pwPage;
    this.nativeNetwork = true;
  }

  watchNative() {
    const p = this.pw;
    p.on('pageerror', e => this.sinks.pageErrors?.push(this.label + String(e)));
    p.on('console', m => { if (m.type() === 'error') this.sinks.consoleErrors?.push(this.label + m.text()); });
    // net::ERR_ABORTED is not counted: Chromium reports it for bodies that
    // decodeWeightsStream cancels once it has the last weight's bytes.
    p.on('requestfailed', r => {
      if (r.failure()?.errorText !== 'net::ERR_ABORTED') this.sinks.failedRequests?.push(`${this.label}${r.url()}: ${r.failure()?.errorText}`);
    });
    p.on('response', r => { if (r.status() >= 400) this.sinks.failedRequests?.push(`${this.label}${r.url()}: HTTP ${r.status()}`); });
  }

  // pageerror/console already report Chromium's errors: drop the page-side copy.
  onPageErrors() {}
  run(expression) { return this.pw.evaluate(expression); }
  goto(url) { return this.pw.goto(url); }
  reload() { return this.pw.reload(); }
  close() { return this.pw.close(); }
  setInputFiles(selector, paths) { return this.pw.setInputFiles(selector, paths); }
  onDownload(fn) {
    this.pw.on('download', d => fn({
      name: d.suggestedFilename(),
      bytes: async () => {
        const file = await d.path();
        if (!file) throw new Error(`download ${d.suggestedFilename()} failed: ${await d.failure()}`);
        return fs.readFileSync(file);
      },
    }));
  }
}

class ChromiumContext {
  constructor(pwContext) { this.pw = pwContext; }
  async newPage() { return new ChromiumPage(await this.pw.newPage()); }
  close() { return this.pw.close(); }
}

/** Debian's Chromium through playwright-core with CHROMIUM_ARGS, as
 * Playwright's own object: a Browser, or with `profileDir` a persistent
 * BrowserContext (storage on disk in that folder). `options` go to
 * Playwright's launch. Suites use launch('chromium'); this is for scripts
 * that need Playwright's API itself. */
export async function launchPlaywrightChromium({profileDir, ...options} = {}) {
  need(CHROMIUM, 'chromium');
  const {chromium} = await import('playwright-core');
  const launchOptions = {executablePath: CHROMIUM, args: CHROMIUM_ARGS, ...options};
  return profileDir === undefined
    ? chromium.launch(launchOptions)
    : chromium.launchPersistentContext(profileDir, launchOptions);
}

async function launchChromium() {
  const browser = await launchPlaywrightChromium();
  return new Browser('chromium', {
    newContext: async () => new ChromiumContext(await browser.newContext()),
    close: () => browser.close(),
  });
}

// --- Firefox (puppeteer-core over WebDriver BiDi) --------------------------
class FirefoxPage extends Page {
  constructor(ppPage, downloads) {
    super('firefox');
    this.pp = ppPage;
    this.downloads = downloads;
  }

  run(expression) { return this.pp.evaluate(expression); }
  async goto(url) { await this.pp.goto(url); }
  async reload() { await this.pp.reload(); }
  close() { return this.pp.close(); }
  async setInputFiles(selector, paths) {
    const input = await this.pp.$(selector);
    if (!input) throw new Error(`firefox: no element ${selector}`);
    await input.uploadFile(...paths);
  }
}

class FirefoxContext {
  constructor(ppContext, downloads) {
    this.pp = ppContext;
    this.downloads = downloads;
  }

  async newPage() { return new FirefoxPage(await this.pp.newPage(), this.downloads); }
  close() { return this.pp.close(); }
}

/** `read()` (a sync fs call on one file), or null when the file is gone (ENOENT). */
function ifThere(read) {
  try { return read(); } catch (e) { if (e.code === 'ENOENT') return null; throw e; }
}

/** Firefox and WebKitGTK save downloads straight into `dir`. A file there
 * with no .part/.wkdownload beside it whose size and mtime held for
 * `settle` polls is a finished download; a name that finishes again (a
 * WebKitGTK overwrite) is a new one. Firefox calls a second file of one
 * name "name(1).ext"; `name` is the name the page gave. Files finished in
 * one poll are ordered by creation time, then name. */
class DownloadFolder {
  constructor(dir, {settle = 4} = {}) {
    this.dir = dir;
    this.settle = settle;
    this.watching = new Map(); // name -> {sig, polls}
    this.emitted = new Map(); // name -> sig
    this.listeners = [];
    this.timer = null;
  }

  listen(fn) {
    this.listeners.push(fn);
    this.timer ??= setInterval(() => this.poll(), 25);
  }

  poll() {
    const names = fs.readdirSync(this.dir);
    const busy = n => /\.(part|wkdownload)$/.test(n) || names.includes(`${n}.part`) || names.includes(`${n}.wkdownload`);
    const done = [];
    for (const n of names) {
      if (busy(n)) { this.watching.delete(n); continue; }
      // Firefox renames its temporary names away between our readdir and stat.
      const st = ifThere(() => fs.statSync(path.join(this.dir, n)));
      if (!st) { this.watching.delete(n); continue; }
      const sig = `${st.size}:${st.mtimeMs}`;
      if (this.emitted.get(n) === sig) continue;
      const w = this.watching.get(n);
      if (w?.sig !== sig) { this.watching.set(n, {sig, polls: 1}); continue; }
      if (++w.polls < this.settle) continue;
      this.watching.delete(n);
      const bytes = ifThere(() => fs.readFileSync(path.join(this.dir, n)));
      if (!bytes) continue;
      this.emitted.set(n, sig);
      done.push({n, born: st.birthtimeMs, bytes});
    }
    done.sort((a, b) => a.born - b.born || (a.n < b.n ? -1 : 1));
    for (const {n, bytes} of done) {
      const download = {name: n.replace(/\(\d+\)(?=\.[^.]+$)/, ''), bytes: async () => bytes};
      for (const fn of this.listeners) fn(download);
    }
  }

  close() { clearInterval(this.timer); }
}

async function launchFirefox({firefoxPrefs = {}} = {}) {
  need(FIREFOX, 'firefox-esr');
  const {default: puppeteer} = await import('puppeteer-core');
  const downloadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-firefox-downloads-'));
  const browser = await puppeteer.launch({
    browser: 'firefox', executablePath: FIREFOX, headless: true, protocolTimeout: 600_000,
    dumpio: Boolean(process.env.MA_ENGINES_DEBUG),
    extraPrefsFirefox: {
      // Downloads go straight to a folder the suite can read.
      'browser.download.folderList': 2,
      'browser.download.dir': downloadDir,
      'browser.download.useDownloadDir': true,
      'browser.download.always_ask_before_handling_new_types': false,
      'browser.download.start_downloads_in_tmp_dir': false,
      'browser.helperApps.neverAsk.saveToDisk': 'application/json,application/octet-stream,text/plain',
      'browser.download.alwaysOpenPanel': false,
      'browser.download.panel.shown': true,
      // Several downloads from one page without a click (as tfjs's do).
      'browser.download.enable_spam_prevention': false,
      // navigator.storage.persist() answers without a prompt (granted, as
      // after a user's yes): under headless automation the prompt closes
      // the page's browsing context.
      'permissions.default.persistent-storage': 1,
      ...firefoxPrefs,
    },
  });
  const downloads = new DownloadFolder(downloadDir);
  return new Browser('firefox', {
    newContext: async () => new FirefoxContext(await browser.createBrowserContext(), downloads),
    close: async () => {
      downloads.close();
      await browser.close();
      fs.rmSync(downloadDir, {recursive: true, force: true});
    },
  });
}

// --- WebKitGTK (WebKitWebDriver + MiniBrowser under Xvfb) ------------------
/** A free TCP port on 127.0.0.1 (the OS picks it; we let go at once). */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const {port} = s.address();
      s.close(() => resolve(port));
    });
  });
}

// Xvfb and the WebKit drivers die with this process, also when it is
// interrupted (no 'exit' event then). The signal is then raised again for
// its default action, unless the script has a handler of its own (as
// bench/large-idb.mjs has), which then decides.
const children = new Set();
const killChildren = () => { for (const c of children) c.kill('SIGKILL'); };
process.on('exit', killChildren);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.once(signal, () => {
    killChildren();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}
function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}
function stop(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise(resolve => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => { clearTimeout(timer); resolve(); });
    child.kill('SIGTERM');
  });
}

/** Starts Xvfb on a display it picks itself (-displayfd); resolves to
 * {display, process}. */
export function startXvfb() {
  return new Promise((resolve, reject) => {
    const x = track(spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'],
      {stdio: ['ignore', 'ignore', 'pipe', 'pipe']}));
    let out = '';
    let err = '';
    x.stderr.on('data', d => { err += d; });
    x.stdio[3].on('data', d => {
      out += d;
      if (out.includes('\n')) resolve({display: `:${out.trim()}`, process: x});
    });
    x.once('error', reject);
    x.once('exit', code => reject(new Error(`Xvfb exited (${code}): ${err}`)));
  });
}

/** A WebDriver session (one MiniBrowser, its own storage): commands run one
 * at a time, each in the window it belongs to. */
class WebDriverSession {
  constructor(base, id) {
    this.base = base;
    this.id = id;
    this.queue = Promise.resolve();
    this.current = null;
  }

  async raw(method, route, body) {
    const res = await fetch(`${this.base}/session/${this.id}${route}`, {
      method, headers: {'content-type': 'application/json'}, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json();
    if (!res.ok || json.value?.error) {
      throw new Error(`webkit: ${method} ${route}: ${json.value?.error}: ${json.value?.message}`);
    }
    return json.value;
  }

  /** Runs `route` in window `handle` (after every earlier command). */
  command(handle, method, route, body) {
    const next = this.queue.then(async () => {
      if (handle && handle !== this.current) {
        await this.raw('POST', '/window', {handle});
        this.current = handle;
      }
      return this.raw(method, route, body);
    });
    this.queue = next.catch(() => {});
    return next;
  }
}

class WebKitPage extends Page {
  constructor(session, handle, downloads) {
    super('webkit');
    this.session = session;
    this.handle = handle;
    this.downloads = downloads;
  }

  cmd(method, route, body) { return this.session.command(this.handle, method, route, body); }
  run(expression) {
    return this.cmd('POST', '/execute/async', {
      script: `const done = arguments[arguments.length - 1]; ${expression}.then(done);`, args: [],
    });
  }

  goto(url) { return this.cmd('POST', '/url', {url}); }
  reload() { return this.cmd('POST', '/refresh', {}); }
  async close() {
    const handles = await this.cmd('DELETE', '/window');
    this.session.current = null;
    // The session lives while it has a window.
    if (handles.length === 0) this.session.closed = true;
  }

  async setInputFiles(selector, paths) {
    const el = await this.cmd('POST', '/element', {using: 'css selector', value: selector});
    const id = el['element-6066-11e4-a52e-4f735466cecf'];
    // Send Keys adds files to a `multiple` input (one path a line): clear
    // first, so that the selection is exactly `paths`, as in the other engines.
    await this.cmd('POST', `/element/${id}/clear`, {});
    if (paths.length > 0) await this.cmd('POST', `/element/${id}/value`, {text: paths.join('\n')});
  }
}

/** Starts a WebKitWebDriver on a free port with `env` (for its
 * MiniBrowser); resolves to {base, process}. */
async function startWebKitDriver(env) {
  const port = await freePort();
  const driver = track(spawn(WEBKIT_DRIVER, [`--port=${port}`], {
    stdio: ['ignore', 'ignore', 'pipe'], env: {...process.env, ...env},
  }));
  let driverErr = '';
  driver.stderr.on('data', d => { driverErr += d; });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`${base}/status`);
      if (res.ok) return {base, process: driver};
    } catch { /* not listening yet */ }
    if (i > 200 || driver.exitCode !== null) {
      await stop(driver);
      throw new Error(`WebKitWebDriver did not start: ${driverErr}`);
    }
    await new Promise(r => setTimeout(r, 50));
  }
}

/** A context is one WebKitWebDriver with its one session (the driver allows
 * no second one), hence one MiniBrowser with its own storage; its pages are
 * that session's windows. */
class WebKitContext {
  constructor(env, downloads) {
    this.env = env;
    this.downloads = downloads;
    this.started = null;
    this.firstUsed = false;
  }

  start() {
    this.started ??= (async () => {
      this.driver = await startWebKitDriver(this.env);
      const res = await fetch(`${this.driver.base}/session`, {
        method: 'POST', headers: {'content-type': 'application/json'},
        body: JSON.stringify({capabilities: {alwaysMatch: {
          browserName: 'MiniBrowser',
          'webkitgtk:browserOptions': {binary: MINIBROWSER, args: ['--automation']},
        }}}),
      });
      const json = await res.json();
      if (!res.ok) throw new Error(`webkit: new session: ${json.value?.error}: ${json.value?.message}`);
      this.session = new WebDriverSession(this.driver.base, json.value.sessionId);
      await this.session.raw('POST', '/timeouts', {script: 600_000, pageLoad: 120_000});
    })();
    return this.started;
  }

  async newPage() {
    await this.start();
    let handle;
    if (!this.firstUsed) {
      this.firstUsed = true;
      handle = await this.session.command(null, 'GET', '/window');
    } else {
      ({handle} = await this.session.command(null, 'POST', '/window/new', {type: 'tab'}));
    }
    return new WebKitPage(this.session, handle, this.downloads);
  }

  async close() {
    if (!this.started) return;
    await this.started.catch(() => {});
    if (this.session && !this.session.closed) {
      this.session.closed = true;
      await fetch(`${this.driver.base}/session/${this.session.id}`, {method: 'DELETE'}).catch(() => {});
    }
    await stop(this.driver?.process);
  }
}

async function launchWebKit() {
  need(WEBKIT_DRIVER, 'webkit2gtk-driver');
  need(MINIBROWSER, 'libwebkit2gtk-4.1-0');
  need('/usr/bin/Xvfb', 'xvfb');
  const xvfb = await startXvfb();
  // Downloads land, unasked, in the XDG download folder: a fresh one, named
  // in a fresh XDG config folder.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ma-webkit-'));
  const downloadDir = path.join(dir, 'downloads');
  fs.mkdirSync(downloadDir);
  fs.writeFileSync(path.join(dir, 'user-dirs.dirs'), `XDG_DOWNLOAD_DIR="${downloadDir}"\n`);
  const env = {DISPLAY: xvfb.display, XDG_CONFIG_HOME: dir};
  const downloads = new DownloadFolder(downloadDir);
  const contexts = [];
  return new Browser('webkit', {
    newContext: async () => {
      const c = new WebKitContext(env, downloads);
      contexts.push(c);
      await c.start();
      return c;
    },
    close: async () => {
      downloads.close();
      for (const c of contexts) await c.close();
      await stop(xvfb.process);
      fs.rmSync(dir, {recursive: true, force: true});
    },
  });
}

// ---------------------------------------------------------------------------
class Browser {
  constructor(engine, {newContext, close}) {
    this.engine = engine;
    this.makeContext = newContext;
    this.closeAll = close;
    this.defaultContext = null;
  }

  newContext() { return this.makeContext(); }
  async newPage() {
    this.defaultContext ??= await this.newContext();
    return this.defaultContext.newPage();
  }

  close() { return this.closeAll(); }
}

const USER_AGENT = {chromium: /HeadlessChrome\//, firefox: /Firefox\//, webkit: /^(?!.*Chrome).*AppleWebKit\/.*Safari\//};
const LAUNCH = {chromium: launchChromium, firefox: launchFirefox, webkit: launchWebKit};

/** Starts `engine` (one of ALL_ENGINES). */
export function launch(engine, options = {}) {
  const start = LAUNCH[engine];
  if (!start) throw new Error(`unknown engine '${engine}'`);
  return start(options);
}

/** Opens `${url}/test.html` (the static server's page with the package's
 * import map) in `target` (an engine name, a Browser or a Context), collects
 * its errors into `sinks` and waits for the page to be ready. Resolves to
 * {browser, page}; browser is the one launched when `target` is a name. */
export async function openTestPage(target, serverUrl, sinks = {}, {server, label} = {}) {
  const browser = typeof target === 'string' ? await launch(target) : null;
  const page = await (browser ?? target).newPage();
  page.watch(sinks, {server, label});
  await gotoTestPage(page, serverUrl);
  // A suite must never pass in the wrong engine.
  const ua = await page.evaluate(() => navigator.userAgent);
  if (!USER_AGENT[page.engine].test(ua)) throw new Error(`${page.engine}: the page runs in ${ua}`);
  return {browser, page};
}

/** Loads `${serverUrl}/test.html` in `page` (a Page of this layer or a
 * Playwright page: both have goto and waitForFunction) and waits until its
 * scripts have run (window.__ready, set by support/browser-page.mjs). */
export async function gotoTestPage(page, serverUrl, {timeout = 60_000} = {}) {
  await page.goto(`${serverUrl}/test.html`);
  await page.waitForFunction(() => window.__ready === true, null, {timeout});
}

/** Calls export `fn` of the page-side support module `modulePath` in `page`,
 * with the package as its first argument; resolves to what it returns. */
export function callInPage(page, modulePath, fn, ...args) {
  return page.evaluate(async ([modulePath, fn, args]) => {
    const m = await import(modulePath);
    const ma = await import('model-artifacts');
    return m[fn](ma, ...args);
  }, [modulePath, fn, args]);
}

/** A test page with a small storage quota, in `browser`'s engine: Chromium,
 * a new context whose origin CDP lowers to 2 MiB; Firefox, a second
 * Firefox whose storage limit (hence the origin's group limit) is 10 MiB.
 * close() undoes it. Throws where DIFFERS.smallQuota is null. */
export async function openSmallQuotaPage(browser, serverUrl, sinks, {server, label = 'quota'} = {}) {
  const how = DIFFERS.smallQuota(browser.engine);
  if (how === 'cdp') {
    const context = await browser.newContext();
    const {page} = await openTestPage(context, serverUrl, sinks, {server, label});
    const cdp = await context.pw.newCDPSession(page.pw);
    const origin = new URL(serverUrl).origin;
    await cdp.send('Storage.overrideQuotaForOrigin', {origin, quotaSize: 2 << 20});
    return {page, close: async () => {
      await cdp.send('Storage.overrideQuotaForOrigin', {origin});
      await cdp.detach();
      await context.close();
    }};
  }
  if (how === 'prefs') {
    const limited = await launch('firefox', {firefoxPrefs: {'dom.quotaManager.temporaryStorage.fixedLimit': 10 << 10}});
    try {
      const {page} = await openTestPage(limited, serverUrl, sinks, {server, label});
      return {page, close: () => limited.close()};
    } catch (e) {
      await limited.close();
      throw e;
    }
  }
  throw new Error(`${browser.engine}: no small storage quota to be had (DIFFERS.smallQuota)`);
}
