//! Weight bytes <-> values: where each weight lies in the weight data, how
//! its stored bytes become values, and a native decoder built from those.

use super::affine;
use super::composite::{copy_range, ShardIndex};
use super::error::{FormatError, Result};
use super::float16;
use super::spec::{DType, QuantDType, Quantization, WeightSpec};

/// Read access to weight data that may be split across buffers.
pub trait ByteSource {
    fn byte_length(&self) -> u64;
    /// Copies `start..start + dst.len()`; the caller keeps it in bounds.
    fn read(&self, start: u64, dst: &mut [u8]);
}

/// Native byte source: borrowed shards.
pub struct Shards<'a> {
    parts: Vec<&'a [u8]>,
    index: ShardIndex,
}

impl<'a> Shards<'a> {
    pub fn new(parts: Vec<&'a [u8]>) -> Self {
        let index = ShardIndex::new(parts.iter().map(|p| p.len() as u64));
        Shards { parts, index }
    }
}

impl ByteSource for Shards<'_> {
    fn byte_length(&self) -> u64 {
        self.index.byte_length()
    }
    fn read(&self, start: u64, dst: &mut [u8]) {
        copy_range(&self.parts, &self.index, start, dst)
    }
}

/// Where one weight's stored bytes are.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightLayout {
    pub offset: u64,
    pub stored_bytes: u64,
    /// For string weights, each element's byte range (absolute offsets).
    pub strings: Option<Vec<(u64, u64)>>,
}

impl WeightLayout {
    pub fn end(&self) -> u64 {
        self.offset + self.stored_bytes
    }
}

/// Locates `spec` at `offset` in `src`, checking that all its bytes are
/// there. String weights are walked through their length prefixes.
pub fn layout(spec: &WeightSpec, offset: u64, src: &impl ByteSource) -> Result<WeightLayout> {
    let available = src.byte_length();
    if spec.dtype == DType::String {
        // The prefixes are read through a window: one read per 64 KiB, not
        // one per element (each read may be a call into JavaScript).
        let mut window = (0u64, Vec::new());
        let strings = walk_strings(spec, offset, available, |at| {
            let (start, bytes) = &mut window;
            if at < *start || at + 4 > *start + bytes.len() as u64 {
                bytes.resize((available - at).min(64 << 10) as usize, 0);
                src.read(at, bytes);
                *start = at;
            }
            let i = (at - *start) as usize;
            u32::from_le_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]])
        })?;
        let end = strings.last().map_or(offset, |&(_, e)| e);
        return Ok(WeightLayout { offset, stored_bytes: end - offset, strings: Some(strings) });
    }
    let stored = spec.stored_bytes().expect("validated in WeightSpec::from_json");
    let end =
        offset.checked_add(stored).filter(|&e| e <= available).ok_or_else(|| FormatError::WeightDataTooShort {
            name: spec.name.clone(),
            start: offset,
            end: offset.saturating_add(stored),
            available,
        })?;
    Ok(WeightLayout { offset, stored_bytes: end - offset, strings: None })
}

/// Locates every spec in order, checking that the data holds them all.
pub fn layout_all(specs: &[WeightSpec], src: &impl ByteSource) -> Result<Vec<WeightLayout>> {
    let mut offset = 0;
    specs
        .iter()
        .map(|spec| {
            let at = layout(spec, offset, src)?;
            offset = at.end();
            Ok(at)
        })
        .collect()
}

/// Walks `spec.size` length-prefixed strings from `offset`, reading each
/// 4-byte prefix with `prefix_at`. Fails before allocating if the data
/// cannot hold even the prefixes.
pub fn walk_strings(
    spec: &WeightSpec,
    offset: u64,
    available: u64,
    mut prefix_at: impl FnMut(u64) -> u32,
) -> Result<Vec<(u64, u64)>> {
    let overrun = |index: u64, claimed: u64, at: u64| FormatError::StringOverrun {
        name: spec.name.clone(),
        index,
        claimed,
        offset: at,
        available: available.saturating_sub(at),
    };
    let remaining = available.saturating_sub(offset);
    if spec.size > remaining / 4 {
        // Not even room for the prefixes: report where the first missing one is.
        let index = remaining / 4;
        return Err(overrun(index, 4, offset + index * 4));
    }
    let mut ranges = Vec::with_capacity(spec.size as usize);
    let mut at = offset;
    for index in 0..spec.size {
        if at + 4 > available {
            return Err(overrun(index, 4, at));
        }
        let len = u64::from(prefix_at(at));
        let start = at + 4;
        if start + len > available {
            return Err(overrun(index, len, start));
        }
        ranges.push((start, start + len));
        at = start + len;
    }
    Ok(ranges)
}

