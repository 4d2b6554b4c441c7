// The TypeScript declarations compile in strict mode against real usage
// (tests/types/usage.ts), and reject wrong usage (its @ts-expect-error lines).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** tsc's output for a project under tests/types/ ('' when it compiles). */
function tsc(tsconfig) {
  const bin = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
  const project = fileURLToPath(new URL(`../types/${tsconfig}`, import.meta.url));
  try {
    return execFileSync(process.execPath, [bin, '-p', project], { encoding: 'utf8' }).trim();
  } catch (err) {
    assert.fail(`tsc -p ${tsconfig} reported errors:\n${err.stdout}${err.stderr}`);
  }
}

test('index.d.ts compiles with tsc --strict against tests/types/usage.ts', () => {
  assert.equal(tsc('tsconfig.json'), '');
});

test('index.d.ts compiles in a Node-only project (no dom lib, @types/node, skipLibCheck off)', () => {
  assert.equal(tsc('tsconfig.node.json'), '');
});

test('both entry files export exactly the values index.d.ts declares (no internal classes)', async () => {
  const read = (f) => readFileSync(fileURLToPath(new URL(`../../${f}`, import.meta.url)), 'utf8');
  const declared = [...read('index.d.ts').matchAll(/^export (?:declare )?(?:function|const|class|let) (\w+)/gm)]
    .map((m) => m[1]);
  const wanted = [...new Set(declared)].sort();
  const node = Object.keys(await import('model-artifacts')).sort();
  assert.deepEqual(node, wanted);
  // The browser entries need a browser to run; their export lists are read
  // instead: init.browser.js names the API, index.browser.js re-exports it.
  const browserText = read('init.browser.js');
  const listed = [...browserText.matchAll(/export \{([^}]*)\} from/g)].flatMap((m) => m[1].split(',').map((s) => s.trim()).filter(Boolean));
  assert.deepEqual(listed.sort(), wanted);
  assert.match(read('index.browser.js'), /^export \* from '\.\/init\.browser\.js';$/m);
  assert.equal([...read('index.browser.js').matchAll(/^export /gm)].length, 1, 'index.browser.js exports only what init.browser.js does');
});
