#!/usr/bin/env bash
# Install everything needed to build and test model-artifacts.
# Idempotent: ~0.5 s when everything is present, a few minutes on a new machine.
# Never downloads a browser: Chromium and ChromeDriver come from Debian.
set -euo pipefail
cd "$(dirname "$0")/.."

# 1. Rust target for WebAssembly.
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
# 1b. rustfmt and clippy, which npm test runs; rust-src, for the standard
#     library scripts/build.sh rebuilds.
for component in rustfmt clippy rust-src; do
  if ! rustup component list --installed | grep -q "^$component"; then
    rustup component add "$component"
  fi
done

# 2. wasm-bindgen CLI (+ wasm-bindgen-test-runner): exactly the version of the
#    wasm-bindgen crate in Cargo.lock, compiled from crates.io into ~/.cargo/bin.
WBG_VERSION=$(sed -n '/^name = "wasm-bindgen"$/{n;s/^version = "\(.*\)"$/\1/p;}' Cargo.lock)
if [ -z "$WBG_VERSION" ]; then
  echo "setup: cannot find the wasm-bindgen version in Cargo.lock" >&2
  exit 1
fi
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WBG_VERSION" ]; then
  # --locked can fail when the registry lacks a locked dependency: fall back.
  cargo install wasm-bindgen-cli --version "$WBG_VERSION" --locked \
    || cargo install wasm-bindgen-cli --version "$WBG_VERSION"
fi

# 2b. geckodriver, for the wasm-bindgen tests in Firefox ESR: compiled from
#     crates.io into ~/.cargo/bin (about 150 s on 2 cores, once).
GECKODRIVER_VERSION=0.37.1
if [ "$(geckodriver --version 2>/dev/null | head -1 | cut -d' ' -f2)" != "$GECKODRIVER_VERSION" ]; then
  cargo install geckodriver --version "$GECKODRIVER_VERSION" --locked
fi

# 3. Headless Chromium + matching ChromeDriver from Debian (only as root).
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver
  else
    echo "setup: chromium/chromedriver missing; install them as root:" >&2
    echo "  apt-get install --no-install-recommends chromium chromium-driver" >&2
  fi
fi

# 3b. The other two browser engines of the JS suites (tests/js/support/engines.mjs),
#     also from Debian: Firefox ESR (driven by puppeteer-core over WebDriver BiDi)
#     and WebKitGTK (WebKitWebDriver driving MiniBrowser, under Xvfb).
if ! command -v firefox-esr >/dev/null || ! command -v WebKitWebDriver >/dev/null \
  || ! command -v Xvfb >/dev/null || ! command -v xauth >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      firefox-esr webkit2gtk-driver xvfb xauth
  else
    echo "setup: firefox-esr/WebKitWebDriver/Xvfb missing; install them as root:" >&2
    echo "  apt-get install --no-install-recommends firefox-esr webkit2gtk-driver xvfb xauth" >&2
  fi
fi

# 4. npm devDependencies (binaryen's wasm-opt, fake-indexeddb, playwright-core,
#    puppeteer-core (never downloads a browser), TensorFlow.js for the comparison tests and benchmarks,
#    ESLint for `npm run lint`).
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi

echo "setup: $(rustc --version | cut -d' ' -f1-2); $(wasm-bindgen --version);" \
  "$(chromedriver --version 2>/dev/null | cut -d' ' -f1-2 || echo 'no chromedriver');" \
  "$(geckodriver --version 2>/dev/null | head -1 | cut -d' ' -f1-2);" \
  "node $(node --version); wasm-opt $(node_modules/.bin/wasm-opt --version | cut -d' ' -f3)"
