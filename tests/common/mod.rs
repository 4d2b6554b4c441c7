//! Tests shared by the Node, browser and worker wasm test binaries.

use js_sys::{Array, ArrayBuffer, Float32Array, Object, Reflect, Uint8Array};
use model_artifacts::bindings::stream::readable_stream;
use model_artifacts::bindings::{artifacts, js, weights};
use model_artifacts::format::{affine, float16, spec::QuantDType};
use serde_json::Value;
use sha2::{Digest, Sha256};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

/// (name, model.json, expected.json, shards in manifest order)
type Fixture = (&'static str, &'static str, &'static str, &'static [&'static [u8]]);

macro_rules! fixture_file {
    ($dir:literal, $file:literal) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/", $dir, "/", $file))
    };
}
macro_rules! fixture_text {
    ($dir:literal, $file:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/", $dir, "/", $file))
    };
}

const FIXTURES: &[Fixture] = &[
    (
        "synth-graph-multigroup",
        fixture_text!("synth-graph-multigroup", "model.json"),
        fixture_text!("synth-graph-multigroup", "expected.json"),
        &[
            fixture_file!("synth-graph-multigroup", "group1-shard1of1.bin"),
            fixture_file!("synth-graph-multigroup", "group2-shard1of1.bin"),
            fixture_file!("synth-graph-multigroup", "group3-shard1of1.bin"),
            fixture_file!("synth-graph-multigroup", "group4-shard1of2.bin"),
            fixture_file!("synth-graph-multigroup", "group4-shard2of2.bin"),
        ],
    ),
    (
        "human-selfie-f16",
        fixture_text!("human-selfie-f16", "model.json"),
        fixture_text!("human-selfie-f16", "expected.json"),
        &[fixture_file!("human-selfie-f16", "selfie.bin")],
    ),
    (
        "synth-layers-uint16",
        fixture_text!("synth-layers-uint16", "model.json"),
        fixture_text!("synth-layers-uint16", "expected.json"),
        &[
            fixture_file!("synth-layers-uint16", "group1-shard1of3.bin"),
            fixture_file!("synth-layers-uint16", "group1-shard2of3.bin"),
            fixture_file!("synth-layers-uint16", "group1-shard3of3.bin"),
        ],
    ),
];

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

fn get(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &k.into()).unwrap()
}

/// The bytes of a decoded tensor's data, strings re-encoded as tf.io does.
fn data_bytes(data: &JsValue) -> Vec<u8> {
    if Array::is_array(data) {
        let mut out = Vec::new();
        for item in Array::from(data).iter() {
            let b = Uint8Array::new(&item).to_vec();
            out.extend_from_slice(&(b.len() as u32).to_le_bytes());
            out.extend_from_slice(&b);
        }
        return out;
    }
    js::byte_view(data, "data").unwrap().to_vec()
}

fn shards_js(shards: &[&[u8]]) -> Array {
    shards.iter().map(|s| JsValue::from(Uint8Array::from(*s).buffer())).collect()
}

/// The model JSON (for its topology) and the flattened specs as JS parses
/// them (JS numbers are what decoding must use).
fn specs_of(model_json: &str) -> (JsValue, JsValue) {
    let js_model = js_sys::JSON::parse(model_json).unwrap();
    let js_specs = artifacts::get_weight_specs(get(&js_model, "weightsManifest")).unwrap();
    (js_model, js_specs.into())
}

fn check_decoded(name: &str, decoded: &JsValue, expected: &Value) {
    let weights = expected["weights"].as_array().unwrap();
    assert_eq!(Object::keys(decoded.unchecked_ref::<Object>()).length() as usize, weights.len(), "{name}");
    for w in weights {
        let t = get(decoded, w["name"].as_str().unwrap());
        assert_eq!(get(&t, "dtype").as_string().unwrap(), w["decoded"]["dtype"].as_str().unwrap());
        assert_eq!(
            hex(&data_bytes(&get(&t, "data"))),
            w["decoded"]["sha256"].as_str().unwrap(),
            "{name}/{}",
            w["name"]
        );
    }
}

