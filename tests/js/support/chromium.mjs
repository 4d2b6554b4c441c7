// The flags headless Chromium needs on this machine (Debian's chromium,
// driven by playwright-core; see support/engines.mjs, the bundler layer and
// the demo test).

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
