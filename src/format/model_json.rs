//! model.json: parsing (compact or converter-style spaced JSON, key order
//! and unknown fields kept) and `ModelArtifactsInfo` byte counts.

use serde_json::{Map, Value};

use super::error::{FormatError, Result};
use super::json::stringified_len;
use super::spec::{flatten_specs, parse_manifest, ManifestGroup, WeightSpec};

/// The default cap on a model.json (or binary topology) read from outside:
/// far above real models (a 240k-weight manifest is under 12 MB), far
/// below what a hostile endless body could make a page hold.
pub const DEFAULT_MAX_MODEL_JSON_BYTES: u64 = 256 << 20;

/// A parsed, validated model.json.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelJson {
    /// All fields in file order, unknown ones included.
    pub fields: Map<String, Value>,
    /// The validated `weightsManifest`, if any.
    pub manifest: Option<Vec<ManifestGroup>>,
}

impl ModelJson {
    /// Parses model.json text. `source` names the file or URL in errors.
    pub fn parse(text: &str, source: &str) -> Result<Self> {
        let value: Value = serde_json::from_str(text).map_err(|e| FormatError::InvalidJson {
            what: source.to_owned(),
            detail: e.to_string(),
        })?;
        Self::from_value(value, source)
    }

    /// Validates an already parsed model.json.
    pub fn from_value(value: Value, source: &str) -> Result<Self> {
        let Value::Object(fields) = value else {
            return Err(FormatError::InvalidModelJson(format!("{source}: model JSON must be an object")));
        };
        let present = |k: &str| fields.get(k).is_some_and(|v| !v.is_null());
        if !present("modelTopology") && !present("weightsManifest") {
            return Err(FormatError::InvalidModelJson(format!(
                "{source} contains neither 'modelTopology' nor 'weightsManifest'"
            )));
        }
        let manifest = match fields.get("weightsManifest") {
            Some(Value::Null) | None => None,
            Some(m) => {
                let groups = parse_manifest(m)?;
                // Validate every spec now, so later steps can size by them.
                for spec in groups.iter().flat_map(|g| &g.weights) {
                    WeightSpec::from_json(spec)?;
                }
                Some(groups)
            }
        };
        Ok(ModelJson { fields, manifest })
    }

    pub fn topology(&self) -> Option<&Value> {
        self.fields.get("modelTopology").filter(|v| !v.is_null())
    }

    /// The flattened weight specs (`getWeightSpecs`), as JSON.
    pub fn weight_specs(&self) -> Option<Value> {
        self.manifest.as_deref().map(|g| Value::Array(flatten_specs(g)))
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
