//! model-artifacts: TensorFlow.js model artifacts (`model.json` + weight
//! shards) in Rust and WebAssembly.
//!
//! `format` is the pure core (model.json, weight specs, codec, quantization,
//! sharding), usable natively. `bindings` and `handlers` are the JavaScript
//! boundary, compiled only for wasm32.

pub mod format;

// Lock-free, so only for single-threaded wasm (no `atomics` feature).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
mod allocator;
#[cfg(target_arch = "wasm32")]
pub mod bindings;
#[cfg(target_arch = "wasm32")]
pub mod handlers;
