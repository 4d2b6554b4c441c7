//! Property tests of the format core (native).
#![cfg(not(target_arch = "wasm32"))]

use model_artifacts::format::affine::{self, AffineParams};
use model_artifacts::format::codec::{decode_weights, encode_strings, Shards, Values};
use model_artifacts::format::composite::{copy_range, ShardIndex};
use model_artifacts::format::paths::split_ascii;
use model_artifacts::format::spec::{QuantDType, WeightSpec};
use proptest::prelude::*;
use serde_json::json;

proptest! {
    #[test]
    fn split_ascii_is_strs_split_once(s in "[a/é?\u{10348}-]{0,12}", sep in prop::sample::select(vec![b'/', b'?', b'-'])) {
        // Multi-byte characters around the separator: the byte search must
        // agree with str's char search everywhere.
        prop_assert_eq!(split_ascii(&s, sep, false), s.split_once(char::from(sep)));
        prop_assert_eq!(split_ascii(&s, sep, true), s.rsplit_once(char::from(sep)));
    }

    #[test]
    fn composite_ranges_equal_the_joined_bytes(
        parts in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..12), 0..8),
        a in 0usize..100, b in 0usize..100,
    ) {
        let joined: Vec<u8> = parts.concat();
        let (start, end) = (a.min(b).min(joined.len()), a.max(b).min(joined.len()));
        let index = ShardIndex::new(parts.iter().map(|p| p.len() as u64));
        let refs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        let mut out = vec![0; end - start];
        copy_range(&refs, &index, start as u64, &mut out);
        prop_assert_eq!(&out[..], &joined[start..end]);
    }

    #[test]
    fn affine_round_trip_error_is_at_most_half_a_step(
        values in prop::collection::vec(-1e6f32..1e6f32, 1..300),
        wide in any::<bool>(),
    ) {
        let dtype = if wide { QuantDType::Uint16 } else { QuantDType::Uint8 };
        let lo = values.iter().fold(f64::INFINITY, |m, &v| m.min(f64::from(v)));
        let hi = values.iter().fold(f64::NEG_INFINITY, |m, &v| m.max(f64::from(v)));
        let p = AffineParams::for_range(lo, hi, dtype);
        let mut codes = vec![0u8; values.len() * dtype.value_bytes() as usize];
        p.encode(&values, dtype, &mut codes);
        let mut back = vec![0f32; values.len()];
        affine::decode_f32_scalar(&codes, dtype, p.scale, p.min, &mut back);
        for (x, y) in values.iter().zip(&back) {
            // Half a step, plus the float32 rounding of the result, plus the
            // nudge of the range (at most half a step more at the far end).
            let bound = p.scale + f64::from(x.abs()) * 1e-6 + 1e-6;
            prop_assert!((f64::from(*x) - f64::from(*y)).abs() <= bound, "{} -> {} (scale {})", x, y, p.scale);
        }
    }

    #[test]
    fn every_dtype_round_trips_through_the_codec(
        floats in prop::collection::vec(any::<f32>().prop_filter("not NaN", |v| !v.is_nan()), 0..20),
        ints in prop::collection::vec(any::<i32>(), 0..20),
        bools in prop::collection::vec(0u8..2, 0..20),
        strings in prop::collection::vec(".{0,6}", 0..5),
    ) {
        let complex: Vec<f32> = floats.iter().flat_map(|&f| [f, -f]).collect();
        let mut data = Vec::new();
        data.extend(floats.iter().flat_map(|f| f.to_le_bytes()));
        data.extend(ints.iter().flat_map(|i| i.to_le_bytes()));
        data.extend(&bools);
        data.extend(complex.iter().flat_map(|f| f.to_le_bytes()));
        data.extend(encode_strings(strings.iter().map(|s| s.as_bytes())));
        let spec = |name: &str, n: usize, dtype: &str| WeightSpec::from_json(&json!({"name": name, "shape": [n], "dtype": dtype})).unwrap();
        let specs = [
            spec("f", floats.len(), "float32"), spec("i", ints.len(), "int32"), spec("b", bools.len(), "bool"),
            spec("c", floats.len(), "complex64"), spec("s", strings.len(), "string"),
        ];
        let cut = data.len() / 3;
        let out = decode_weights(&Shards::new(vec![&data[..cut], &data[cut..]]), &specs).unwrap();
        prop_assert_eq!(&out[0].values, &Values::Float32(floats.clone()));
        prop_assert_eq!(&out[1].values, &Values::Int32(ints));
        prop_assert_eq!(&out[2].values, &Values::Bool(bools));
        prop_assert_eq!(&out[3].values, &Values::Complex64(complex));
        prop_assert_eq!(&out[4].values, &Values::Strings(strings.iter().map(|s| s.as_bytes().to_vec()).collect()));
    }
}
