//! Weight specs (`WeightsManifestEntry`) and the manifest they live in,
//! validated before anything is sized by them.

use serde_json::{Map, Value};

use super::error::{FormatError, Result};
// Our JSON writer, not serde_json's Display: one formatter in the wasm.
use super::json::stringify;

/// Largest integer a JavaScript number holds exactly; dims and counts above
/// it cannot have come from a real tensor.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Stored (and decoded) dtype of a weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DType {
    Float32,
    Int32,
    Bool,
    Complex64,
    String,
}

impl DType {
    pub fn parse(name: &str, dtype: &str) -> Result<Self> {
        Ok(match dtype {
            "float32" => DType::Float32,
            "int32" => DType::Int32,
            "bool" => DType::Bool,
            "complex64" => DType::Complex64,
            "string" => DType::String,
            other => return Err(FormatError::UnsupportedDtype { name: name.into(), dtype: other.into() }),
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DType::Float32 => "float32",
            DType::Int32 => "int32",
            DType::Bool => "bool",
            DType::Complex64 => "complex64",
            DType::String => "string",
        }
    }

    /// Bytes per element when stored unquantized; `None` for strings, whose
    /// elements carry their own length.
    pub fn value_bytes(self) -> Option<u64> {
        match self {
            DType::Float32 | DType::Int32 => Some(4),
            DType::Bool => Some(1),
            DType::Complex64 => Some(8),
            DType::String => None,
        }
    }
}

pub use model_artifacts_kernels::QuantDType;

/// How a weight's stored bytes become its values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quantization {
    /// `value = q * scale + min`, computed in f64 (uint8 / uint16 codes).
    Affine { dtype: QuantDType, scale: f64, min: f64 },
    /// IEEE binary16, widened to float32.
    Float16,
}

impl Quantization {
    pub fn dtype(&self) -> QuantDType {
        match self {
            Quantization::Affine { dtype, .. } => *dtype,
            Quantization::Float16 => QuantDType::Float16,
        }
    }
}

/// A validated `WeightsManifestEntry`.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightSpec {
    pub name: String,
    pub shape: Vec<u64>,
    pub dtype: DType,
    pub quantization: Option<Quantization>,
    /// Number of elements (product of the shape, 1 for a scalar).
    pub size: u64,
}

impl WeightSpec {
    /// Validates one manifest entry. Checks every field a decoder relies on,
    /// with checked arithmetic, so later size computations cannot overflow.
    pub fn from_json(value: &Value) -> Result<Self> {
        let obj = value.as_object().ok_or_else(|| {
            FormatError::InvalidModelJson(format!("a weight spec must be an object, got {}", kind_of(value)))
        })?;
        let name = match obj.get("name") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => return Err(FormatError::spec(&stringify(other), "the weight name must be a string")),
            None => return Err(FormatError::spec("<unnamed>", "the spec has no 'name'")),
        };
        let dtype = match obj.get("dtype") {
            Some(Value::String(s)) => DType::parse(&name, s)?,
            Some(other) => return Err(FormatError::UnsupportedDtype { name, dtype: stringify(other) }),
            None => return Err(FormatError::spec(&name, "the spec has no 'dtype'")),
        };
        let shape = parse_shape(&name, obj.get("shape"))?;
        let size = shape
            .iter()
            .try_fold(1u64, |acc, &d| acc.checked_mul(d))
            .filter(|&n| n <= MAX_SAFE_INTEGER)
            .ok_or_else(|| FormatError::ShapeOverflow { name: name.clone(), shape: shape_str(&shape) })?;
        let quantization = match obj.get("quantization") {
            None => None,
            Some(q) => Some(parse_quantization(&name, dtype, q)?),
        };
        let spec = WeightSpec { name, shape, dtype, quantization, size };
        // The stored byte count must be representable too (not for strings).
        if spec.dtype != DType::String && spec.stored_bytes().is_none() {
            return Err(FormatError::ShapeOverflow { name: spec.name, shape: shape_str(&spec.shape) });
        }
        Ok(spec)
    }

    /// Bytes per stored element, `None` for strings.
    pub fn stored_value_bytes(&self) -> Option<u64> {
        match self.quantization {
            Some(q) => Some(q.dtype().value_bytes()),
            None => self.dtype.value_bytes(),
        }
    }

    /// Bytes this weight occupies in the weight data; `None` for strings
    /// (found by walking the length prefixes) or on overflow.
    pub fn stored_bytes(&self) -> Option<u64> {
        self.stored_value_bytes()?.checked_mul(self.size).filter(|&n| n <= MAX_SAFE_INTEGER)
    }

    /// Bytes of the decoded typed array (float32 after dequantization).
    pub fn decoded_bytes(&self) -> Option<u64> {
        self.dtype.value_bytes()?.checked_mul(self.size)
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

pub(crate) fn shape_str(shape: &[u64]) -> String {
    // Not `join` over Strings: its copy for `String` (the `&str` one is
    // used elsewhere) is 1.2 KB of wasm.
    let mut out = String::from("[");
    for (i, dim) in shape.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&dim.to_string());
    }
    out.push(']');
    out
}

