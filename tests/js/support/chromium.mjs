// Headless Chromium for the browser tests: Debian's chromium driven by
// playwright-core (no browser download), with the flags this machine needs.
import {chromium} from 'playwright-core';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

/**
 * Launches Chromium on `${serverUrl}/test.html` (the static server's page
 * with the package's import map) and waits for it to be ready. Page errors,
 * console errors and failed requests go into the given arrays.
 * net::ERR_ABORTED is not counted: Chromium reports it for bodies that
 * decodeWeightsStream cancels once it has the last weight's bytes, and
 * sometimes for a shard fetch the http loader read to the end (its bytes
 * verify; cause not pinned down).
 */
export async function openTestPage(serverUrl, {pageErrors, consoleErrors, failedRequests}) {
  const browser = await chromium.launch({executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS});
  const page = await browser.newPage();
  page.on('pageerror', e => pageErrors.push(String(e)));
  page.on('console', m => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  page.on('requestfailed', r => {
    if (r.failure()?.errorText !== 'net::ERR_ABORTED') failedRequests.push(`${r.url()}: ${r.failure()?.errorText}`);
  });
  page.on('response', r => { if (r.status() >= 400) failedRequests.push(`${r.url()}: HTTP ${r.status()}`); });
  await page.goto(`${serverUrl}/test.html`);
  await page.waitForFunction(() => window.__ready === true, null, {timeout: 30_000});
  return {browser, page};
}

/** Calls export `fn` of the page-side support module `modulePath` in `page`,
 * with the package as its first argument; resolves to what it returns. */
export function callInPage(page, modulePath, fn, ...args) {
  return page.evaluate(async ([modulePath, fn, args]) => {
    const m = await import(modulePath);
    const ma = await import('model-artifacts');
    return m[fn](ma, ...args);
  }, [modulePath, fn, args]);
}
