// The error codes live in one place, the `Code` enum in src/format/error.rs.
// index.d.ts's `ErrorCode` and the README's table must list exactly its
// codes, so a code added, renamed or dropped in one of them fails here.
import {describe, it} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync} from 'node:fs';

const root = new URL('../../', import.meta.url);
const read = (path) => readFileSync(new URL(path, root), 'utf8');

function rustCodes() {
  const block = read('src/format/error.rs').match(/^codes! \{\n([\s\S]*?)\n\}/m);
  assert.ok(block, 'src/format/error.rs has a codes! { ... } block');
  return [...block[1].matchAll(/^\s*[A-Z]\w* = "(E_[A-Z0-9_]+)",$/gm)].map((m) => m[1]);
}

function typeCodes() {
  const union = read('index.d.ts').match(/export type ErrorCode =([^;]*);/);
  assert.ok(union, 'index.d.ts declares ErrorCode');
  return [...union[1].matchAll(/'(E_[A-Z0-9_]+)'/g)].map((m) => m[1]);
}

function readmeCodes() {
  return [...read('README.md').matchAll(/^\| `(E_[A-Z0-9_]+)` \|/gm)].map((m) => m[1]);
}

describe('error codes: one list', () => {
  const codes = rustCodes();

  it('the Rust enum has codes and no duplicates', () => {
    assert.ok(codes.length >= 30, `found ${codes.length}`);
    assert.equal(new Set(codes).size, codes.length);
  });

  it("index.d.ts's ErrorCode is exactly the enum", () => {
    assert.deepEqual([...typeCodes()].sort(), [...codes].sort());
  });

  it("the README's table is exactly the enum", () => {
    assert.deepEqual([...readmeCodes()].sort(), [...codes].sort());
  });

  it('every code the JS files throw is in the enum', () => {
    // The CLI's report-only codes are not ModelArtifactsError codes.
    const reportOnly = new Set(['E_NON_FINITE', 'E_INTERNAL', 'E_CODE']);
    for (const file of ['node-fs.js', 'src/start.js', 'index.node.js', 'index.browser.js', 'init.browser.js']) {
      for (const [, code] of read(file).matchAll(/['"](E_[A-Z0-9_]+)['"]/g)) {
        if (!reportOnly.has(code)) assert.ok(codes.includes(code), `${file} throws ${code}, which src/format/error.rs lacks`);
      }
    }
  });
});