#[wasm_bindgen_test]
fn fixtures_decode_to_tfjs_goldens_and_info_matches() {
    for (name, model_json, expected, shards) in FIXTURES {
        let expected: Value = serde_json::from_str(expected).unwrap();
        let (model, specs) = specs_of(model_json);
        let data = shards_js(shards);
        let decoded = weights::decode_weights(data.clone().into(), specs.clone()).unwrap();
        check_decoded(name, &decoded, &expected);

        let arts = Object::new();
        js::set(&arts, "modelTopology", &get(&model, "modelTopology"));
        js::set(&arts, "weightSpecs", &specs);
        js::set(&arts, "weightData", &data);
        let info = artifacts::get_model_artifacts_info_for_json(arts.into()).unwrap();
        for key in ["modelTopologyBytes", "weightSpecsBytes", "weightDataBytes"] {
            assert_eq!(
                get(&info, key).as_f64().unwrap(),
                expected["artifactsInfo"][key].as_f64().unwrap(),
                "{name} {key}"
            );
        }
    }
}

#[wasm_bindgen_test]
async fn fixtures_decode_from_a_stream_of_odd_chunks() {
    for (name, model_json, expected, shards) in FIXTURES {
        let expected: Value = serde_json::from_str(expected).unwrap();
        let (_, specs) = specs_of(model_json);
        let all: Vec<u8> = shards.concat();
        let chunks: Vec<Result<JsValue, JsValue>> =
            all.chunks(7).map(|c| Ok(JsValue::from(Uint8Array::from(c)))).collect();
        let stream = readable_stream(futures_util::stream::iter(chunks));
        let decoded = weights::decode_weights_stream(stream, specs, JsValue::UNDEFINED).await.unwrap();
        check_decoded(name, &decoded, &expected);
    }
}

#[wasm_bindgen_test]
async fn a_stream_that_ends_early_is_a_typed_error() {
    let (_, specs) = specs_of(FIXTURES[0].1);
    let all: Vec<u8> = FIXTURES[0].3.concat();
    let chunks = vec![Ok(JsValue::from(Uint8Array::from(&all[..100])))];
    let stream = readable_stream(futures_util::stream::iter(chunks));
    let err = JsValue::from(weights::decode_weights_stream(stream, specs, JsValue::UNDEFINED).await.unwrap_err());
    assert_model_artifacts_error(&err, "E_WEIGHT_DATA_TOO_SHORT");
}

/// Reads `stream` to its end with the platform's reader: the chunks, or the
/// stream's error.
async fn read_all(stream: &JsValue) -> Result<Vec<JsValue>, JsValue> {
    let stream: web_sys::ReadableStream = stream.clone().unchecked_into();
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut out = Vec::new();
    loop {
        let result = wasm_bindgen_futures::JsFuture::from(reader.read()).await?;
        if js::get(&result, "done").is_truthy() {
            return Ok(out);
        }
        out.push(js::get(&result, "value"));
    }
}

#[wasm_bindgen_test]
async fn readable_stream_delivers_every_chunk_in_order_then_closes() {
    let chunks = (0..5).map(|i| Ok(JsValue::from(i)));
    let read = read_all(&readable_stream(futures_util::stream::iter(chunks))).await.unwrap();
    assert_eq!(read.iter().map(|v| v.as_f64().unwrap()).collect::<Vec<_>>(), [0.0, 1.0, 2.0, 3.0, 4.0]);
}

#[wasm_bindgen_test]
async fn readable_stream_errors_with_the_rust_error_and_drops_the_stream() {
    use futures_util::StreamExt as _;
    let alive = std::rc::Rc::new(());
    let held = alive.clone();
    let chunks = futures_util::stream::iter(vec![Ok(JsValue::from(1)), Err(JsValue::from("broken")), Ok(2.into())])
        .inspect(move |_| {
            let _ = &held;
        });
    let err = read_all(&readable_stream(chunks)).await.unwrap_err();
    assert_eq!(err.as_string().as_deref(), Some("broken"));
    // The failed Rust stream (and what it holds) is dropped, not kept until GC.
    assert_eq!(std::rc::Rc::strong_count(&alive), 1);
}

