// The module worker of every bundled app: named imports only.
import { browserIndexedDB, decodeWeights, http } from 'model-artifacts';
import { runChecks, serve } from './checks.js';

serve((url, where) => runChecks({ browserIndexedDB, decodeWeights, http }, url, where));
