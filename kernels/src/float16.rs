//! IEEE binary16 <-> binary32.
//!
//! Decoding is our own, bit-exact with TensorFlow.js for all 65,536 inputs:
//! NaN payloads are widened as `mantissa << 13` *without* setting the quiet
//! bit. (The `half` crate, and x86 F16C, set the quiet bit, so they differ on
//! signaling NaNs.) Encoding uses `half`, which rounds to nearest-even like
//! numpy's `astype(float16)` in the converter.

/// Widens one binary16 bit pattern to binary32 bits.
#[inline]
pub fn f16_to_f32_bits(h: u16) -> u32 {
    let sign = u32::from(h & 0x8000) << 16;
    let exp = u32::from(h >> 10) & 0x1f;
    let man = u32::from(h & 0x03ff);
    match exp {
        // Zero and subnormals: man * 2^-24 is exact in f32.
        0 => sign | (man as f32 * (1.0 / 16_777_216.0)).to_bits(),
        // Infinity and NaN, payload kept as is.
        31 => sign | 0x7f80_0000 | (man << 13),
        _ => sign | ((exp + 112) << 23) | (man << 13),
    }
}

/// Narrows an f32 to binary16 bits, rounding to nearest-even.
#[inline]
pub fn f32_to_f16_bits(x: f32) -> u16 {
    half::f16::from_f32(x).to_bits()
}

/// Decodes little-endian binary16 values; `src.len()` must be `2 * dst.len()`.
pub fn decode(src: &[u8], dst: &mut [f32]) {
    assert_eq!(src.len(), dst.len() * 2, "float16 decode: length mismatch");
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    {
        let done = simd::decode(src, dst);
        decode_scalar(&src[done * 2..], &mut dst[done..]);
    }
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    decode_scalar(src, dst);
}

/// The reference loop, one value at a time.
pub fn decode_scalar(src: &[u8], dst: &mut [f32]) {
    for (out, b) in dst.iter_mut().zip(src.chunks_exact(2)) {
        *out = f32::from_bits(f16_to_f32_bits(u16::from_le_bytes([b[0], b[1]])));
    }
}

/// Encodes f32 values as little-endian binary16; `dst.len()` must be `2 * src.len()`.
pub fn encode(src: &[f32], dst: &mut [u8]) {
    assert_eq!(dst.len(), src.len() * 2, "float16 encode: length mismatch");
    for (x, out) in src.iter().zip(dst.chunks_exact_mut(2)) {
        out.copy_from_slice(&f32_to_f16_bits(*x).to_le_bytes());
    }
}

