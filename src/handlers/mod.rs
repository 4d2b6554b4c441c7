//! Handlers: one file per medium, each returning a TensorFlow.js `IOHandler`.

pub mod fetch;
pub mod http;
pub mod memory;
pub mod router;
pub mod weights_loader;
