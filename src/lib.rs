//! model-artifacts: TensorFlow.js model artifacts (`model.json` + weight
//! shards) in Rust and WebAssembly.
//!
//! `format` is the pure core (model.json, weight specs, codec, quantization,
//! sharding), usable natively. `bindings` and `handlers` are the JavaScript
//! boundary, compiled only for wasm32.

pub mod format;

#[cfg(target_arch = "wasm32")]
mod allocator;
#[cfg(target_arch = "wasm32")]
pub mod bindings;
#[cfg(target_arch = "wasm32")]
pub mod handlers;