/// How stored bytes become decoded values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Conversion {
    /// Stored bytes are the values (float32, int32, bool, complex64).
    Copy,
    /// uint8/uint16 codes to float32.
    AffineF32 { dtype: QuantDType, scale: f64, min: f64 },
    /// uint8/uint16 codes to int32.
    AffineI32 { dtype: QuantDType, scale: f64, min: f64 },
    /// binary16 to float32.
    Float16,
    /// Length-prefixed byte strings.
    Strings,
}

impl Conversion {
    pub fn of(spec: &WeightSpec) -> Self {
        match (spec.dtype, spec.quantization) {
            (DType::String, _) => Conversion::Strings,
            (_, None) => Conversion::Copy,
            (_, Some(Quantization::Float16)) => Conversion::Float16,
            (DType::Int32, Some(Quantization::Affine { dtype, scale, min })) => {
                Conversion::AffineI32 { dtype, scale, min }
            }
            (_, Some(Quantization::Affine { dtype, scale, min })) => Conversion::AffineF32 { dtype, scale, min },
        }
    }

    /// Stored bytes per value (not for strings).
    pub fn stored_value_bytes(&self, spec: &WeightSpec) -> u64 {
        spec.stored_value_bytes().unwrap_or(1)
    }

    /// Converts stored bytes into float32 values.
    pub fn to_f32(&self, src: &[u8], dst: &mut [f32]) {
        match *self {
            Conversion::AffineF32 { dtype, scale, min } => affine::decode_f32(src, dtype, scale, min, dst),
            Conversion::Float16 => float16::decode(src, dst),
            _ => unreachable!("to_f32 on a conversion without float output"),
        }
    }

    /// Converts stored bytes into int32 values.
    pub fn to_i32(&self, src: &[u8], dst: &mut [i32]) {
        match *self {
            Conversion::AffineI32 { dtype, scale, min } => affine::decode_i32(src, dtype, scale, min, dst),
            _ => unreachable!("to_i32 on a conversion without int32 output"),
        }
    }
}

/// Decoded values of one weight, in the typed form JavaScript gets.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    Float32(Vec<f32>),
    Int32(Vec<i32>),
    Bool(Vec<u8>),
    /// Interleaved real, imaginary.
    Complex64(Vec<f32>),
    Strings(Vec<Vec<u8>>),
}

impl Values {
    /// Little-endian bytes of the typed array (for strings: the tf.io string
    /// encoding, uint32 length + bytes per element).
    pub fn to_le_bytes(&self) -> Vec<u8> {
        match self {
            Values::Float32(v) | Values::Complex64(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Values::Int32(v) => v.iter().flat_map(|x| x.to_le_bytes()).collect(),
            Values::Bool(v) => v.clone(),
            Values::Strings(v) => encode_strings(v.iter().map(Vec::as_slice)),
        }
    }
}

/// One decoded weight.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedWeight {
    pub name: String,
    pub shape: Vec<u64>,
    pub dtype: DType,
    pub values: Values,
}

/// `decodeWeights`, natively: every spec in order from the weight data.
/// Bytes after the last weight are ignored, as in TensorFlow.js.
pub fn decode_weights(src: &impl ByteSource, specs: &[WeightSpec]) -> Result<Vec<DecodedWeight>> {
    let layouts = layout_all(specs, src)?;
    Ok(specs
        .iter()
        .zip(&layouts)
        .map(|(spec, at)| DecodedWeight {
            name: spec.name.clone(),
            shape: spec.shape.clone(),
            dtype: spec.dtype,
            values: decode_one(spec, at, src),
        })
        .collect())
}

