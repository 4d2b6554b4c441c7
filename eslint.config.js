// ESLint (flat config) for the package's JavaScript: entry files, the wasm
// glue and start-up, the CLI, the demo page, scripts, tests and benches.
// `npm run lint`; scripts/test.sh runs it. Errors only: the recommended
// rules, which find mistakes (unused and undefined names, unreachable code),
// not style.
import js from '@eslint/js';
import globals from 'globals';

// Code that runs in Node but hands functions to a browser page
// (page.evaluate(() => window...), callInPage): both sets of globals.
const nodeAndPage = {...globals.node, ...globals.browser};

export default [
  {
    ignores: [
      'target/', 'pkg/', 'pkg-node/', 'fuzz/', 'test-results/', '**/node_modules/',
      'tests/bundlers/.consumer-*/',
    ],
  },
  js.configs.recommended,
  {
    languageOptions: {ecmaVersion: 'latest', sourceType: 'module'},
    linterOptions: {reportUnusedDisableDirectives: 'error'},
    rules: {
      // `catch {}` and `catch (e) {}` that ignore on purpose are common here.
      'no-empty': ['error', {allowEmptyCatch: true}],
      'no-unused-vars': ['error', {caughtErrors: 'none', ignoreRestSiblings: true}],
    },
  },
  // Node: the Node entry and its file-system port, the CLI, scripts.
  {
    files: ['index.node.js', 'node-fs.js', 'bin/**', 'cli/**', 'scripts/**', 'examples/**/vite.config.js'],
    languageOptions: {globals: globals.node},
  },
  // Browsers (and bundlers' targets): the browser entries, the demo page, the example app.
  {
    files: ['index.browser.js', 'init.browser.js', 'www/**', 'examples/**/main.js'],
    languageOptions: {globals: globals.browser},
  },
  // The wasm glue and start-up go into both builds (pkg/ and pkg-node/).
  {
    files: ['src/*.js'],
    languageOptions: {globals: {...globals.browser, ...globals.node}},
  },
  // Tests and benches: Node, with page functions inside.
  {
    files: ['tests/**', 'bench/**'],
    languageOptions: {globals: nodeAndPage},
  },
  // Page-side modules of the browser suites and the bundler apps.
  {
    files: ['tests/js/support/browser-*.mjs', 'tests/js/support/page-helpers.mjs', 'tests/bundlers/app/**'],
    languageOptions: {globals: globals.browser},
  },
  {
    files: ['tests/js/support/*-worker.mjs', 'tests/bundlers/app/*worker.js'],
    languageOptions: {globals: {...globals.browser, ...globals.worker, ...globals.sharedWorker}},
  },
];
