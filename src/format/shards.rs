//! Sharding plans with the converter's file names.

use super::error::{FormatError, Result};

/// The converter's default shard size, 4 MiB.
pub const DEFAULT_SHARD_SIZE: u64 = 4 * 1024 * 1024;

/// One planned shard file: its name and the byte range of the weight data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShardFile {
    pub path: String,
    pub start: u64,
    pub end: u64,
}

/// Cuts `total` bytes into `group{group}-shard{i}of{n}.bin` files of
/// `shard_size` bytes (the last one short), as the converter does.
pub fn plan(total: u64, shard_size: u64, group: usize) -> Result<Vec<ShardFile>> {
    if shard_size == 0 {
        return Err(FormatError::InvalidArgument("shardSizeBytes must be a positive integer".into()));
    }
    let count = total.div_ceil(shard_size);
    Ok((0..count)
        .map(|i| ShardFile {
            path: format!("group{group}-shard{}of{count}.bin", i + 1),
            start: i * shard_size,
            end: ((i + 1) * shard_size).min(total),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Code;

    #[test]
    fn converter_names_and_ranges() {
        let files = plan(10, 4, 1).unwrap();
        let names: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(names, ["group1-shard1of3.bin", "group1-shard2of3.bin", "group1-shard3of3.bin"]);
        assert_eq!((files[2].start, files[2].end), (8, 10));
        assert!(plan(0, 4, 1).unwrap().is_empty());
        assert_eq!(plan(1, 0, 1).unwrap_err().code(), Code::InvalidArgument);
    }
}
