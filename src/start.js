// The wasm start-up, shared by the entry files. scripts/build.sh copies this
// file into pkg/ and pkg-node/ beside wasm-bindgen's glue and fills in the
// glue snippet's hashed folder (@GLUE_SNIPPET@), so the error class is
// there before the wasm is, and `new URL(…, import.meta.url)` below names
// the same file as the glue's own default: bundlers that follow it emit one
// wasm, and those that do not (esbuild, Rollup) look for it beside the bundle.
import startWasm from './model_artifacts.js';
import { ModelArtifactsError } from '@GLUE_SNIPPET@';

export { ModelArtifactsError };

/** The file this build instantiates when `init` is given nothing. */
export const defaultWasmUrl = () => new URL('model_artifacts_bg.wasm', import.meta.url);

let startup; // the start-up under way or done; a failure clears it, so a new call tries again

/**
 * Instantiates the wasm from a URL (string, URL or Request), a Response, its
 * bytes or a WebAssembly.Module (or a promise of one), by default the file
 * beside this module. Calls share the first start-up until it fails. Every
 * failure is an `E_WASM_INIT` ModelArtifactsError naming the source.
 */
export function init(wasm) {
  if (!startup) {
    startup = start(wasm);
    startup.catch(() => { startup = undefined; });
  }
  return startup;
}

async function start(wasm) {
  let url;
  try {
    let source = await (wasm ?? defaultWasmUrl());
    url = urlOf(source);
    if (url !== undefined && !(source instanceof Response)) source = await fetch(source);
    if (source instanceof Response && !source.ok) {
      throw wasmStartError(url, `HTTP ${source.status}`, {status: source.status});
    }
    await startWasm({ module_or_path: source });
  } catch (cause) {
    if (cause instanceof ModelArtifactsError) throw cause;
    throw wasmStartError(url, String(cause?.message ?? cause), {cause});
  }
}

const SERVE_HINT = "Serve the package's pkg/model_artifacts_bg.wasm at that URL, or hand it over with " +
  "init(urlOrBytesOrModule) from 'model-artifacts/init' (README: \"Bundlers and hosts\")";

/** The E_WASM_INIT error for a start-up from `url` (undefined: bytes or a module were given). */
export function wasmStartError(url, reason, {cause, status, hint = SERVE_HINT} = {}) {
  const from = url ?? 'the given WebAssembly bytes or module';
  return new ModelArtifactsError('E_WASM_INIT',
    `could not start the model-artifacts WebAssembly module from ${from}: ${reason}. ${hint}`,
    undefined, url, status, undefined, cause);
}

/** The absolute URL a source names, if it names one. */
function urlOf(source) {
  if (typeof Request === 'function' && source instanceof Request) return source.url;
  if (typeof Response === 'function' && source instanceof Response) return source.url || undefined;
  if (typeof source !== 'string' && !(source instanceof URL)) return undefined;
  try {
    return new URL(source, globalThis.location?.href).href;
  } catch {
    return String(source);
  }
}