fn parse_shape(name: &str, shape: Option<&Value>) -> Result<Vec<u64>> {
    let dims = match shape {
        Some(Value::Array(dims)) => dims,
        Some(other) => {
            return Err(FormatError::spec(name, format!("'shape' must be an array, got {}", kind_of(other))))
        }
        None => return Err(FormatError::spec(name, "the spec has no 'shape'")),
    };
    dims.iter()
        .map(|d| {
            let n = d.as_f64().filter(|n| n.fract() == 0.0 && *n >= 0.0 && *n <= MAX_SAFE_INTEGER as f64);
            n.map(|n| n as u64).ok_or_else(|| {
                FormatError::spec(name, format!("shape dimension {} is not a non-negative integer", stringify(d)))
            })
        })
        .collect()
}

fn parse_quantization(name: &str, dtype: DType, q: &Value) -> Result<Quantization> {
    let obj = q
        .as_object()
        .ok_or_else(|| FormatError::quant(name, format!("'quantization' must be an object, got {}", kind_of(q))))?;
    let qdtype = match obj.get("dtype") {
        Some(Value::String(s)) => QuantDType::from_name(s)
            .ok_or_else(|| FormatError::UnsupportedQuantization { name: name.into(), dtype: s.clone() })?,
        Some(other) => return Err(FormatError::UnsupportedQuantization { name: name.into(), dtype: stringify(other) }),
        None => return Err(FormatError::quant(name, "'quantization' has no 'dtype'")),
    };
    match qdtype {
        QuantDType::Float16 => {
            if dtype != DType::Float32 {
                return Err(FormatError::quant(
                    name,
                    format!("float16 quantization only supports weights of type float32, not {}", dtype.as_str()),
                ));
            }
            Ok(Quantization::Float16)
        }
        QuantDType::Uint8 | QuantDType::Uint16 => {
            if !matches!(dtype, DType::Float32 | DType::Int32) {
                return Err(FormatError::quant(
                    name,
                    format!(
                        "{} quantization only supports float32 and int32 weights, not {}",
                        qdtype.as_str(),
                        dtype.as_str()
                    ),
                ));
            }
            let field = |key: &str| -> Result<f64> {
                match obj.get(key) {
                    Some(Value::Number(n)) => n.as_f64().filter(|v| v.is_finite()).ok_or_else(|| {
                        FormatError::quant(name, format!("quantization '{key}' is not a finite number"))
                    }),
                    Some(other) => Err(FormatError::quant(
                        name,
                        format!("quantization '{key}' must be a finite number, got {}", kind_of(other)),
                    )),
                    None => Err(FormatError::quant(
                        name,
                        format!("{} quantization needs 'min' and 'scale', '{key}' is missing", qdtype.as_str()),
                    )),
                }
            };
            Ok(Quantization::Affine { dtype: qdtype, scale: field("scale")?, min: field("min")? })
        }
    }
}

/// Validates a JSON array of weight specs.
pub fn parse_specs(value: &Value) -> Result<Vec<WeightSpec>> {
    match value {
        Value::Array(items) => items.iter().map(WeightSpec::from_json).collect(),
        other => Err(FormatError::InvalidModelJson(format!("weight specs must be an array, got {}", kind_of(other)))),
    }
}

