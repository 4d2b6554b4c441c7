// The file-system port of the `file://` handler: the few Node primitives the
// Rust side needs, nothing more. It lives in JS (imported only by the Node
// entry) so that the one wasm build stays loadable in browsers, where
// `node:fs` does not exist; all decisions (paths, checks, the atomic save
// protocol) are made in Rust (src/handlers/node_fs.rs).
import { open, mkdir, rename, rm, readdir, rmdir, stat, lstat, realpath, unlink } from 'node:fs/promises';
import { constants } from 'node:fs';
import { resolve, dirname, basename, join, sep } from 'node:path';
import { randomBytes } from 'node:crypto';

/** What a Stats describes, as one word. */
function kindOf(s) {
  if (s.isFile()) return 'file';
  if (s.isDirectory()) return 'dir';
  if (s.isSymbolicLink()) return 'symlink';
  if (s.isFIFO()) return 'FIFO';
  if (s.isSocket()) return 'socket';
  if (s.isCharacterDevice()) return 'character device';
  if (s.isBlockDevice()) return 'block device';
  return 'special file';
}

function described(s) {
  return { kind: kindOf(s), file: s.isFile(), dir: s.isDirectory(), size: s.size, mtimeMs: s.mtimeMs };
}

/** Opens a regular file for reading. O_NONBLOCK so that a FIFO swapped in
 * after the caller's stat cannot block the open; the handle's own stat
 * then refuses anything that is not a regular file, and a size other than
 * the one the caller checked (`size`, when given). */
async function openRegular(p, size) {
  const handle = await open(p, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const s = await handle.stat();
    if (!s.isFile()) {
      throw Object.assign(new Error(`${p} is a ${kindOf(s)}, not a regular file`), { code: 'ENOTREG', path: p });
    }
    if (size !== undefined && s.size !== size) {
      throw Object.assign(new Error(`${p} changed size while being read (${size} bytes, then ${s.size})`), { code: 'ECHANGED', path: p });
    }
    return { handle, size: s.size };
  } catch (e) {
    await handle.close();
    throw e;
  }
}

export const nodeFsPort = {
  resolve: (p) => resolve(p),
  dirname: (p) => dirname(p),
  basename: (p) => basename(p),
  join: (a, b) => join(a, b),
  sep,
  randomSuffix: () => randomBytes(6).toString('hex'),
  pid: () => process.pid,
  /** Whether process `pid` is running on this machine. */
  alive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return e.code === 'EPERM';
    }
  },

  /** {kind, file, dir, size, mtimeMs} of what `p` names
   * (following symlinks), or null when nothing is there. */
  async stat(p) {
    try {
      return described(await stat(p));
    } catch (e) {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR' || e.code === 'ELOOP') return null;
      throw e;
    }
  },

  /** The same for `p` itself (a symlink is 'symlink'). */
  async lstat(p) {
    try {
      return described(await lstat(p));
    } catch (e) {
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
      throw e;
    }
  },

  /** `p` with every symlink resolved. Where the end of the path does not
   * exist yet, its nearest existing ancestor is resolved and the rest
   * appended, so a save target has a real location too. */
  async realpath(p) {
    const missing = [];
    for (let at = resolve(p); ; at = dirname(at)) {
      try {
        return join(await realpath(at), ...missing.reverse());
      } catch (e) {
        if (e.code !== 'ENOENT' && e.code !== 'ENOTDIR') throw e;
        if (dirname(at) === at) return resolve(p);
        missing.push(basename(at));
      }
    }
  },

  /** A regular file's text; refuses one over `maxBytes`. */
  async readText(p, maxBytes) {
    const { handle, size } = await openRegular(p);
    try {
      if (size > maxBytes) {
        throw Object.assign(new Error(`${p} is ${size} bytes, over the ${maxBytes}-byte limit`), { code: 'ETOOBIG', path: p, size });
      }
      return await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  },

  /** A regular file of `size` bytes (as its stat said) as ArrayBuffers of
   * at most `maxPiece` bytes each (no 2 GiB readFile limit). */
  async readPieces(p, maxPiece, size) {
    const opened = await openRegular(p, size);
    const handle = opened.handle;
    size = opened.size;
    try {
      // One read() per piece, into a buffer that is not zero-filled (every
      // byte is read, or it throws): handle.readFile() reads in 512 KiB
      // steps, each a trip through the thread pool, and is slower.
      const pieces = [];
      for (let at = 0; at < size || (at === 0 && pieces.length === 0); at += maxPiece) {
        const piece = Buffer.allocUnsafeSlow(Math.min(maxPiece, size - at));
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
      // A file that grew after its stat fails, as it would through readFile.
      if ((await handle.read(Buffer.alloc(1), 0, 1, size)).bytesRead > 0) {
        throw Object.assign(new Error(`${p} changed size while being read`), { code: 'ECHANGED', path: p });
      }
      return pieces;
    } finally {
      await handle.close();
    }
  },

  /** Up to `length` bytes at `offset` of a regular file (fewer at its end). */
  async readRange(p, offset, length) {
    const { handle } = await openRegular(p);
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

  /** Writes `parts` (strings or byte views) in order into a new file (or at
   * the end of it, with `append`), and flushes it to disk before returning. */
  async writeFile(p, parts, append) {
    const handle = await open(p, append ? 'a' : 'w');
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
