//! SHA-256 in manifests: the optional `sha256: [hex per path]` of a weights
//! manifest group (our extension; TensorFlow.js ignores unknown fields).

use super::error::{FormatError, Result};
use super::spec::ManifestGroup;

/// Lowercase hex of bytes.
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A 64-digit hex SHA-256.
pub fn parse_sha256(text: &str) -> Option<[u8; 32]> {
    if text.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
    }
    Some(out)
}

/// The expected SHA-256 of each path of group `index`, if it lists them.
pub fn group_hashes(group: &ManifestGroup, index: usize) -> Result<Option<Vec<[u8; 32]>>> {
    let Some(list) = &group.sha256 else { return Ok(None) };
    let bad = || {
        FormatError::InvalidModelJson(format!(
            "weightsManifest[{index}].sha256 must hold one 64-digit hex string per path"
        ))
    };
    if list.len() != group.paths.len() {
        return Err(bad());
    }
    list.iter().map(|h| parse_sha256(h).ok_or_else(bad)).collect::<Result<Vec<_>>>().map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Code;

    #[test]
    fn hex_round_trip_and_bad_input() {
        let digest = [0xab; 32];
        assert_eq!(parse_sha256(&to_hex(&digest)), Some(digest));
        assert_eq!(parse_sha256("abc"), None);
        assert_eq!(parse_sha256(&"zz".repeat(32)), None);
        let group =
            ManifestGroup { paths: vec!["a".into()], weights: vec![], specs: vec![], sha256: Some(vec!["00".into()]) };
        assert_eq!(group_hashes(&group, 0).unwrap_err().code(), Code::InvalidModelJson);
    }
}
