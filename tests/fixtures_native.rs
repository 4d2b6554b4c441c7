//! Every fixture in ../shared/fixtures decodes, natively, to the sha256
//! TensorFlow.js computed for every weight, and its ModelArtifactsInfo byte
//! counts equal TensorFlow.js's. The 64 MiB model is generated at test time.
#![cfg(not(target_arch = "wasm32"))]

use std::path::{Path, PathBuf};
use std::process::Command;

use model_artifacts::format::codec::{decode_weights, Shards};
use model_artifacts::format::model_json::{ArtifactsInfo, ModelJson};
use model_artifacts::format::quantize::{quantize, Segment};
use model_artifacts::format::spec::{parse_specs, QuantDType};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures")
}

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

struct Loaded {
    model: ModelJson,
    /// The topology, parsed by the test (ModelJson skips it).
    topology: Option<Value>,
    shards: Vec<Vec<u8>>,
    expected: Value,
}

fn load(dir: &Path) -> Loaded {
    let expected: Value = serde_json::from_slice(&std::fs::read(dir.join("expected.json")).unwrap()).unwrap();
    let model_file = expected["modelFile"].as_str().unwrap_or("model.json").to_owned();
    let text = std::fs::read_to_string(dir.join(&model_file)).unwrap();
    let model = if text.trim_start().starts_with('[') {
        // A bare weights manifest (face-api style).
        ModelJson::from_manifest_text(&text, &model_file).unwrap()
    } else {
        ModelJson::parse(&text, &model_file).unwrap()
    };
    let shards = model
        .manifest
        .iter()
        .flatten()
        .flat_map(|g| g.paths.iter())
        .map(|p| std::fs::read(dir.join(p)).unwrap_or_else(|e| panic!("{}: {e}", dir.join(p).display())))
        .collect();
    let topology = serde_json::from_str::<Value>(&text).unwrap().get("modelTopology").cloned();
    Loaded { model, topology, shards, expected }
}

fn check_fixture(dir: &Path) {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let Loaded { model, topology, shards, expected } = load(dir);
    let specs_json = model.weight_specs().unwrap();
    let specs = parse_specs(&specs_json).unwrap();
    let data_len: u64 = shards.iter().map(|s| s.len() as u64).sum();

    let info = ArtifactsInfo::new(topology.as_ref(), Some(&specs_json), data_len);
    let want = &expected["artifactsInfo"];
    assert_eq!(info.model_topology_bytes, want["modelTopologyBytes"].as_u64().unwrap(), "{name} topology bytes");
    assert_eq!(info.weight_specs_bytes, want["weightSpecsBytes"].as_u64().unwrap(), "{name} specs bytes");
    assert_eq!(info.weight_data_bytes, want["weightDataBytes"].as_u64().unwrap(), "{name} data bytes");

    let decoded = decode_weights(&Shards::new(shards.iter().map(Vec::as_slice).collect()), &specs).unwrap();
    let weights = expected["weights"].as_array().unwrap();
    assert_eq!(decoded.len(), weights.len(), "{name}");
    for (got, want) in decoded.iter().zip(weights) {
        assert_eq!(got.name, want["name"].as_str().unwrap());
        assert_eq!(got.dtype.as_str(), want["decoded"]["dtype"].as_str().unwrap(), "{name}/{}", got.name);
        assert_eq!(
            hex(&got.values.to_le_bytes()),
            want["decoded"]["sha256"].as_str().unwrap(),
            "{name}/{} decoded bytes",
            got.name
        );
    }
}

#[test]
fn every_stored_fixture_decodes_to_the_tfjs_goldens() {
    let mut seen = 0;
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let dir = entry.unwrap().path();
        if dir.join("expected.json").exists() && dir.file_name().unwrap() != "large-64mb-generated" {
            check_fixture(&dir);
            seen += 1;
        }
    }
    assert!(seen >= 12, "only {seen} fixtures found");
}

#[test]
fn generated_64mb_fixture_decodes_to_the_tfjs_goldens() {
    // Canonical path: the generator only runs as a script when argv[1] is
    // its real path (not through a symlink).
    let src = fixtures().join("large-64mb-generated").canonicalize().unwrap();
    let out = std::env::temp_dir().join(format!("ma-large-{}", std::process::id()));
    let status = Command::new("node").arg(src.join("gen-large-model.mjs")).arg(&out).status().expect("node runs");
    assert!(status.success() && out.join("model.json").exists(), "the generator wrote no model");
    std::fs::copy(src.join("expected.json"), out.join("expected.json")).unwrap();
    check_fixture(&out);
    std::fs::remove_dir_all(&out).unwrap();
}

/// Our quantizer, run on the float32 model, gives the converter's bytes and
/// manifest numbers for the uint8, uint16 and float16 fixtures.
#[test]
fn quantizer_reproduces_the_converter_fixtures() {
    let source = load(&fixtures().join("synth-layers-f32-sharded"));
    let specs = source.model.weight_specs().unwrap();
    let src = Shards::new(source.shards.iter().map(Vec::as_slice).collect());
    for (fixture, dtype) in [
        ("synth-layers-uint8", QuantDType::Uint8),
        ("synth-layers-uint16", QuantDType::Uint16),
        ("synth-layers-float16", QuantDType::Float16),
    ] {
        let target = load(&fixtures().join(fixture));
        let out = quantize(specs.as_array().unwrap(), &src, dtype, |_| true).unwrap();
        let bytes: Vec<u8> = out
            .segments
            .iter()
            .flat_map(|s| match s {
                Segment::Bytes(b) => b.clone(),
                Segment::Source { .. } => panic!("every weight is float32"),
            })
            .collect();
        assert_eq!(bytes, target.shards.concat(), "{fixture} bytes");
        let want_specs = target.model.weight_specs().unwrap();
        for (got, want) in out.specs.iter().zip(want_specs.as_array().unwrap()) {
            let (g, w) = (&got["quantization"], &want["quantization"]);
            assert_eq!(g["dtype"], w["dtype"], "{fixture}");
            for key in ["min", "scale"] {
                assert_eq!(g.get(key).and_then(Value::as_f64), w.get(key).and_then(Value::as_f64), "{fixture} {key}");
            }
        }
    }
}
