// browserOPFS / opfs:// in Node, which has no origin private file system:
// typed errors, no opfs:// handler, and listModels lists the other stores.
// The store itself is tested in the browsers (opfs-browser.test.mjs).
import 'fake-indexeddb/auto';
import {describe, it} from 'node:test';
import assert from 'node:assert/strict';
import * as ma from 'model-artifacts';
import {rejectsMa} from './support/common.mjs';

const artifacts = () => ({modelTopology: {}, weightSpecs: [], weightData: new ArrayBuffer(0)});

describe('OPFS in Node', () => {
  it('browserOPFS: save and load are E_NOT_SUPPORTED naming the origin private file system', async () => {
    await rejectsMa(() => ma.browserOPFS('m').save(artifacts()), 'E_NOT_SUPPORTED', ['origin private file system']);
    await rejectsMa(() => ma.browserOPFS('opfs://m').load(), 'E_NOT_SUPPORTED', ['origin private file system']);
  });

  it('an empty path is E_INVALID_ARGUMENT; opfs:// URLs have no handler; listModels lists the rest', async () => {
    assert.throws(() => ma.browserOPFS(''), {code: 'E_INVALID_ARGUMENT'});
    assert.deepEqual(ma.getLoadHandlers('opfs://m'), []);
    await rejectsMa(() => ma.load('opfs://m'), 'E_NO_HANDLER');
    await ma.save(artifacts(), 'indexeddb://opfs-node/m');
    assert.ok('indexeddb://opfs-node/m' in await ma.listModels());
  });
});
