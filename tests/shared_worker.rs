//! wasm tests in headless Chromium, shared worker.
#![cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_shared_worker);
mod common;
