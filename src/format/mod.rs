//! The pure format core: no JavaScript types, tested natively.

pub mod codec;
pub mod composite;
pub mod error;
pub mod integrity;
pub mod json;
pub mod model_json;
pub mod paths;
pub mod pattern;
pub mod plan;
pub mod quantize;
pub mod shards;
pub mod spec;

// The conversion kernels live in kernels/ (built for speed, see its lib.rs).
pub use model_artifacts_kernels::{affine, float16};

pub use error::{Code, FormatError, Result};
