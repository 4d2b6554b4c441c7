//! uint8 / uint16 affine quantization, both directions.
//!
//! Decoding follows TensorFlow.js exactly: `q * scale + min` in f64, stored
//! to float32 (one rounding) or, for int32 weights, rounded like JavaScript's
//! `Math.round` and stored like an `Int32Array` store (ToInt32).
//! Encoding follows the converter (numpy 2): per-tensor min/max in f64, the
//! range nudged so that 0 is exact when it lies inside, round half to even.

use crate::QuantDType;

/// Below this many uint8 values a 256-entry table costs more than it saves.
const UINT8_TABLE_MIN_VALUES: usize = 256;

/// Dequantizes little-endian codes of `dtype` (1 or 2 bytes) to float32.
pub fn decode_f32(src: &[u8], dtype: QuantDType, scale: f64, min: f64, dst: &mut [f32]) {
    assert_eq!(src.len(), dst.len() * dtype.value_bytes() as usize, "affine decode: length mismatch");
    if dtype == QuantDType::Uint8 && dst.len() >= UINT8_TABLE_MIN_VALUES {
        // Only 256 codes exist: compute each once (same formula), then look up.
        let mut table = [0f32; 256];
        decode_f32_scalar(&core::array::from_fn::<u8, 256, _>(|i| i as u8), dtype, scale, min, &mut table);
        dst.iter_mut().zip(src).for_each(|(out, &q)| *out = table[usize::from(q)]);
        return;
    }
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        let done = simd::decode_f32(src, dtype, scale, min, dst);
        let start = done * dtype.value_bytes() as usize;
        decode_f32_scalar(&src[start..], dtype, scale, min, &mut dst[done..]);
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    decode_f32_scalar(src, dtype, scale, min, dst);
}

/// The reference loop, one value at a time.
pub fn decode_f32_scalar(src: &[u8], dtype: QuantDType, scale: f64, min: f64, dst: &mut [f32]) {
    match dtype {
        QuantDType::Uint8 => {
            for (out, &q) in dst.iter_mut().zip(src) {
                *out = (f64::from(q) * scale + min) as f32;
            }
        }
        _ => {
            for (out, b) in dst.iter_mut().zip(src.chunks_exact(2)) {
                *out = (f64::from(u16::from_le_bytes([b[0], b[1]])) * scale + min) as f32;
            }
        }
    }
}

/// Dequantizes to int32 the way TensorFlow.js does for int32 weights.
pub fn decode_i32(src: &[u8], dtype: QuantDType, scale: f64, min: f64, dst: &mut [i32]) {
    assert_eq!(src.len(), dst.len() * dtype.value_bytes() as usize, "affine decode: length mismatch");
    let value = |q: f64| to_int32(js_round(q * scale + min));
    match dtype {
        QuantDType::Uint8 => dst.iter_mut().zip(src).for_each(|(o, &q)| *o = value(f64::from(q))),
        _ => dst
            .iter_mut()
            .zip(src.chunks_exact(2))
            .for_each(|(o, b)| *o = value(f64::from(u16::from_le_bytes([b[0], b[1]])))),
    }
}

/// JavaScript `Math.round`: nearest integer, ties toward +Infinity.
pub fn js_round(x: f64) -> f64 {
    let floor = x.floor();
    // x - floor is exact for every finite double.
    if x - floor >= 0.5 {
        floor + 1.0
    } else {
        floor
    }
}

/// ECMAScript ToInt32, what an `Int32Array` store does to a number.
pub fn to_int32(x: f64) -> i32 {
    if !x.is_finite() {
        return 0;
    }
    let wrapped = x.trunc().rem_euclid(4_294_967_296.0);
    wrapped as u32 as i32
}

/// Range of an affine quantization: the converter's `min`, `scale` and the
/// clip bounds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AffineParams {
    pub min: f64,
    pub scale: f64,
    pub max: f64,
}

