// A byte progress bar on stderr, only when stderr is a terminal.
import {humanBytes} from './format.mjs';

/**
 * Returns {onProgress, done()}. `onProgress` is undefined when disabled, so
 * nothing at all is written (pipes, --quiet, --json).
 */
export function progressBar(label, {enabled = process.stderr.isTTY === true, stream = process.stderr} = {}) {
  if (!enabled) return {onProgress: undefined, done() {}};
  const start = performance.now();
  let lastDraw = 0;
  let drawn = false;
  const draw = (fraction, details) => {
    const now = performance.now();
    if (fraction < 1 && now - lastDraw < 100) return;
    lastDraw = now;
    const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
    const loaded = details?.loadedBytes ?? 0;
    const total = details?.totalBytes ?? 0;
    const secs = (now - start) / 1000;
    const rate = secs > 0.05 ? `${humanBytes(Math.round(loaded / secs))}/s` : '';
    const bytes = total > 0 ? `${humanBytes(loaded)} / ${humanBytes(total)}` : humanBytes(loaded);
    const tail = ` ${(f * 100).toFixed(0).padStart(3)}%  ${bytes}  ${rate}`;
    const cols = stream.columns || 80;
    const barWidth = Math.max(10, Math.min(30, cols - label.length - 52));
    const full = Math.round(f * barWidth);
    const line = `${label} [${'#'.repeat(full)}${'.'.repeat(barWidth - full)}]${tail}`;
    stream.write(`\r${line.slice(0, cols - 1)}\x1b[K`);
    drawn = true;
  };
  return {
    onProgress: draw,
    done() { if (drawn) stream.write('\r\x1b[K'); drawn = false; },
  };
}
