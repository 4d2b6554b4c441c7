//! The weight plan of a manifest: which file belongs to which group, the
//! sha256 each may list, the bytes each group must hold, and the one check
//! of what a medium delivered. http, `file://`, browser files and
//! `loadWeights` all plan their reads from it.

use super::error::Result;
use super::integrity::group_hashes;
use super::spec::{check_group_bytes, group_name, ManifestGroup};

/// One weight file, in manifest order.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedFile {
    /// What the medium calls it (a URL, a path, a file name): errors name it.
    pub name: String,
    pub group: usize,
    pub sha256: Option<[u8; 32]>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct WeightPlan {
    pub files: Vec<PlannedFile>,
    /// Bytes each group's files must hold together; `None` when a string
    /// weight makes it unknowable without reading the data.
    pub needed: Vec<Option<u64>>,
}

impl WeightPlan {
    /// The plan of `groups`, its files called by `names` (one per manifest
    /// path, in order).
    pub fn new<'a>(
        groups: impl IntoIterator<Item = &'a ManifestGroup>,
        names: impl IntoIterator<Item = String>,
    ) -> Result<Self> {
        let mut names = names.into_iter();
        let mut files = Vec::new();
        let mut needed = Vec::new();
        for (group, manifest_group) in groups.into_iter().enumerate() {
            let hashes = group_hashes(manifest_group, group)?;
            for i in 0..manifest_group.paths.len() {
                let name = names.next().unwrap_or_default();
                files.push(PlannedFile { name, group, sha256: hashes.as_ref().map(|h| h[i]) });
            }
            needed.push(manifest_group.stored_bytes()?);
        }
        Ok(WeightPlan { files, needed })
    }

    /// Bytes of all groups together; 0 when one is unknowable (progress
    /// then counts files).
    pub fn total_bytes(&self) -> u64 {
        self.needed.iter().try_fold(0u64, |acc, n| n.map(|n| acc + n)).unwrap_or(0)
    }

    /// The names of group `group`'s files.
    pub fn group_files(&self, group: usize) -> Vec<&str> {
        self.files.iter().filter(|f| f.group == group).map(|f| f.name.as_str()).collect()
    }

    /// How errors name group `group`: "weight group 2 (a.bin, b.bin)".
    pub fn group_name(&self, group: usize) -> String {
        group_name(group, &self.group_files(group))
    }

    /// The one file of a one-file group: only then can an error say which
    /// file is wrong.
    pub fn only_file(&self, group: usize) -> Option<&str> {
        match self.group_files(group).as_slice() {
            [name] => Some(name),
            _ => None,
        }
    }

    /// Checks that group `group`'s files delivered `got` bytes, as its
    /// weights need (`E_SIZE_MISMATCH` naming the group).
    pub fn check_group(&self, group: usize, got: u64) -> Result<()> {
        check_group_bytes(&self.group_name(group), self.needed[group], got)
    }

    /// What each group's files hold together, given each file's size
    /// (`sizes`: one per file, in manifest order).
    pub fn held(&self, sizes: &[u64]) -> Vec<u64> {
        let mut held = vec![0u64; self.needed.len()];
        for (file, size) in self.files.iter().zip(sizes) {
            held[file.group] += size;
        }
        held
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::spec::parse_manifest;
    use crate::format::Code;

    fn plan() -> WeightPlan {
        let manifest = serde_json::json!([
            {"paths": ["a.bin", "b.bin"], "weights": [{"name": "w", "shape": [3], "dtype": "float32"}]},
            {"paths": ["c.bin"], "weights": [{"name": "s", "shape": [1], "dtype": "string"}]},
            {"paths": ["d.bin"], "weights": [{"name": "h", "shape": [2], "dtype": "float32",
                "quantization": {"dtype": "float16"}}], "sha256": ["ab".repeat(32)]},
        ]);
        let groups = parse_manifest(&manifest).unwrap();
        WeightPlan::new(&groups, ["u/a.bin", "u/b.bin", "u/c.bin", "u/d.bin"].map(String::from)).unwrap()
    }

    #[test]
    fn files_groups_hashes_and_sizes_come_from_the_manifest() {
        let p = plan();
        assert_eq!(p.files.iter().map(|f| f.group).collect::<Vec<_>>(), [0, 0, 1, 2]);
        assert_eq!(p.files[3].sha256, Some([0xab; 32]));
        assert_eq!(p.needed, [Some(12), None, Some(4)]);
        assert_eq!(p.total_bytes(), 0, "a string group makes the total unknowable");
        assert_eq!(p.group_name(0), "weight group 1 (u/a.bin, u/b.bin)");
        assert_eq!((p.only_file(0), p.only_file(2)), (None, Some("u/d.bin")));
    }

    #[test]
    fn checks_sum_each_group_and_name_it() {
        let p = plan();
        assert_eq!(p.held(&[8, 4, 99, 5]), [12, 99, 5]);
        assert!(p.check_group(0, 12).is_ok() && p.check_group(1, 99).is_ok());
        let e = p.check_group(0, 11).unwrap_err();
        assert_eq!(e.code(), Code::SizeMismatch);
        assert!(e.to_string().contains("weight group 1 (u/a.bin, u/b.bin)"), "{e}");
        assert_eq!(p.check_group(2, 5).unwrap_err().code(), Code::SizeMismatch);
    }

    #[test]
    fn a_bad_sha256_list_is_refused() {
        let manifest = serde_json::json!([{"paths": ["a", "b"], "weights": [], "sha256": ["00".repeat(32)]}]);
        let groups = parse_manifest(&manifest).unwrap();
        let e = WeightPlan::new(&groups, ["a", "b"].map(String::from)).unwrap_err();
        assert_eq!(e.code(), Code::InvalidModelJson);
    }
}