fn decode_one(spec: &WeightSpec, at: &WeightLayout, src: &impl ByteSource) -> Values {
    let read = |start: u64, len: u64| {
        let mut buf = vec![0u8; len as usize];
        src.read(start, &mut buf);
        buf
    };
    let conversion = Conversion::of(spec);
    if let Some(ranges) = &at.strings {
        return Values::Strings(ranges.iter().map(|&(s, e)| read(s, e - s)).collect());
    }
    let stored = read(at.offset, at.stored_bytes);
    let n = spec.size as usize;
    let f32s = |b: &[u8]| b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    match (spec.dtype, conversion) {
        (DType::Float32, Conversion::Copy) => Values::Float32(f32s(&stored)),
        (DType::Complex64, _) => Values::Complex64(f32s(&stored)),
        (DType::Bool, _) => Values::Bool(stored),
        (DType::Int32, Conversion::Copy) => {
            Values::Int32(stored.chunks_exact(4).map(|c| i32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
        }
        (DType::Int32, c) => {
            let mut out = vec![0; n];
            c.to_i32(&stored, &mut out);
            Values::Int32(out)
        }
        (_, c) => {
            let mut out = vec![0.0; n];
            c.to_f32(&stored, &mut out);
            Values::Float32(out)
        }
    }
}

/// The tf.io string tensor encoding: per element, uint32 LE length + bytes.
pub fn encode_strings<'a>(values: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for v in values {
        out.extend_from_slice(&(v.len() as u32).to_le_bytes());
        out.extend_from_slice(v);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::Code;
    use serde_json::json;

    fn spec(v: serde_json::Value) -> WeightSpec {
        WeightSpec::from_json(&v).unwrap()
    }

    #[test]
    fn mixed_dtypes_decode_in_order() {
        let mut data = Vec::new();
        data.extend([1.5f32, -2.0].iter().flat_map(|x| x.to_le_bytes()));
        data.extend([7i32].iter().flat_map(|x| x.to_le_bytes()));
        data.extend([1u8, 0, 1]);
        data.extend([1f32, 2.0, 3.0, 4.0].iter().flat_map(|x| x.to_le_bytes()));
        data.extend(encode_strings(["здраво".as_bytes(), "正常".as_bytes(), b""]));
        let specs = vec![
            spec(json!({"name": "f", "shape": [2], "dtype": "float32"})),
            spec(json!({"name": "i", "shape": [], "dtype": "int32"})),
            spec(json!({"name": "b", "shape": [3], "dtype": "bool"})),
            spec(json!({"name": "c", "shape": [2], "dtype": "complex64"})),
            spec(json!({"name": "s", "shape": [3], "dtype": "string"})),
        ];
        let out = decode_weights(&Shards::new(vec![&data[..7], &data[7..]]), &specs).unwrap();
        assert_eq!(out[0].values, Values::Float32(vec![1.5, -2.0]));
        assert_eq!(out[1].values, Values::Int32(vec![7]));
        assert_eq!(out[2].values, Values::Bool(vec![1, 0, 1]));
        assert_eq!(out[3].values, Values::Complex64(vec![1.0, 2.0, 3.0, 4.0]));
        assert_eq!(
            out[4].values,
            Values::Strings(vec!["здраво".as_bytes().to_vec(), "正常".as_bytes().to_vec(), vec![]])
        );
    }

    #[test]
    fn short_data_is_a_typed_error_naming_the_weight() {
        let specs = vec![spec(json!({"name": "w", "shape": [4], "dtype": "float32"}))];
        let err = decode_weights(&Shards::new(vec![&[0u8; 12]]), &specs).unwrap_err();
        assert_eq!(err.code(), Code::WeightDataTooShort);
        assert!(err.to_string().contains("'w'"), "{err}");
    }

    #[test]
    fn string_lengths_running_past_the_data_fail() {
        let mut data = encode_strings([b"ab".as_slice()]);
        data[0] = 200; // claims 200 bytes
        let specs = vec![spec(json!({"name": "s", "shape": [1], "dtype": "string"}))];
        let err = decode_weights(&Shards::new(vec![&data]), &specs).unwrap_err();
        assert_eq!(err.code(), Code::StringOverrun);
        // A huge element count fails before any allocation.
        let specs = vec![spec(json!({"name": "s", "shape": [1e15], "dtype": "string"}))];
        let err = decode_weights(&Shards::new(vec![&data]), &specs).unwrap_err();
        assert_eq!(err.code(), Code::StringOverrun);
    }

    #[test]
    fn quantized_int32_rounds_like_math_round() {
        let specs = vec![spec(json!({"name": "q", "shape": [3], "dtype": "int32",
            "quantization": {"dtype": "uint8", "min": -1, "scale": 0.1}}))];
        let out = decode_weights(&Shards::new(vec![&[0, 48, 255]]), &specs).unwrap();
        assert_eq!(out[0].values, Values::Int32(vec![-1, 4, 25]));
    }
}
