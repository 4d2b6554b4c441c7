//! Handlers: one file per medium, each returning a TensorFlow.js `IOHandler`.

pub mod browser_files;
pub mod fetch;
pub mod http;
pub mod indexed_db;
pub mod limits;
pub mod local_storage;
pub mod management;
pub mod memory;
#[cfg(feature = "node")]
pub mod node_fs;
pub mod opfs;
pub mod options;
pub mod order;
pub mod router;
pub mod save_weights;
pub mod shards;
pub mod store;
pub mod weights_loader;
