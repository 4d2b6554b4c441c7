// The file-system port of the `file://` handler: the few Node primitives the
// Rust side needs, nothing more. It lives in JS (imported only by the Node
// entry) so that the one wasm build stays loadable in browsers, where
// `node:fs` does not exist; all decisions (paths, checks, the atomic save
// protocol) are made in Rust (src/handlers/node_fs.rs).
import { open, readFile, mkdir, rename, rm, readdir, rmdir, stat, unlink } from 'node:fs/promises';
import { resolve, dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const nodeFsPort = {
  resolve: (p) => resolve(p),
  dirname: (p) => dirname(p),
  basename: (p) => basename(p),
  join: (a, b) => join(a, b),
  randomSuffix: () => randomBytes(6).toString('hex'),

  /** {file, dir, size, mtimeMs} or null when nothing is there. */
  async stat(p) {
    try {
      const s = await stat(p);
      return { file: s.isFile(), dir: s.isDirectory(), size: s.size, mtimeMs: s.mtimeMs };
    } catch (e) {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
      throw e;
    }
  },

  readText: (p) => readFile(p, 'utf8'),

  /** The whole file as ArrayBuffers of at most `maxPiece` bytes each (no
   * 2 GiB readFile limit). */
  async readPieces(p, maxPiece) {
    try {
      // The common case: Node's readFile, into a buffer of its own.
      const bytes = await readFile(p);
      if (bytes.byteLength <= maxPiece) {
        const exact = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
        return [exact ? bytes.buffer : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)];
      }
    } catch (e) {
      if (e.code !== 'ERR_FS_FILE_TOO_LARGE') throw e;
    }
    // Over 2 GiB (readFile's limit) or over maxPiece: read it in pieces.
    const handle = await open(p, 'r');
    try {
      const { size } = await handle.stat();
      const pieces = [];
      for (let at = 0; at < size || (at === 0 && pieces.length === 0); at += maxPiece) {
        const piece = new Uint8Array(Math.min(maxPiece, size - at));
        let filled = 0;
        while (filled < piece.length) {
          const { bytesRead } = await handle.read(piece, filled, piece.length - filled, at + filled);
          if (bytesRead === 0) break;
          filled += bytesRead;
        }
        if (filled < piece.length) {
          throw Object.assign(new Error(`${p} shrank while being read`), { code: 'ESHRUNK' });
        }
        pieces.push(piece.buffer);
        if (size === 0) break;
      }
      return pieces;
    } finally {
      await handle.close();
    }
  },

  /** Up to `length` bytes at `offset` (fewer at the end of the file). */
  async readRange(p, offset, length) {
    const handle = await open(p, 'r');
    try {
      const out = new Uint8Array(length);
      const { bytesRead } = await handle.read(out, 0, length, offset);
      return out.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  },

  /** mkdir -p, one level at a time: Node's `recursive: true` loops forever
   * where mkdir answers ENOENT under an existing parent (e.g. /proc). */
  async mkdirp(p) {
    const missing = [];
    for (let dir = resolve(p); ; dir = dirname(dir)) {
      const s = await nodeFsPort.stat(dir);
      if (s) {
        if (!s.dir) throw Object.assign(new Error(`${dir} is not a folder`), { code: 'ENOTDIR', path: dir });
        break;
      }
      missing.push(dir);
      if (dirname(dir) === dir) break;
    }
    for (const dir of missing.reverse()) {
      try {
        await mkdir(dir);
      } catch (e) {
        if (e.code !== 'EEXIST') throw e;
      }
    }
  },

  /** Writes `parts` (strings or byte views) in order into a new file, and
   * flushes it to disk before returning. */
  async writeFile(p, parts) {
    const handle = await open(p, 'w');
    try {
      for (const part of parts) {
        const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
        let written = 0;
        while (written < bytes.byteLength) {
          const { bytesWritten } = await handle.write(bytes, written, bytes.byteLength - written);
          written += bytesWritten;
        }
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
  },

  rename: (a, b) => rename(a, b),
  removeTree: (p) => rm(p, { recursive: true, force: true }),
  removeFile: (p) => unlink(p),

  async removeDirIfEmpty(p) {
    try {
      await rmdir(p);
    } catch (e) {
      if (e.code !== 'ENOTEMPTY' && e.code !== 'EEXIST' && e.code !== 'ENOENT') throw e;
    }
  },

  /** [{name, dir}] of a folder's entries. */
  async list(p) {
    const entries = await readdir(p, { withFileTypes: true });
    return entries.map((e) => ({ name: e.name, dir: e.isDirectory() }));
  },
};
