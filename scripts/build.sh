#!/usr/bin/env bash
# Build the npm package's wasm: cargo (release, wasm32) -> wasm-bindgen (web
# target) -> wasm-opt -O, twice from the one crate:
#   pkg/       the browser build (what pages download; size budget 150 KiB gz)
#   pkg-node/  the Node build, with the `node` feature (fileSystem, file://)
# Pass --no-setup to skip scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" != "--no-setup" ]; then
  bash scripts/setup.sh
fi

# The crate is compiled with +simd128 (.cargo/config.toml); rustc 1.95 also emits
# bulk memory, sign-ext, mutable globals, nontrapping float-to-int, multivalue,
# reference types and overlong call_indirect. Name them all (the same set
# wasm-opt detects from the target_features section), so nothing is lowered
# or rejected.
WASM_FEATURES="--enable-simd --enable-bulk-memory --enable-bulk-memory-opt --enable-sign-ext
  --enable-mutable-globals --enable-nontrapping-float-to-int --enable-multivalue
  --enable-reference-types --enable-call-indirect-overlong"

# Panics as bare traps: the standard library rebuilt (rust-src, from
# scripts/setup.sh) with panic=immediate-abort, so no panic site formats a
# message or keeps its location. 11.5 KB less gzipped browser wasm (160,684
# -> 149,135 B, browserOPFS included; rebuilding std alone saved 170 B), and
# no decode slower (bench s and h within noise). The cost: a
# panic, which is a bug (every bad input is a typed error), shows as
# "RuntimeError: unreachable" without the hook's message in src/bindings/mod.rs
# (cargo test and MA_PANIC_MESSAGES=1 builds keep it). These are unstable
# flags, which RUSTC_BOOTSTRAP=1 allows on the stable toolchain; RUSTFLAGS
# replaces .cargo/config.toml's, hence +simd128 again.
size_flags=(-Zbuild-std=std,panic_abort)
size_rustflags="-C target-feature=+simd128 -Zunstable-options -Cpanic=immediate-abort"
if [ "${MA_PANIC_MESSAGES:-}" = 1 ]; then
  size_flags=()
  size_rustflags="-C target-feature=+simd128"
fi

# build OUT_DIR TARGET_DIR [cargo feature args...]
build() {
  local out=$1 target=$2
  shift 2
  RUSTC_BOOTSTRAP=1 RUSTFLAGS="$size_rustflags" CARGO_TARGET_DIR=$target \
    cargo build --locked --release --target wasm32-unknown-unknown ${size_flags[@]+"${size_flags[@]}"} "$@"
  rm -rf "$out"
  wasm-bindgen --target web --weak-refs --remove-name-section --remove-producers-section \
    --out-dir "$out" "$target/wasm32-unknown-unknown/release/model_artifacts.wasm"
  # shellcheck disable=SC2086
  node_modules/.bin/wasm-opt -O $WASM_FEATURES "$out/model_artifacts_bg.wasm" -o "$out/model_artifacts_bg.opt.wasm"
  mv "$out/model_artifacts_bg.opt.wasm" "$out/model_artifacts_bg.wasm"
  # The start-up (src/start.js) beside the glue, pointed at the glue snippet
  # that holds the error class (its folder name is a hash wasm-bindgen picks).
  local glue
  glue=$(cd "$out" && echo snippets/*/src/glue.js)
  [ -f "$out/$glue" ] || { echo "build: expected one glue snippet in $out/snippets, found: $glue" >&2; exit 1; }
  sed "s#@GLUE_SNIPPET@#./$glue#" src/start.js > "$out/start.js"
  local raw gz
  raw=$(wc -c < "$out/model_artifacts_bg.wasm")
  gz=$(gzip -9 -c "$out/model_artifacts_bg.wasm" | wc -c)
  echo "build: $out/model_artifacts_bg.wasm $raw bytes, $gz bytes gzipped ($((gz / 1024)) KiB)"
}

build pkg target
# A separate target dir: switching features would otherwise rebuild each time.
build pkg-node target/node --features node

gz=$(gzip -9 -c pkg/model_artifacts_bg.wasm | wc -c)
if [ "$gz" -gt $((150 * 1024)) ]; then
  echo "build: WARNING: the browser wasm is over its 150 KiB gzipped budget" >&2
fi

# The optimised modules must still instantiate and expose the error class.
node --input-type=module -e "
  const m = await import('./index.node.js');
  if (typeof m.ModelArtifactsError !== 'function') throw new Error('ModelArtifactsError is not exported');
  if (typeof m.fileSystem !== 'function') throw new Error('fileSystem is not exported in Node');
  await m.init();
" || { echo "build: the optimised pkg-node/ does not load in Node" >&2; exit 1; }
