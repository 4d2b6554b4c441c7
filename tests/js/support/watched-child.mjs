// Runs a Node child process with its memory watched from outside: the
// parent samples the child's resident set (VmRSS in /proc) every few
// milliseconds and SIGKILLs it the moment it passes `rssLimitBytes`, or
// when `timeoutMs` runs out. So a load that grows without bound fails its
// test (`killed: 'rss'`) instead of taking the machine down. Linux only.
import fs from 'node:fs';
import {spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

/** The resident set of process `pid` in bytes (0 once it is gone). */
function rssOf(pid) {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Runs `node [--max-old-space-size=heapMiB] script ...args` (cwd = the
 * repository) and resolves to {result (the last stdout line as JSON, or
 * null), peakRss, killed: null | 'rss' | 'timeout', stderr}.
 */
export function runWatched(script, args, {rssLimitBytes, timeoutMs = 60_000, heapMiB = 128, everyMs = 10} = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`--max-old-space-size=${heapMiB}`, script, ...args],
      {cwd: REPO, stdio: ['ignore', 'pipe', 'pipe']});
    let out = '';
    let err = '';
    let peakRss = 0;
    let killed = null;
    child.stdout.on('data', d => { out += d; });
    child.stderr.on('data', d => { err += d; });
    const kill = why => { if (!killed) { killed = why; child.kill('SIGKILL'); } };
    const sampler = setInterval(() => {
      const rss = rssOf(child.pid);
      peakRss = Math.max(peakRss, rss);
      if (rss > rssLimitBytes) kill('rss');
    }, everyMs);
    const timer = setTimeout(() => kill('timeout'), timeoutMs);
    child.on('error', e => { clearInterval(sampler); clearTimeout(timer); reject(e); });
    child.on('close', () => {
      clearInterval(sampler);
      clearTimeout(timer);
      const last = out.trim().split('\n').at(-1);
      let result = null;
      try { result = last ? JSON.parse(last) : null; } catch { /* not JSON: killed mid-line */ }
      resolve({result, peakRss, killed, stderr: err});
    });
  });
}
