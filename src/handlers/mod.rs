//! Handlers: one file per medium, each returning a TensorFlow.js `IOHandler`.

pub mod memory;
pub mod router;
