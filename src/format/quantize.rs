//! `quantizeArtifacts`: float32 weights to uint8 / uint16 / float16 with the
//! converter's rules; everything else passes through untouched.

use serde_json::{json, Map, Value};

use super::affine::{self, AffineParams};
use super::codec::{layout_all, ByteSource};
use super::error::{FormatError, Result};
use super::float16;
use super::spec::{parse_specs, DType, QuantDType};

/// Values read per step, so a weight never needs a float32 copy in memory.
const CHUNK_VALUES: usize = 64 * 1024;

/// A piece of the new weight data.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// Bytes copied unchanged from the source weight data.
    Source { start: u64, end: u64 },
    /// Newly encoded bytes.
    Bytes(Vec<u8>),
}

/// What a quantization produced.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantized {
    pub specs: Vec<Value>,
    pub segments: Vec<Segment>,
    /// Largest |dequantized - original| over all quantized values.
    pub max_error: f64,
    /// Indices (in `specs`) of the weights that were quantized.
    pub quantized: Vec<usize>,
}

/// Quantizes the float32, not yet quantized weights whose names `select`
/// accepts. Specs keep their fields and order; `quantization` is added as
/// the converter writes it.
pub fn quantize(
    specs: &[Value],
    src: &impl ByteSource,
    dtype: QuantDType,
    select: impl Fn(&str) -> bool,
) -> Result<Quantized> {
    let parsed = parse_specs(&Value::Array(specs.to_vec()))?;
    let mut out = Quantized { specs: Vec::new(), segments: Vec::new(), max_error: 0.0, quantized: Vec::new() };
    let layouts = layout_all(&parsed, src)?;
    for (index, ((spec, raw), at)) in parsed.iter().zip(specs).zip(layouts).enumerate() {
        if spec.dtype != DType::Float32 || spec.quantization.is_some() || !select(&spec.name) {
            push_source(&mut out.segments, at.offset, at.end());
            out.specs.push(raw.clone());
            continue;
        }
        let read_chunk = |i: usize, buf: &mut Vec<f32>| {
            let start = i * CHUNK_VALUES;
            let n = CHUNK_VALUES.min(spec.size as usize - start);
            let mut bytes = vec![0u8; n * 4];
            src.read(at.offset + start as u64 * 4, &mut bytes);
            model_artifacts_kernels::f32s_from_le(&bytes, buf);
        };
        let chunks = (spec.size as usize).div_ceil(CHUNK_VALUES);
        let mut buf = Vec::new();
        let width = dtype.value_bytes() as usize;
        let mut encoded = Vec::with_capacity(spec.size as usize * width);
        let quantization = match dtype {
            QuantDType::Float16 => {
                for i in 0..chunks {
                    read_chunk(i, &mut buf);
                    let start = encoded.len();
                    encoded.resize(start + buf.len() * 2, 0);
                    float16::encode(&buf, &mut encoded[start..]);
                    out.max_error = out.max_error.max(float16::max_error(&buf, &encoded[start..]));
                }
                json!({"dtype": "float16", "original_dtype": "float32"})
            }
            _ => {
                let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
                for i in 0..chunks {
                    read_chunk(i, &mut buf);
                    if let Err(x) = affine::extend_range(&buf, &mut lo, &mut hi) {
                        // Named by hand: float formatting would add ~10 KiB of wasm.
                        let what = if x.is_nan() {
                            "NaN"
                        } else if x > 0.0 {
                            "Infinity"
                        } else {
                            "-Infinity"
                        };
                        return Err(FormatError::InvalidArgument(format!(
                            "weight '{}' holds {what}; {} quantization needs finite values",
                            spec.name,
                            dtype.as_str()
                        )));
                    }
                }
                if spec.size == 0 {
                    (lo, hi) = (0.0, 0.0);
                }
                let p = AffineParams::for_range(lo, hi, dtype);
                for i in 0..chunks {
                    read_chunk(i, &mut buf);
                    let start = encoded.len();
                    encoded.resize(start + buf.len() * width, 0);
                    p.encode(&buf, dtype, &mut encoded[start..]);
                    out.max_error = out.max_error.max(p.max_error(&buf, dtype, &encoded[start..]));
                }
                json!({"dtype": dtype.as_str(), "min": p.min, "scale": p.scale, "original_dtype": "float32"})
            }
        };
        let mut entry: Map<String, Value> = raw.as_object().cloned().unwrap_or_default();
        entry.insert("quantization".into(), quantization);
        out.specs.push(Value::Object(entry));
        out.segments.push(Segment::Bytes(encoded));
        out.quantized.push(index);
    }
    Ok(out)
}

fn push_source(segments: &mut Vec<Segment>, start: u64, end: u64) {
    if let Some(Segment::Source { end: last, .. }) = segments.last_mut() {
        if *last == start {
            *last = end;
            return;
        }
    }
    if end > start {
        segments.push(Segment::Source { start, end });
    }
}
