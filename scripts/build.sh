#!/usr/bin/env bash
# Build the npm package's pkg/: cargo (release, wasm32) -> wasm-bindgen (web
# target) -> wasm-opt -O. Pass --no-setup to skip scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" != "--no-setup" ]; then
  bash scripts/setup.sh
fi

cargo build --locked --release --target wasm32-unknown-unknown

rm -rf pkg
wasm-bindgen --target web --weak-refs --remove-name-section --remove-producers-section \
  --out-dir pkg target/wasm32-unknown-unknown/release/model_artifacts.wasm

# The crate is compiled with +simd128 (.cargo/config.toml); rustc 1.95 also emits
# bulk memory, sign-ext, mutable globals, nontrapping float-to-int, multivalue,
# reference types and overlong call_indirect. Name them all (the same set
# wasm-opt detects from the target_features section), so nothing is lowered
# or rejected.
node_modules/.bin/wasm-opt -O \
  --enable-simd --enable-bulk-memory --enable-bulk-memory-opt --enable-sign-ext \
  --enable-mutable-globals --enable-nontrapping-float-to-int --enable-multivalue \
  --enable-reference-types --enable-call-indirect-overlong \
  pkg/model_artifacts_bg.wasm -o pkg/model_artifacts_bg.opt.wasm
mv pkg/model_artifacts_bg.opt.wasm pkg/model_artifacts_bg.wasm

# The optimised module must still instantiate and expose the error class.
node --input-type=module -e "
  const m = await import('./index.node.js');
  if (typeof m.ModelArtifactsError !== 'function') throw new Error('ModelArtifactsError is not exported');
" || { echo "build: the optimised pkg/ does not load in Node" >&2; exit 1; }

raw=$(wc -c < pkg/model_artifacts_bg.wasm)
gz=$(gzip -9 -c pkg/model_artifacts_bg.wasm | wc -c)
echo "build: pkg/model_artifacts_bg.wasm $raw bytes, $gz bytes gzipped ($((gz / 1024)) KiB; budget 150 KiB)"
if [ "$gz" -gt $((150 * 1024)) ]; then
  echo "build: WARNING: gzipped wasm is over the 150 KiB budget" >&2
fi