/// One group of a `weightsManifest`: its shard paths and its specs, typed
/// once when the manifest is read (the raw JSON entries are kept beside
/// them so unknown fields survive a round trip byte for byte).
#[derive(Debug, Clone, PartialEq)]
pub struct ManifestGroup {
    pub paths: Vec<String>,
    pub weights: Vec<Value>,
    /// `weights`, validated: the same order, one for one.
    pub specs: Vec<WeightSpec>,
    /// Optional SHA-256 (hex) of each path's bytes: our extension, which
    /// TensorFlow.js ignores.
    pub sha256: Option<Vec<String>>,
}

impl ManifestGroup {
    /// Bytes the group's shards must hold together; `None` when a string
    /// weight makes it unknowable without reading the data.
    pub fn stored_bytes(&self) -> Result<Option<u64>> {
        let mut total = 0u64;
        for spec in &self.specs {
            match spec.stored_bytes() {
                Some(n) => {
                    total = total.checked_add(n).filter(|&t| t <= MAX_SAFE_INTEGER).ok_or_else(|| {
                        FormatError::InvalidModelJson("a weights manifest group needs more bytes than can exist".into())
                    })?
                }
                None => return Ok(None),
            }
        }
        Ok(Some(total))
    }
}

/// How errors name manifest group `index` (0-based) and its files:
/// numbered from 1, like the converter's `group1-…` file names.
pub fn group_name(index: usize, files: &[&str]) -> String {
    format!("weight group {} ({})", index + 1, files.join(", "))
}

/// Checks that a group's files (named by `what`) hold the bytes its weights
/// need; groups with string weights (`need` unknown) pass.
pub fn check_group_bytes(what: &str, need: Option<u64>, got: u64) -> Result<()> {
    match need {
        Some(need) if need != got => Err(FormatError::SizeMismatch { what: what.to_owned(), got, need }),
        _ => Ok(()),
    }
}

/// Reads and validates a `weightsManifest` (array of `{paths, weights}`),
/// every weight spec included.
pub fn parse_manifest(value: &Value) -> Result<Vec<ManifestGroup>> {
    let groups = value.as_array().ok_or_else(|| {
        FormatError::InvalidModelJson(format!("'weightsManifest' must be an array, got {}", kind_of(value)))
    })?;
    groups
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let obj: &Map<String, Value> = g.as_object().ok_or_else(|| {
                FormatError::InvalidModelJson(format!("weightsManifest[{i}] must be an object, got {}", kind_of(g)))
            })?;
            let paths = match obj.get("paths") {
                Some(Value::Array(p)) => p
                    .iter()
                    .map(|p| {
                        p.as_str().map(str::to_owned).ok_or_else(|| {
                            FormatError::InvalidModelJson(format!("weightsManifest[{i}].paths must hold strings"))
                        })
                    })
                    .collect::<Result<Vec<_>>>()?,
                _ => return Err(FormatError::InvalidModelJson(format!("weightsManifest[{i}] has no 'paths' array"))),
            };
            let weights = match obj.get("weights") {
                Some(Value::Array(w)) => w.clone(),
                _ => return Err(FormatError::InvalidModelJson(format!("weightsManifest[{i}] has no 'weights' array"))),
            };
            let specs = weights.iter().map(WeightSpec::from_json).collect::<Result<Vec<_>>>()?;
            let sha256 = match obj.get("sha256") {
                None | Some(Value::Null) => None,
                Some(Value::Array(h)) if h.iter().all(Value::is_string) => {
                    Some(h.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                }
                Some(_) => {
                    return Err(FormatError::InvalidModelJson(format!(
                        "weightsManifest[{i}].sha256 must be an array of hex strings"
                    )))
                }
            };
            Ok(ManifestGroup { paths, weights, specs, sha256 })
        })
        .collect()
}

/// `getWeightSpecs`: the groups' weights, flattened in order.
pub fn flatten_specs(groups: &[ManifestGroup]) -> Vec<Value> {
    groups.iter().flat_map(|g| g.weights.iter().cloned()).collect()
}
