//! model.json parsing and weight decoding on arbitrary input: the first
//! line is model.json text, the rest is weight data split into two shards.
//! Anything may fail with a FormatError; nothing may panic, hang or
//! allocate beyond what the data can back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use model_artifacts::format::codec::{decode_weights, Shards};
use model_artifacts::format::model_json::{ArtifactsInfo, ModelJson};
use model_artifacts::format::quantize::quantize;
use model_artifacts::format::spec::{parse_specs, QuantDType};

fuzz_target!(|input: &[u8]| {
    let split = input.iter().position(|&b| b == b'\n').unwrap_or(input.len());
    let Ok(text) = std::str::from_utf8(&input[..split]) else { return };
    let data = input.get(split + 1..).unwrap_or(&[]);
    let Ok(model) = ModelJson::parse(text, "fuzz") else { return };
    let Some(specs_json) = model.weight_specs() else { return };
    let _ = ArtifactsInfo::new(None, Some(&specs_json), data.len() as u64);
    let Ok(specs) = parse_specs(&specs_json) else { return };
    let mid = data.len() / 2;
    let src = Shards::new(vec![&data[..mid], &[], &data[mid..]]);
    if let Ok(decoded) = decode_weights(&src, &specs) {
        assert_eq!(decoded.len(), specs.len());
    }
    let _ = quantize(specs_json.as_array().unwrap(), &src, QuantDType::Uint8, |_| true);
});
