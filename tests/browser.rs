//! wasm tests in headless Chromium, main thread.
#![cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
mod common;

use js_sys::{Array, Object, Uint8Array};
use model_artifacts::bindings::js;
use model_artifacts::handlers::{local_storage, management};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::wasm_bindgen_test;

fn model(weights: &[u8]) -> Object {
    let arts = Object::new();
    js::set(&arts, "modelTopology", &js_sys::JSON::parse(r#"{"node":[]}"#).unwrap());
    js::set(&arts, "format", &"graph-model".into());
    let specs =
        js_sys::JSON::parse(&format!(r#"[{{"name":"w","dtype":"int32","shape":[{}]}}]"#, weights.len() / 4)).unwrap();
    js::set(&arts, "weightSpecs", &specs);
    // Two shards, the second a view with an offset.
    let (a, b) = weights.split_at(weights.len() / 2);
    let padded = Uint8Array::new_with_length(b.len() as u32 + 3);
    padded.set(&Uint8Array::from(b), 3);
    js::set(&arts, "weightData", &Array::of2(&Uint8Array::from(a).buffer(), &padded.subarray(3, padded.length())));
    arts
}

fn stored_keys(path: &str) -> Vec<Option<String>> {
    let storage = web_storage();
    ["info", "model_topology", "weight_specs", "weight_data", "model_metadata"]
        .iter()
        .map(|k| {
            js::get(&storage, "getItem")
                .unchecked_ref::<js_sys::Function>()
                .call1(&storage, &format!("tensorflowjs_models/{path}/{k}").into())
                .unwrap()
                .as_string()
        })
        .collect()
}

fn web_storage() -> JsValue {
    js::get(&js_sys::global(), "localStorage")
}

#[wasm_bindgen_test]
async fn local_storage_round_trip_and_a_failed_save_keeps_the_old_model() {
    let weights: Vec<u8> = (0..4096u32).map(|i| (i * 7 % 251) as u8).collect();
    let handler =
        local_storage::browser_local_storage("localstorage://wasm-test/ls".into(), JsValue::UNDEFINED).unwrap();
    JsFuture::from(handler.save(model(&weights).into())).await.unwrap();
    let keys = stored_keys("wasm-test/ls");
    assert!(keys.iter().all(Option::is_some), "five keys: {keys:?}");
    let loaded = JsFuture::from(handler.load()).await.unwrap();
    assert_eq!(Uint8Array::new(&js::get(&loaded, "weightData")).to_vec(), weights);
    assert_eq!(js::get(&loaded, "format").as_string().as_deref(), Some("graph-model"));

    // 12 MiB of weights cannot fit (localStorage holds 5 Mi UTF-16 units).
    let big: Vec<u8> = (0..12u32 << 20).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8).collect();
    let err = JsFuture::from(handler.save(model(&big).into())).await.unwrap_err();
    assert_eq!(js::get(&err, "code").as_string().as_deref(), Some("E_QUOTA_EXCEEDED"));
    assert!(js::get(&err, "needed").as_f64().unwrap() > (16u32 << 20) as f64);
    assert_eq!(stored_keys("wasm-test/ls"), keys, "the old model's keys are back as they were");
    let loaded = JsFuture::from(handler.load()).await.unwrap();
    assert_eq!(Uint8Array::new(&js::get(&loaded, "weightData")).to_vec(), weights);

    let listed = JsFuture::from(management::list_models(JsValue::UNDEFINED)).await.unwrap();
    assert!(js_sys::Reflect::has(&listed, &"localstorage://wasm-test/ls".into()).unwrap());
    JsFuture::from(management::remove_model("localstorage://wasm-test/ls".into())).await.unwrap();
    assert!(stored_keys("wasm-test/ls").iter().all(Option::is_none));
    let err = JsFuture::from(handler.load()).await.unwrap_err();
    assert_eq!(js::get(&err, "code").as_string().as_deref(), Some("E_NOT_FOUND"));
}