/// Largest |decoded - original| over `src` and the halves `encode` wrote
/// for it.
pub fn max_error(src: &[f32], encoded: &[u8]) -> f64 {
    let mut max = 0f64;
    for (x, h) in src.iter().zip(encoded.chunks_exact(2)) {
        let back = f32::from_bits(f16_to_f32_bits(u16::from_le_bytes([h[0], h[1]])));
        max = max.max(f64::from((back - x).abs()));
    }
    max
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
pub mod simd {
    use core::arch::wasm32::*;

    /// Eight values per step; returns how many values were decoded.
    pub fn decode(src: &[u8], dst: &mut [f32]) -> usize {
        let n = dst.len() / 8 * 8;
        for i in (0..n).step_by(8) {
            // SAFETY: i + 8 <= dst.len() and src holds 2 bytes per value;
            // v128 loads and stores are unaligned in wasm.
            unsafe {
                let v = v128_load(src.as_ptr().add(2 * i) as *const v128);
                let out = dst.as_mut_ptr().add(i) as *mut v128;
                v128_store(out, widen(u32x4_extend_low_u16x8(v)));
                v128_store(out.add(1), widen(u32x4_extend_high_u16x8(v)));
            }
        }
        n
    }

    /// Four binary16 values (in u32 lanes) to binary32, branch-free and at
    /// the same speed for any data. Normal halves are rebased by an integer
    /// add to the exponent; subnormals become `mantissa * 2^-24` by one
    /// multiply whose operands and result are normal float32s (a subnormal
    /// *operand*, as in a `bits * 2^112` rebias, takes a slow microcode path
    /// on x86); Inf/NaN lanes keep their payload, like the scalar path.
    #[inline(always)]
    fn widen(h: v128) -> v128 {
        let sign = i32x4_shl(v128_and(h, u32x4_splat(0x8000)), 16);
        let abs = v128_and(h, u32x4_splat(0x7fff));
        let shifted = i32x4_shl(abs, 13);
        let normal = i32x4_add(shifted, u32x4_splat(112 << 23));
        let subnormal = f32x4_mul(f32x4_convert_i32x4(abs), f32x4_splat(1.0 / 16_777_216.0));
        let special = v128_or(shifted, u32x4_splat(0x7f80_0000));
        let finite = v128_bitselect(subnormal, normal, u32x4_lt(abs, u32x4_splat(0x0400)));
        v128_or(v128_bitselect(special, finite, u32x4_ge(abs, u32x4_splat(0x7c00))), sign)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_error_is_the_largest_round_trip_difference() {
        let src = [0.1f32, 1.0, 65504.0, 1e-7];
        let mut encoded = [0u8; 8];
        encode(&src, &mut encoded);
        let mut back = [0f32; 4];
        decode_scalar(&encoded, &mut back);
        let expected = src.iter().zip(back).map(|(x, b)| f64::from((b - x).abs())).fold(0.0, f64::max);
        assert_eq!(max_error(&src, &encoded), expected);
        assert!(expected > 0.0);
    }

    /// TensorFlow.js's table method (Fox toolkit), rebuilt here from its
    /// description in the reference notes, as an independent oracle.
    fn table_oracle(h: u16) -> u32 {
        let mantissa = |i: u32| -> u32 {
            if i == 0 {
                0
            } else if i < 1024 {
                let mut m = i << 13;
                let mut e = 0u32;
                while m & 0x0080_0000 == 0 {
                    e = e.wrapping_sub(0x0080_0000);
                    m <<= 1;
                }
                (m & !0x0080_0000) | e.wrapping_add(0x3880_0000)
            } else {
                0x3800_0000 + ((i - 1024) << 13)
            }
        };
        let exponent = |i: u32| -> u32 {
            match i {
                0 => 0,
                1..=30 => i << 23,
                31 => 0x4780_0000,
                32 => 0x8000_0000,
                33..=62 => 0x8000_0000 + ((i - 32) << 23),
                _ => 0xC780_0000,
            }
        };
        let offset = |i: u32| if i == 0 || i == 32 { 0 } else { 1024 };
        let hi = u32::from(h >> 10);
        mantissa(offset(hi) + u32::from(h & 0x3ff)).wrapping_add(exponent(hi))
    }

    #[test]
    fn all_65536_values_match_the_tfjs_tables_bit_for_bit() {
        for h in 0..=u16::MAX {
            assert_eq!(f16_to_f32_bits(h), table_oracle(h), "h = {h:#06x}");
        }
    }

    #[test]
    fn all_non_nan_values_match_the_half_crate() {
        for h in 0..=u16::MAX {
            let reference = half::f16::from_bits(h);
            if reference.is_nan() {
                // Same payload; we do not set the quiet bit.
                let bits = f16_to_f32_bits(h);
                assert!(f32::from_bits(bits).is_nan());
                assert_eq!(bits & 0x007f_e000, u32::from(h & 0x3ff) << 13);
            } else {
                assert_eq!(f16_to_f32_bits(h), reference.to_f32().to_bits(), "h = {h:#06x}");
            }
        }
    }

    #[test]
    fn tfjs_test_vectors() {
        // io_utils_test: [13312, 14336, 14848] -> [0.25, 0.5, 0.75]
        let src: Vec<u8> = [13312u16, 14336, 14848].iter().flat_map(|v| v.to_le_bytes()).collect();
        let mut out = [0f32; 3];
        decode(&src, &mut out);
        assert_eq!(out, [0.25, 0.5, 0.75]);
        assert!(f32::from_bits(f16_to_f32_bits(0x7e00)).is_nan());
        assert_eq!(f32::from_bits(f16_to_f32_bits(0x7c00)), f32::INFINITY);
        assert_eq!(f32::from_bits(f16_to_f32_bits(0xfc00)), f32::NEG_INFINITY);
        assert_eq!(f16_to_f32_bits(0x8000), 0x8000_0000);
        assert_eq!(f16_to_f32_bits(0), 0);
    }

    #[test]
    fn encode_rounds_to_nearest_even_and_round_trips() {
        for h in 0..=u16::MAX {
            let x = f32::from_bits(f16_to_f32_bits(h));
            if !x.is_nan() {
                assert_eq!(f32_to_f16_bits(x), h);
            }
        }
        // 1 + 2^-11 is halfway between 1 and the next half; ties go to even (1).
        assert_eq!(f32_to_f16_bits(1.0 + 2f32.powi(-11)), 0x3c00);
        assert_eq!(f32_to_f16_bits(70000.0), 0x7c00);
    }
}
