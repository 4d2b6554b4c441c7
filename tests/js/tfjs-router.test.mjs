// Our versions of TensorFlow.js 4.22's router_registry tests
// (registerLoadRouter / registerSaveRouter, getLoadHandlers /
// getSaveHandlers, load / save through the routers) and of isHTTPScheme, the
// scheme test the http router uses.
import {describe, it} from 'node:test';
import assert from 'node:assert/strict';
import * as ma from 'model-artifacts';
import {throwsMa, rejectsMa} from './support/common.mjs';

// ---------------------------------------------------------- router_registry

describe('router registry', () => {
  let uniq = 0;
  const scheme = base => `${base}${process.pid}x${uniq++}`;
  class FooHandler { async save() { return {modelArtifactsInfo: {dateSaved: new Date(), modelTopologyType: 'JSON'}}; } }
  class BarHandler { async load() { return {modelTopology: {bar: 1}}; } }

  it('getSaveHandlers succeeds', () => {
    const foo = scheme('foo');
    const bar = scheme('bar');
    ma.registerSaveRouter(url => (typeof url === 'string' && url.startsWith(`${foo}://`) ? new FooHandler() : null));
    ma.registerSaveRouter(url => (typeof url === 'string' && url.startsWith(`${bar}://`) ? new BarHandler() : null));
    const h1 = ma.getSaveHandlers(`${foo}:///123`);
    assert.equal(h1.length, 1);
    assert.ok(h1[0] instanceof FooHandler);
    const h2 = ma.getSaveHandlers(`${bar}:///456`);
    assert.equal(h2.length, 1);
    assert.ok(h2[0] instanceof BarHandler);
    assert.deepEqual(ma.getSaveHandlers(`${scheme('qux')}:///789`), []);
  });

  it('getLoadHandlers succeeds', () => {
    const foo = scheme('foo');
    const bar = scheme('bar');
    ma.registerLoadRouter(url => (typeof url === 'string' && url.startsWith(`${foo}://`) ? new FooHandler() : null));
    ma.registerLoadRouter(url => (typeof url === 'string' && url.startsWith(`${bar}://`) ? new BarHandler() : null));
    const h1 = ma.getLoadHandlers(`${foo}:///123`);
    assert.equal(h1.length, 1);
    assert.ok(h1[0] instanceof FooHandler);
    const h2 = ma.getLoadHandlers(`${bar}:///456`);
    assert.equal(h2.length, 1);
    assert.ok(h2[0] instanceof BarHandler);
    assert.deepEqual(ma.getLoadHandlers(`${scheme('qux')}:///789`), []);
  });

  it('getLoadHandlers with a string array argument succeeds', () => {
    const foo = scheme('arr');
    ma.registerLoadRouter(url => (Array.isArray(url) && url[0].startsWith(`${foo}://`) ? new FooHandler() : null));
    const h = ma.getLoadHandlers([`${foo}:///123`, `${foo}:///456`]);
    assert.equal(h.length, 1);
    assert.ok(h[0] instanceof FooHandler);
    assert.deepEqual(ma.getLoadHandlers(`${foo}:///123`), []);
  });

  it('getSaveHandlers does not see load routers (no crosstalk)', () => {
    const foo = scheme('loadonly');
    ma.registerLoadRouter(url => (String(url).startsWith(`${foo}://`) ? new FooHandler() : null));
    assert.deepEqual(ma.getSaveHandlers(`${foo}:///123`), []);
    assert.equal(ma.getLoadHandlers(`${foo}:///123`).length, 1);
  });

  it('getLoadHandlers passes the same loadOptions object through', () => {
    const foo = scheme('opts');
    let seen;
    ma.registerLoadRouter((url, loadOptions) => {
      if (String(url).startsWith(`${foo}://`)) { seen = loadOptions; return new BarHandler(); }
      return null;
    });
    const loadOptions = {onProgress: () => {}, fetchFunc: () => {}, strict: false};
    const h = ma.getLoadHandlers(`${foo}:///123`, loadOptions);
    assert.equal(h.length, 1);
    assert.equal(seen, loadOptions);
  });

  it('routers are called in registration order', () => {
    const foo = scheme('order');
    const a = new BarHandler();
    const b = new BarHandler();
    ma.registerLoadRouter(url => (String(url).startsWith(`${foo}://`) ? a : null));
    ma.registerLoadRouter(url => (String(url).startsWith(`${foo}://`) ? b : null));
    const h = ma.getLoadHandlers(`${foo}://m`);
    assert.equal(h.length, 2);
    assert.equal(h[0], a);
    assert.equal(h[1], b);
  });

  it('load(): one handler → its artifacts, options reach the router', async () => {
    const foo = scheme('one');
    let seen;
    ma.registerLoadRouter((url, opts) => {
      if (String(url).startsWith(`${foo}://`)) { seen = opts; return {load: async () => ({modelTopology: {one: 1}})}; }
      return null;
    });
    const a = await ma.load(`${foo}://m`, {weightPathPrefix: 'xyz/'});
    assert.deepEqual(a.modelTopology, {one: 1});
    assert.equal(seen?.weightPathPrefix, 'xyz/');
  });

  it('load(): zero handlers → E_NO_HANDLER, two → E_MULTIPLE_HANDLERS', async () => {
    const none = scheme('none');
    await rejectsMa(() => ma.load(`${none}://m`), 'E_NO_HANDLER', [`${none}://m`]);
    const two = scheme('two');
    for (let i = 0; i < 2; i++) {
      ma.registerLoadRouter(url => (String(url).startsWith(`${two}://`) ? new BarHandler() : null));
    }
    const err = await rejectsMa(() => ma.load(`${two}://m`), 'E_MULTIPLE_HANDLERS', [`${two}://m`]);
    assert.ok(/\b2\b/.test(err.message), `message gives the count: ${err.message}`);
  });

  it('load(): a handler without load() → typed error', async () => {
    const foo = scheme('saveonly');
    ma.registerLoadRouter(url => (String(url).startsWith(`${foo}://`) ? new FooHandler() : null));
    await rejectsMa(() => ma.load(`${foo}://m`), ['E_NOT_SUPPORTED', 'E_INVALID_ARGUMENT', 'E_NO_HANDLER']);
  });

  it('save(): one handler → its result; zero → E_NO_HANDLER; two → E_MULTIPLE_HANDLERS', async () => {
    const one = scheme('sone');
    let saved;
    const dateSaved = new Date();
    ma.registerSaveRouter(url => (String(url).startsWith(`${one}://`)
      ? {save: async a => { saved = a; return {modelArtifactsInfo: {dateSaved, modelTopologyType: 'JSON'}}; }}
      : null));
    const artifacts = {modelTopology: {a: 1}, weightSpecs: [], weightData: new ArrayBuffer(0)};
    const r = await ma.save(artifacts, `${one}://m`);
    assert.deepEqual(r.modelArtifactsInfo, {dateSaved, modelTopologyType: 'JSON'});
    assert.deepEqual(saved.modelTopology, {a: 1});
    const none = scheme('snone');
    await rejectsMa(() => ma.save(artifacts, `${none}://m`), 'E_NO_HANDLER', [`${none}://m`]);
    const two = scheme('stwo');
    for (let i = 0; i < 2; i++) {
      ma.registerSaveRouter(url => (String(url).startsWith(`${two}://`) ? new FooHandler() : null));
    }
    await rejectsMa(() => ma.save(artifacts, `${two}://m`), 'E_MULTIPLE_HANDLERS', [`${two}://m`]);
  });
});

// --------------------------------------------------------------- io_utils

describe('io_utils: isHTTPScheme', () => {
  it('matches /^https?:\\/\\// exactly', () => {
    assert.equal(ma.isHTTPScheme('http://a/b'), true);
    assert.equal(ma.isHTTPScheme('https://a/b'), true);
    assert.equal(ma.isHTTPScheme('HTTP://a/b'), false);
    assert.equal(ma.isHTTPScheme('localhost://foo'), false);
    assert.equal(ma.isHTTPScheme('foo:5000/bar'), false);
    assert.equal(ma.isHTTPScheme('file:///a'), false);
    assert.equal(ma.isHTTPScheme(' http://a'), false);
  });
});

describe('edge cases', () => {
  it('isHTTPScheme of a non-string → E_INVALID_ARGUMENT (not a TypeError)', () => {
    throwsMa(() => ma.isHTTPScheme(undefined), 'E_INVALID_ARGUMENT');
    throwsMa(() => ma.isHTTPScheme(42), 'E_INVALID_ARGUMENT');
  });
});
