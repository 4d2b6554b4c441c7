// The TypeScript declarations compile in strict mode against real usage
// (tests/types/usage.ts), and reject wrong usage (its @ts-expect-error lines).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

test('index.d.ts compiles with tsc --strict against tests/types/usage.ts', () => {
  const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
  const project = fileURLToPath(new URL('../types/tsconfig.json', import.meta.url));
  let output = '';
  try {
    output = execFileSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
  } catch (err) {
    output = `${err.stdout}${err.stderr}`;
    assert.fail(`tsc reported errors:\n${output}`);
  }
  assert.equal(output.trim(), '');
});

test('both entry files export exactly the values index.d.ts declares (no internal classes)', async () => {
  const read = (f) => readFileSync(fileURLToPath(new URL(`../../${f}`, import.meta.url)), 'utf8');
  const declared = [...read('index.d.ts').matchAll(/^export (?:declare )?(?:function|const|class|let) (\w+)/gm)]
    .map((m) => m[1]);
  const wanted = [...new Set(declared)].sort();
  const node = Object.keys(await import('model-artifacts')).sort();
  assert.deepEqual(node, wanted);
  // The browser entry needs a browser to run; its export list is read instead.
  const browserText = read('index.browser.js');
  const listed = [...browserText.matchAll(/export \{([^}]*)\} from/g)].flatMap((m) => m[1].split(',').map((s) => s.trim()).filter(Boolean));
  const consts = [...browserText.matchAll(/^export const (\w+)/gm)].map((m) => m[1]);
  assert.deepEqual([...listed, ...consts].sort(), wanted);
});