impl AffineParams {
    /// The converter's parameters for data whose extremes are `min`, `max`.
    pub fn for_range(min: f64, max: f64, dtype: QuantDType) -> Self {
        let qmax = match dtype {
            QuantDType::Uint8 => 255.0,
            _ => 65535.0,
        };
        if min == max {
            // A single value: every code is 0.
            return AffineParams { min, scale: 1.0, max };
        }
        let scale = (max - min) / qmax;
        if min <= 0.0 && 0.0 <= max {
            let zero_point = ((0.0 - min) / scale).round_ties_even();
            let nudged_min = -zero_point * scale;
            AffineParams { min: nudged_min, scale, max: qmax * scale + nudged_min }
        } else {
            AffineParams { min, scale, max }
        }
    }

    /// Quantizes values to little-endian codes; `dst.len()` is
    /// `src.len() * dtype.value_bytes()`.
    pub fn encode(&self, src: &[f32], dtype: QuantDType, dst: &mut [u8]) {
        let width = dtype.value_bytes() as usize;
        assert_eq!(dst.len(), src.len() * width, "affine encode: length mismatch");
        let single = self.min == self.max;
        let qmax = if width == 1 { 255.0 } else { 65535.0 };
        for (x, out) in src.iter().zip(dst.chunks_exact_mut(width)) {
            let q = if single {
                0.0
            } else {
                // max/min, not clamp: f64::clamp asserts its bounds with a Debug-formatted
                // message, which alone pulled float printing (~10 KB gzipped) into the wasm.
                ((f64::from(*x).max(self.min).min(self.max) - self.min) / self.scale).round_ties_even().clamp(0.0, qmax)
            };
            let q = q as u16;
            if width == 1 {
                out[0] = q as u8;
            } else {
                out.copy_from_slice(&q.to_le_bytes());
            }
        }
    }
}

impl AffineParams {
    /// Largest |dequantized - original| over `src` and the `codes` that
    /// `encode` wrote for it.
    pub fn max_error(&self, src: &[f32], dtype: QuantDType, codes: &[u8]) -> f64 {
        let width = dtype.value_bytes() as usize;
        let mut max = 0f64;
        for (x, c) in src.iter().zip(codes.chunks_exact(width)) {
            let q = if width == 1 { f64::from(c[0]) } else { f64::from(u16::from_le_bytes([c[0], c[1]])) };
            let back = (q * self.scale + self.min) as f32;
            max = max.max(f64::from((back - x).abs()));
        }
        max
    }
}

