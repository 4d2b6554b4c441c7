// The TypeScript declarations compile in strict mode against real usage
// (tests/types/usage.ts), and reject wrong usage (its @ts-expect-error lines).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
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
