//! wasm tests in Node (no configure: the runner's default).
#![cfg(target_arch = "wasm32")]
mod common;