#[wasm_bindgen_test]
async fn readable_stream_cancel_drops_the_rust_stream() {
    use futures_util::StreamExt as _;
    let alive = std::rc::Rc::new(());
    let held = alive.clone();
    let chunks = futures_util::stream::repeat(0).map(move |_| {
        let _ = &held;
        Ok(JsValue::from(0))
    });
    let stream: web_sys::ReadableStream = readable_stream(chunks).unchecked_into();
    let reader: web_sys::ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    wasm_bindgen_futures::JsFuture::from(reader.read()).await.unwrap();
    wasm_bindgen_futures::JsFuture::from(reader.cancel()).await.unwrap();
    assert_eq!(std::rc::Rc::strong_count(&alive), 1);
}

fn assert_model_artifacts_error(err: &JsValue, code: &str) {
    assert!(err.is_instance_of::<js_sys::Error>(), "not an Error: {err:?}");
    assert_eq!(get(err, "name").as_string().as_deref(), Some("ModelArtifactsError"));
    assert_eq!(get(err, "code").as_string().as_deref(), Some(code), "{err:?}");
}

#[wasm_bindgen_test]
fn bad_input_is_a_model_artifacts_error() {
    let spec = |json: &str| js::from_json(&serde_json::from_str::<Value>(json).unwrap());
    let data: JsValue = ArrayBuffer::new(8).into();
    let cases = [
        (r#"[{"name":"w","shape":[4],"dtype":"float32"}]"#, "E_WEIGHT_DATA_TOO_SHORT"),
        (r#"[{"name":"w","shape":[1],"dtype":"float64"}]"#, "E_UNSUPPORTED_DTYPE"),
        (r#"[{"name":"w","shape":[-1],"dtype":"float32"}]"#, "E_INVALID_WEIGHT_SPEC"),
        (r#"[{"name":"w","shape":[1099511627776,1099511627776],"dtype":"float32"}]"#, "E_SHAPE_OVERFLOW"),
        (
            r#"[{"name":"w","shape":[1],"dtype":"float32","quantization":{"dtype":"int4"}}]"#,
            "E_UNSUPPORTED_QUANTIZATION",
        ),
        (r#"[{"name":"w","shape":[1],"dtype":"float32","quantization":null}]"#, "E_INVALID_QUANTIZATION"),
        (
            r#"[{"name":"w","shape":[1],"dtype":"float32","quantization":{"dtype":"uint8","min":0}}]"#,
            "E_INVALID_QUANTIZATION",
        ),
        (r#"[{"name":"w","shape":[1],"dtype":"int32","quantization":{"dtype":"float16"}}]"#, "E_INVALID_QUANTIZATION"),
        (r#"[{"name":"w","shape":[3],"dtype":"string"}]"#, "E_STRING_OVERRUN"),
    ];
    for (specs, code) in cases {
        let err = JsValue::from(weights::decode_weights(data.clone(), spec(specs)).unwrap_err());
        assert_model_artifacts_error(&err, code);
        assert_eq!(get(&err, "weight").as_string().as_deref(), Some("w"));
    }
    assert_model_artifacts_error(
        &JsValue::from(artifacts::parse_model_json("{".into()).unwrap_err()),
        "E_INVALID_JSON",
    );
    assert_model_artifacts_error(
        &JsValue::from(artifacts::parse_model_json(r#"{"format":"x"}"#.into()).unwrap_err()),
        "E_INVALID_MODEL_JSON",
    );
}

#[wasm_bindgen_test]
fn composite_respects_views_and_empty_buffers() {
    let backing = Uint8Array::from(&[9u8, 1, 2, 3, 4, 9][..]);
    let view = backing.subarray(1, 5);
    let parts: Array =
        [JsValue::from(ArrayBuffer::new(0)), view.into(), Uint8Array::from(&[5u8][..]).into()].into_iter().collect();
    let c = weights::CompositeArrayBuffer::new(parts.into()).unwrap();
    assert_eq!(c.byte_length(), 5.0);
    assert_eq!(Uint8Array::new(&c.slice(Some(1.0), Some(5.0))).to_vec(), vec![2, 3, 4, 5]);
    assert_eq!(Uint8Array::new(&c.slice(None, None)).to_vec(), vec![1, 2, 3, 4, 5]);
    let empty = weights::CompositeArrayBuffer::new(JsValue::UNDEFINED).unwrap();
    assert_eq!(empty.byte_length(), 0.0);
}

#[wasm_bindgen_test]
fn simd_float16_matches_scalar_for_all_65536_values() {
    let src: Vec<u8> = (0..=u16::MAX).flat_map(|h| h.to_le_bytes()).collect();
    let (mut fast, mut slow) = (vec![0f32; 65536], vec![0f32; 65536]);
    float16::decode(&src, &mut fast);
    float16::decode_scalar(&src, &mut slow);
    for (i, (a, b)) in fast.iter().zip(&slow).enumerate() {
        assert_eq!(a.to_bits(), b.to_bits(), "h = {i:#06x}");
    }
}

#[wasm_bindgen_test]
fn simd_affine_matches_scalar() {
    let codes8: Vec<u8> = (0..1031u32).map(|i| (i * 37 % 256) as u8).collect();
    let codes16: Vec<u8> =
        (0..1031u32).flat_map(|i| ((i.wrapping_mul(2654435761) >> 16) as u16).to_le_bytes()).collect();
    for (scale, min) in [(0.1, -1.0), (1.5054489333505733e-05, -0.49855952325770936), (3.0e38, -1.0e38), (1e-30, 7.0)] {
        // 1031 values: table path for uint8; 201 values: the SIMD path for both.
        for (dtype, src, n) in [
            (QuantDType::Uint8, &codes8[..], 1031),
            (QuantDType::Uint16, &codes16[..], 1031),
            (QuantDType::Uint8, &codes8[..201], 201),
            (QuantDType::Uint16, &codes16[..402], 201),
        ] {
            let (mut fast, mut slow) = (vec![0f32; n], vec![0f32; n]);
            affine::decode_f32(src, dtype, scale, min, &mut fast);
            affine::decode_f32_scalar(src, dtype, scale, min, &mut slow);
            assert_eq!(
                fast.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
                slow.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
            );
        }
    }
}

#[wasm_bindgen_test]
fn simd_affine_matches_scalar_at_every_length_and_writes_nothing_past_the_output() {
    // All 65,536 uint16 codes; every length up to 40 (the SIMD steps, their
    // two values of room at the end, and the scalar tail); a sentinel after
    // the output that no store may reach.
    let codes16: Vec<u8> = (0..=u16::MAX).flat_map(|q| q.to_le_bytes()).collect();
    let codes8: Vec<u8> = (0..=255u8).collect();
    let (scale, min) = (1.5054489333505733e-05, -0.49855952325770936);
    for (dtype, src, width) in [(QuantDType::Uint16, &codes16[..], 2), (QuantDType::Uint8, &codes8[..], 1)] {
        let all = src.len() / width;
        for n in (0..=40).chain([all]) {
            let mut fast = vec![f32::from_bits(0x7fc0_dead); n + 4];
            let mut slow = vec![0f32; n];
            affine::decode_f32(&src[..n * width], dtype, scale, min, &mut fast[..n]);
            affine::decode_f32_scalar(&src[..n * width], dtype, scale, min, &mut slow);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&fast[..n]), bits(&slow), "{dtype:?} n = {n}");
            assert!(fast[n..].iter().all(|x| x.to_bits() == 0x7fc0_dead), "{dtype:?} n = {n}: wrote past the output");
        }
    }
}

#[wasm_bindgen_test]
async fn encode_then_decode_round_trips() {
    let tensors = Object::new();
    let t = Object::new();
    js::set(&t, "dtype", &"float32".into());
    js::set(&t, "shape", &Array::of2(&2.into(), &2.into()));
    js::set(&t, "data", &Float32Array::from(&[1.0f32, -2.5, 3.25, 0.0][..]));
    js::set(&tensors, "a", &t);
    let s = Object::new();
    js::set(&s, "dtype", &"string".into());
    js::set(&s, "shape", &Array::of1(&2.into()));
    js::set(&s, "data", &Array::of2(&"héllo".into(), &"".into()));
    js::set(&tensors, "s", &s);
    let encoded = weights::encode_weights(tensors.into(), JsValue::UNDEFINED).await.unwrap();
    let decoded = weights::decode_weights(get(&encoded, "data"), get(&encoded, "specs")).unwrap();
    let a = Float32Array::new(&get(&get(&decoded, "a"), "data")).to_vec();
    assert_eq!(a, vec![1.0, -2.5, 3.25, 0.0]);
    let strings = Array::from(&get(&get(&decoded, "s"), "data"));
    assert_eq!(Uint8Array::new(&strings.get(0)).to_vec(), "héllo".as_bytes());
    assert_eq!(Uint8Array::new(&strings.get(1)).length(), 0);
}

/// Reads a record straight from TensorFlow.js's database, as tfjs would.
#[wasm_bindgen::prelude::wasm_bindgen(inline_js = r#"
export function rawRecord(store, key) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open('tensorflowjs', 1);
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const db = open.result;
      const get = db.transaction(store, 'readonly').objectStore(store).get(key);
      get.onsuccess = () => { db.close(); resolve(get.result); };
      get.onerror = () => reject(get.error);
    };
  });
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = rawRecord)]
    fn raw_record(store: &str, key: &str) -> js_sys::Promise;
}

#[wasm_bindgen_test]
async fn indexed_db_round_trip_in_the_tfjs_layout() {
    use model_artifacts::handlers::{indexed_db, management};
    use wasm_bindgen_futures::JsFuture;
    let (model, specs) = specs_of(FIXTURES[0].1);
    let expected: Value = serde_json::from_str(FIXTURES[0].2).unwrap();
    let arts = Object::new();
    js::set(&arts, "modelTopology", &get(&model, "modelTopology"));
    js::set(&arts, "format", &"graph-model".into());
    js::set(&arts, "weightSpecs", &specs);
    // Shards, one of them a view with an offset: stored as just its bytes.
    let shards = shards_js(FIXTURES[0].3);
    let padded = Uint8Array::new_with_length(shards.get(0).unchecked_ref::<ArrayBuffer>().byte_length() + 8);
    padded.set(&Uint8Array::new(&shards.get(0)), 4);
    shards.set(0, padded.subarray(4, padded.length() - 4).into());
    js::set(&arts, "weightData", &shards);

    let handler = indexed_db::browser_indexed_db("indexeddb://wasm-test/model".into(), JsValue::UNDEFINED).unwrap();
    let saved = JsFuture::from(handler.save(arts.clone().into())).await.unwrap();
    let info = get(&saved, "modelArtifactsInfo");
    assert_eq!(get(&info, "weightDataBytes").as_f64(), expected["artifactsInfo"]["weightDataBytes"].as_f64());
    // The caller's artifacts are untouched: still the view, not a copy.
    assert!(Array::from(&get(&arts, "weightData")).get(0).is_instance_of::<Uint8Array>());

    // The records are where TensorFlow.js looks, with the shards as ArrayBuffers.
    let record = JsFuture::from(raw_record("models_store", "wasm-test/model")).await.unwrap();
    let stored = get(&get(&record, "modelArtifacts"), "weightData");
    assert!(Array::from(&stored).iter().all(|b| b.is_instance_of::<ArrayBuffer>()));
    let info_record = JsFuture::from(raw_record("model_info_store", "wasm-test/model")).await.unwrap();
    assert_eq!(
        get(&get(&info_record, "modelArtifactsInfo"), "weightSpecsBytes").as_f64(),
        expected["artifactsInfo"]["weightSpecsBytes"].as_f64()
    );

    let loaded = JsFuture::from(handler.load()).await.unwrap();
    let decoded = weights::decode_weights(get(&loaded, "weightData"), get(&loaded, "weightSpecs")).unwrap();
    check_decoded("indexeddb", &decoded, &expected);

    let listed = management::list_models(JsValue::UNDEFINED).await.unwrap();
    assert!(present_key(&listed, "indexeddb://wasm-test/model"));
    management::remove_model("indexeddb://wasm-test/model".into()).await.unwrap();
    let err = JsFuture::from(handler.load()).await.unwrap_err();
    assert_model_artifacts_error(&err, "E_NOT_FOUND");
    let err = management::remove_model("indexeddb://wasm-test/model".into()).await.unwrap_err();
    assert_model_artifacts_error(&err, "E_NOT_FOUND");
}

#[wasm_bindgen_test]
async fn indexed_db_chunked_layout_round_trips_and_switches_layout() {
    use model_artifacts::handlers::{indexed_db, management};
    use wasm_bindgen_futures::JsFuture;
    let (model, specs) = specs_of(FIXTURES[1].1);
    let expected: Value = serde_json::from_str(FIXTURES[1].2).unwrap();
    let arts = Object::new();
    js::set(&arts, "modelTopology", &get(&model, "modelTopology"));
    js::set(&arts, "weightSpecs", &specs);
    js::set(&arts, "weightData", &shards_js(FIXTURES[1].3));
    let total = FIXTURES[1].3.iter().map(|s| s.len()).sum::<usize>();
    let url = "indexeddb://wasm-test/chunked";
    // Over a 1 KiB threshold: chunks of 4 KiB.
    let options = Object::new();
    js::set(&options, "chunkThreshold", &1024.into());
    js::set(&options, "chunkSize", &4096.into());
    let seen = Array::new();
    let on_progress = {
        let seen = seen.clone();
        wasm_bindgen::closure::Closure::<dyn FnMut(JsValue)>::new(move |fraction: JsValue| {
            seen.push(&fraction);
        })
    };
    js::set(&options, "onProgress", on_progress.as_ref());
    let fractions = |seen: &Array| -> Vec<f64> { seen.iter().map(|f| f.as_f64().unwrap()).collect() };
    let chunked = indexed_db::browser_indexed_db(url.into(), options.clone().into()).unwrap();
    JsFuture::from(chunked.save(arts.clone().into())).await.unwrap();
    // Progress by bytes, one step per transaction, never backwards, 1 at the commit.
    let saved = fractions(&seen);
    assert!(saved.len() >= total.div_ceil(4096), "{saved:?}");
    assert!(saved.windows(2).all(|w| w[0] <= w[1]) && saved[0] == 0.0 && *saved.last().unwrap() == 1.0, "{saved:?}");
    assert_eq!(saved.iter().filter(|&&f| f == 1.0).count(), 1, "{saved:?}");
    seen.set_length(0);
    // Nothing in tfjs's layout; the chunks come back in order, 4 KiB each.
    assert!(!present_key(&JsFuture::from(raw_record("models_store", "wasm-test/chunked")).await.unwrap(), "modelPath"));
    let loaded = JsFuture::from(chunked.load()).await.unwrap();
    let read = fractions(&seen);
    assert!(read.len() > 2 && read.windows(2).all(|w| w[0] <= w[1]) && *read.last().unwrap() == 1.0, "{read:?}");
    let chunks = Array::from(&get(&loaded, "weightData"));
    assert_eq!(chunks.length() as usize, total.div_ceil(4096));
    assert!(chunks.iter().all(|c| c.is_instance_of::<ArrayBuffer>()));
    let decoded = weights::decode_weights(get(&loaded, "weightData"), get(&loaded, "weightSpecs")).unwrap();
    check_decoded("indexeddb chunked", &decoded, &expected);
    let listed = management::list_models(JsValue::UNDEFINED).await.unwrap();
    assert_eq!(get(&get(&listed, url), "weightDataBytes").as_f64(), Some(total as f64));

    // A save in tfjs's layout replaces it (the default threshold).
    let plain = indexed_db::browser_indexed_db(url.into(), JsValue::UNDEFINED).unwrap();
    js::set(&arts, "format", &"layers-model".into());
    JsFuture::from(plain.save(arts.clone().into())).await.unwrap();
    let loaded = JsFuture::from(chunked.load()).await.unwrap();
    assert_eq!(get(&loaded, "format").as_string().as_deref(), Some("layers-model"));
    assert_eq!(Array::from(&get(&loaded, "weightData")).length(), FIXTURES[1].3.len() as u32);
    // ...and a chunked save replaces that, removing the tfjs record.
    js::set(&arts, "format", &"graph-model".into());
    JsFuture::from(chunked.save(arts.into())).await.unwrap();
    assert!(!present_key(&JsFuture::from(raw_record("models_store", "wasm-test/chunked")).await.unwrap(), "modelPath"));
    let loaded = JsFuture::from(plain.load()).await.unwrap();
    assert_eq!(get(&loaded, "format").as_string().as_deref(), Some("graph-model"));

    management::remove_model(url.into()).await.unwrap();
    assert_model_artifacts_error(&JsFuture::from(chunked.load()).await.unwrap_err(), "E_NOT_FOUND");
    assert_model_artifacts_error(&management::remove_model(url.into()).await.unwrap_err(), "E_NOT_FOUND");
}

fn present_key(obj: &JsValue, key: &str) -> bool {
    Reflect::has(obj, &key.into()).unwrap_or(false)
}
