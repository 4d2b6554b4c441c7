// The page of every bundled app: named imports only.
import { browserIndexedDB, decodeWeights, http } from 'model-artifacts';
import { report, runChecks } from './checks.js';

report((url, where) => runChecks({ browserIndexedDB, decodeWeights, http }, url, where),
  new Worker(new URL('./worker.js', import.meta.url), { type: 'module' }));
