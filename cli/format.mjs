// Formatting helpers for the CLI: sizes (parsing and printing), tables,
// one-line error messages.

/** An error the CLI raises itself; printed as `model-artifacts: CODE: message`. */
export class CliError extends Error {
  constructor(code, message, extra = {}) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    Object.assign(this, extra);
  }
}

const UNITS = {
  '': 1, b: 1,
  k: 1024, kib: 1024, kb: 1024,
  m: 1024 ** 2, mib: 1024 ** 2, mb: 1024 ** 2,
  g: 1024 ** 3, gib: 1024 ** 3, gb: 1024 ** 3,
};

/**
 * Parses a byte size: `1048576`, `512KiB`, `4MiB`, `4M`, `4MB`, `1.5GiB`. Every
 * unit is binary: `4MB` is 4194304, the TensorFlow.js converter's "4MB" shards. Throws a CliError
 * (E_INVALID_ARGUMENT) naming `what` otherwise.
 */
export function parseSize(text, what = 'size') {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(String(text));
  const unit = m && UNITS[m[2].toLowerCase()];
  if (!m || unit === undefined) {
    throw new CliError('E_INVALID_ARGUMENT',
      `${what}: cannot read "${text}" as a size (examples: 1048576, 512KiB, 4MiB, 4MB)`);
  }
  const n = Number(m[1]) * unit;
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new CliError('E_INVALID_ARGUMENT', `${what}: "${text}" is not a positive whole number of bytes`);
  }
  return n;
}

/** `135272` -> `132.1 KiB`. */
export function humanBytes(n) {
  if (n == null || !Number.isFinite(n)) return '?';
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}

/** `135272` -> `135,272 bytes (132.1 KiB)`. */
export function exactAndHuman(n) {
  if (n == null) return 'unknown';
  const exact = `${n.toLocaleString('en-US')} bytes`;
  return n < 1024 ? exact : `${exact} (${humanBytes(n)})`;
}

/** Renders rows (arrays of strings) as left-aligned columns; `right` lists right-aligned column indexes. */
export function table(rows, {indent = '  ', right = []} = {}) {
  const widths = [];
  for (const row of rows) row.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, String(c).length); });
  return rows.map(row => indent + row.map((c, i) => {
    const s = String(c);
    if (i === row.length - 1 && !right.includes(i)) return s;
    return right.includes(i) ? s.padStart(widths[i]) : s.padEnd(widths[i]);
  }).join('  ').trimEnd()).join('\n');
}

/** One line: newlines and runs of spaces collapsed. */
export function oneLine(text) {
  return String(text).replace(/\s*\n\s*/g, ' ').trim();
}

export function shapeText(shape) {
  return `[${(shape ?? []).join(',')}]`;
}
