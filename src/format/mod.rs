//! The pure format core: no JavaScript types, tested natively.

pub mod affine;
pub mod codec;
pub mod composite;
pub mod error;
pub mod float16;
pub mod integrity;
pub mod json;
pub mod model_json;
pub mod paths;
pub mod pattern;
pub mod quantize;
pub mod shards;
pub mod spec;

pub use error::{Code, FormatError, Result};
