//! The hot loops of model-artifacts' format core: float16 and affine
//! (uint8/uint16) conversions, each fast kernel beside its scalar
//! reference. A crate of its own so the release profile builds it for speed
//! (opt-level "s") while everything else is built for size ("z"): at "z"
//! these loops ran up to 1.7x slower (A/B in one process), and "s" for the
//! whole crate made the browser wasm 8 KB larger.

pub mod affine;
pub mod float16;

/// Little-endian float32s from `bytes` (a multiple of 4 long) into `out`.
pub fn f32s_from_le(bytes: &[u8], out: &mut Vec<f32>) {
    out.clear();
    out.extend(bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])));
}

/// Storage dtype of a quantized weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantDType {
    Uint8,
    Uint16,
    Float16,
}

impl QuantDType {
    /// The dtype a `quantization.dtype` string names.
    pub fn from_name(dtype: &str) -> Option<Self> {
        Some(match dtype {
            "uint8" => QuantDType::Uint8,
            "uint16" => QuantDType::Uint16,
            "float16" => QuantDType::Float16,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            QuantDType::Uint8 => "uint8",
            QuantDType::Uint16 => "uint16",
            QuantDType::Float16 => "float16",
        }
    }

    pub fn value_bytes(self) -> u64 {
        match self {
            QuantDType::Uint8 => 1,
            QuantDType::Uint16 | QuantDType::Float16 => 2,
        }
    }
}