/// Widens the running range `[lo, hi]` over `values`, or returns the first
/// value that is not finite (no affine range holds NaN or Infinity).
pub fn extend_range(values: &[f32], lo: &mut f64, hi: &mut f64) -> Result<(), f32> {
    for &x in values {
        if !x.is_finite() {
            return Err(x);
        }
        *lo = lo.min(f64::from(x));
        *hi = hi.max(f64::from(x));
    }
    Ok(())
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd {
    use super::QuantDType;
    use core::arch::wasm32::*;

    /// 2^52 as f64 bits: `bits | q` is the double `2^52 + q` for q < 2^52.
    const TWO_52_BITS: u64 = 0x4330_0000_0000_0000;

    /// One v128 of codes per step (16 uint8 or 8 uint16), two values at a
    /// time through f64x2 with the scalar path's two roundings: f64
    /// multiply, f64 add, then f64 -> f32.
    ///
    /// Codes become doubles by the 2^52 trick (shuffle the code bytes into
    /// the low bytes of a u64 lane, OR in 2^52's bits, subtract 2^52: exact),
    /// not by extend + convert: LLVM folds that pair into a u16 -> f64
    /// conversion wasm lacks and scalarizes it. Likewise each pair's demoted
    /// v128 (two values, two zero lanes) is stored whole, two values apart,
    /// each store overwriting the previous one's zeros, rather than joined by
    /// a shuffle or stored as 64 bits (both scalarized). The last store of a
    /// step reaches two values past it, so two values of room are kept at the
    /// end. Returns values done.
    pub fn decode_f32(src: &[u8], dtype: QuantDType, scale: f64, min: f64, dst: &mut [f32]) -> usize {
        let (s, m) = (f64x2_splat(scale), f64x2_splat(min));
        let (magic, two_52) = (u64x2_splat(TWO_52_BITS), f64x2_splat(4_503_599_627_370_496.0));
        let zero = u64x2_splat(0);
        let per_step = 16 / dtype.value_bytes() as usize;
        let n = dst.len().saturating_sub(2) / per_step * per_step;
        // Values of two codes lying as u64 lanes in `lanes`, stored at `out`
        // (and two zeros after them).
        let pair = |lanes: v128, out: *mut f32| {
            let q = f64x2_sub(v128_or(lanes, magic), two_52);
            // SAFETY: the caller's bounds (below) cover out..out + 4.
            unsafe { v128_store(out as *mut v128, f32x4_demote_f64x2_zero(f64x2_add(f64x2_mul(q, s), m))) };
        };
        for i in (0..n).step_by(per_step) {
            // SAFETY: i + per_step + 2 <= dst.len() and src holds 16 bytes
            // per step; wasm loads and stores are unaligned.
            unsafe {
                let v = v128_load(src.as_ptr().add(i * (16 / per_step)) as *const v128);
                let out = dst.as_mut_ptr().add(i);
                if dtype == QuantDType::Uint8 {
                    pair(i8x16_shuffle::<0, 16, 16, 16, 16, 16, 16, 16, 1, 16, 16, 16, 16, 16, 16, 16>(v, zero), out);
                    pair(
                        i8x16_shuffle::<2, 16, 16, 16, 16, 16, 16, 16, 3, 16, 16, 16, 16, 16, 16, 16>(v, zero),
                        out.add(2),
                    );
                    pair(
                        i8x16_shuffle::<4, 16, 16, 16, 16, 16, 16, 16, 5, 16, 16, 16, 16, 16, 16, 16>(v, zero),
                        out.add(4),
                    );
                    pair(
                        i8x16_shuffle::<6, 16, 16, 16, 16, 16, 16, 16, 7, 16, 16, 16, 16, 16, 16, 16>(v, zero),
                        out.add(6),
                    );
                    pair(
                        i8x16_shuffle::<8, 16, 16, 16, 16, 16, 16, 16, 9, 16, 16, 16, 16, 16, 16, 16>(v, zero),
                        out.add(8),
                    );
                    pair(
                        i8x16_shuffle::<10, 16, 16, 16, 16, 16, 16, 16, 11, 16, 16, 16, 16, 16, 16, 16>(v, zero),
                        out.add(10),
                    );
                    pair(
                        i8x16_shuffle::<12, 16, 16, 16, 16, 16, 16, 16, 13, 16, 16, 16, 16, 16, 16, 16>(v, zero),
                        out.add(12),
                    );
                    pair(
                        i8x16_shuffle::<14, 16, 16, 16, 16, 16, 16, 16, 15, 16, 16, 16, 16, 16, 16, 16>(v, zero),
                        out.add(14),
                    );
                } else {
                    pair(i8x16_shuffle::<0, 1, 16, 16, 16, 16, 16, 16, 2, 3, 16, 16, 16, 16, 16, 16>(v, zero), out);
                    pair(
                        i8x16_shuffle::<4, 5, 16, 16, 16, 16, 16, 16, 6, 7, 16, 16, 16, 16, 16, 16>(v, zero),
                        out.add(2),
                    );
                    pair(
                        i8x16_shuffle::<8, 9, 16, 16, 16, 16, 16, 16, 10, 11, 16, 16, 16, 16, 16, 16>(v, zero),
                        out.add(4),
                    );
                    pair(
                        i8x16_shuffle::<12, 13, 16, 16, 16, 16, 16, 16, 14, 15, 16, 16, 16, 16, 16, 16>(v, zero),
                        out.add(6),
                    );
                }
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extend_range_widens_across_calls_and_names_the_first_non_finite_value() {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        extend_range(&[1.5, -2.0], &mut lo, &mut hi).unwrap();
        extend_range(&[0.25, 7.0], &mut lo, &mut hi).unwrap();
        assert_eq!((lo, hi), (-2.0, 7.0));
        assert_eq!(extend_range(&[3.0, f32::NEG_INFINITY, f32::NAN], &mut lo, &mut hi), Err(f32::NEG_INFINITY));
        assert!(extend_range(&[f32::NAN], &mut lo, &mut hi).unwrap_err().is_nan());
    }

    #[test]
    fn max_error_is_the_largest_round_trip_difference() {
        let src = [-1.0f32, 0.3, 0.7, 2.0];
        for dtype in [QuantDType::Uint8, QuantDType::Uint16] {
            let p = AffineParams::for_range(-1.0, 2.0, dtype);
            let mut codes = vec![0u8; src.len() * dtype.value_bytes() as usize];
            p.encode(&src, dtype, &mut codes);
            let mut back = [0f32; 4];
            decode_f32_scalar(&codes, dtype, p.scale, p.min, &mut back);
            let expected = src.iter().zip(back).map(|(x, b)| f64::from((b - x).abs())).fold(0.0, f64::max);
            assert_eq!(p.max_error(&src, dtype, &codes), expected);
            assert!(expected > 0.0);
        }
    }

    #[test]
    fn tfjs_test_vector_uint8() {
        // uint8 [0, 48, 255], min -1, scale 0.1 -> f32 [-1, 3.8, 24.5], int32 [-1, 4, 25]
        let mut f = [0f32; 3];
        decode_f32(&[0, 48, 255], QuantDType::Uint8, 0.1, -1.0, &mut f);
        assert_eq!(f, [-1.0, 3.8, 24.5]);
        let mut i = [0i32; 3];
        decode_i32(&[0, 48, 255], QuantDType::Uint8, 0.1, -1.0, &mut i);
        assert_eq!(i, [-1, 4, 25]);
    }

    #[test]
    fn uint8_table_path_equals_the_formula() {
        let codes: Vec<u8> = (0..1000u32).map(|i| (i * 7 % 256) as u8).collect();
        let (mut fast, mut slow) = (vec![0f32; 1000], vec![0f32; 1000]);
        decode_f32(&codes, QuantDType::Uint8, 0.007568137084736543, -0.9384489985073313, &mut fast);
        decode_f32_scalar(&codes, QuantDType::Uint8, 0.007568137084736543, -0.9384489985073313, &mut slow);
        assert_eq!(fast, slow);
    }

    #[test]
    fn math_round_semantics() {
        assert_eq!(js_round(2.5), 3.0);
        assert_eq!(js_round(-2.5), -2.0);
        assert_eq!(js_round(0.499_999_999_999_999_94), 0.0);
        assert_eq!(js_round(-0.5), 0.0);
        assert_eq!(js_round(1e300), 1e300);
        assert_eq!(to_int32(2_147_483_648.0), -2_147_483_648);
        assert_eq!(to_int32(-1.0), -1);
        assert_eq!(to_int32(f64::INFINITY), 0);
    }

    #[test]
    fn nudged_range_keeps_zero_exact() {
        let p = AffineParams::for_range(-0.3, 0.7, QuantDType::Uint8);
        let zero_code = (-p.min / p.scale).round_ties_even();
        assert_eq!(zero_code * p.scale + p.min, 0.0);
        let mut codes = [0u8; 1];
        p.encode(&[0.0], QuantDType::Uint8, &mut codes);
        assert_eq!(f64::from(codes[0]) * p.scale + p.min, 0.0);
    }

    #[test]
    fn single_value_range_is_all_zero_codes_with_scale_one() {
        let p = AffineParams::for_range(0.5, 0.5, QuantDType::Uint16);
        assert_eq!(p, AffineParams { min: 0.5, scale: 1.0, max: 0.5 });
        let mut codes = [9u8; 4];
        p.encode(&[0.5, 0.5], QuantDType::Uint16, &mut codes);
        assert_eq!(codes, [0; 4]);
    }
}
