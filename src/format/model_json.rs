//! model.json: parsing (compact or converter-style spaced JSON, key order
//! and unknown fields kept) and `ModelArtifactsInfo` byte counts.

use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;

use super::error::{FormatError, Result};
use super::json::{replace_lone_surrogates, stringified_len};
use super::spec::{flatten_specs, parse_manifest, ManifestGroup};

/// The default cap on a model.json (or binary topology) read from outside:
/// far above real models (a 240k-weight manifest is under 12 MB), far
/// below what a hostile endless body could make a page hold.
pub const DEFAULT_MAX_MODEL_JSON_BYTES: u64 = 256 << 20;

/// A parsed, validated model.json.
#[derive(Debug, Clone)]
pub struct ModelJson {
    /// Whether there is a topology. It is skipped over, not parsed, so a
    /// topology of any depth, holding any string `JSON.parse` accepts, is
    /// fine (the JavaScript objects are `JSON.parse`'s own).
    pub has_topology: bool,
    /// The validated `weightsManifest`, if any.
    pub manifest: Option<Vec<ManifestGroup>>,
}

impl ModelJson {
    /// Parses model.json text. `source` names the file or URL in errors.
    pub fn parse(text: &str, source: &str) -> Result<Self> {
        let invalid =
            |e: serde_json::Error| FormatError::InvalidJson { what: source.to_owned(), detail: e.to_string() };
        // Names with lone surrogates are valid JavaScript; the Rust copy
        // gets U+FFFD for them (the JS objects keep them).
        let top: TopLevel = serde_json::from_str(&replace_lone_surrogates(text)).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => {
                FormatError::InvalidModelJson(format!("{source}: model JSON must be an object"))
            }
            _ => invalid(e),
        })?;
        Self::from_parts(top.has_topology, top.manifest.as_ref(), source)
    }

    /// Validates a model.json from whether it has a (non-null) topology and
    /// its `weightsManifest` value, if any. (In wasm, `JSON.parse` reads the
    /// text and only the manifest reaches Rust.)
    pub fn from_parts(has_topology: bool, manifest: Option<&Value>, source: &str) -> Result<Self> {
        let manifest = manifest.filter(|m| !m.is_null());
        if !has_topology && manifest.is_none() {
            return Err(FormatError::InvalidModelJson(format!(
                "{source} contains neither 'modelTopology' nor 'weightsManifest'"
            )));
        }
        let manifest = manifest.map(parse_manifest).transpose()?;
        Ok(ModelJson { has_topology, manifest })
    }

    /// A bare weights manifest (`weights_manifest.json`, face-api's
    /// `*-weights_manifest.json`) as a model.json without topology.
    pub fn from_manifest_text(text: &str, source: &str) -> Result<Self> {
        Self::parse(&format!("{{\"weightsManifest\":{text}}}"), source)
    }

    /// The flattened weight specs (`getWeightSpecs`), as JSON.
    pub fn weight_specs(&self) -> Option<Value> {
        self.manifest.as_deref().map(|g| Value::Array(flatten_specs(g)))
    }
}

/// The two top-level fields a model.json is read for; every other value
/// (the topology included) is skipped over unparsed. Keys are read as bytes, so one holding a lone
/// surrogate is fine, and the last of duplicate keys wins (as in
/// `JSON.parse`).
struct TopLevel {
    has_topology: bool,
    manifest: Option<Value>,
}

enum Key {
    Topology,
    Manifest,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_bytes<E: serde::de::Error>(self, key: &[u8]) -> std::result::Result<Key, E> {
                Ok(match key {
                    b"modelTopology" => Key::Topology,
                    b"weightsManifest" => Key::Manifest,
                    _ => Key::Other,
                })
            }
            fn visit_str<E: serde::de::Error>(self, key: &str) -> std::result::Result<Key, E> {
                self.visit_bytes(key.as_bytes())
            }
        }
        d.deserialize_bytes(KeyVisitor)
    }
}

impl<'de> Deserialize<'de> for TopLevel {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        struct TopVisitor;
        impl<'de> Visitor<'de> for TopVisitor {
            type Value = TopLevel;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<TopLevel, A::Error> {
                let mut top = TopLevel { has_topology: false, manifest: None };
                while let Some(key) = map.next_key::<Key>()? {
                    match key {
                        // Any value but null (IgnoredAny sees only a unit for it).
                        Key::Topology => top.has_topology = map.next_value::<Option<IgnoredAny>>()?.is_some(),
                        Key::Manifest => top.manifest = Some(map.next_value()?),
                        Key::Other => drop(map.next_value::<IgnoredAny>()?),
                    }
                }
                Ok(top)
            }
        }
        d.deserialize_map(TopVisitor)
    }
}

/// `ModelArtifactsInfo` without `dateSaved`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArtifactsInfo {
    pub model_topology_bytes: u64,
    pub weight_specs_bytes: u64,
    pub weight_data_bytes: u64,
}

impl ArtifactsInfo {
    /// Byte counts as TensorFlow.js reports them: UTF-8 length of
    /// `JSON.stringify` of the topology and of the specs, total weight bytes.
    pub fn new(topology: Option<&Value>, weight_specs: Option<&Value>, weight_data_bytes: u64) -> Self {
        ArtifactsInfo {
            model_topology_bytes: topology.map_or(0, stringified_len),
            weight_specs_bytes: weight_specs.map_or(0, stringified_len),
            weight_data_bytes,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Code;

    #[test]
    fn any_depth_and_any_string_json_parse_accepts_is_accepted() {
        // 10,000 levels: far past serde_json's 128, as JSON.parse allows.
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        let text = format!(
            r#"{{"\ud800": 1, "modelTopology": {{"a": {deep}, "s": "\udfff"}}, "weightsManifest": [{{"paths": ["w.bin"],
            "weights": [{{"name": "x\ud800y", "shape": [2], "dtype": "float32"}}]}}]}}"#
        );
        let model = ModelJson::parse(&text, "model.json").unwrap();
        assert!(model.has_topology);
        let groups = model.manifest.unwrap();
        assert_eq!(groups[0].weights[0]["name"], "x\u{fffd}y");
        assert_eq!(groups[0].stored_bytes().unwrap(), Some(8));
    }

    #[test]
    fn shapes_and_syntax_errors_keep_their_codes() {
        assert_eq!(ModelJson::parse("[1]", "m").unwrap_err().code(), Code::InvalidModelJson);
        assert_eq!(ModelJson::parse("{\"modelTopology\": null}", "m").unwrap_err().code(), Code::InvalidModelJson);
        assert_eq!(ModelJson::parse("{\"modelTopology\": [", "m").unwrap_err().code(), Code::InvalidJson);
        assert_eq!(ModelJson::parse("<html>", "m").unwrap_err().code(), Code::InvalidJson);
        // The last of duplicate keys wins, as in JSON.parse.
        let m =
            ModelJson::parse(r#"{"weightsManifest": 5, "weightsManifest": null, "modelTopology": {}}"#, "m").unwrap();
        assert!(m.manifest.is_none());
    }
}
