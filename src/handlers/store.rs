//! What the browser stores (IndexedDB, localStorage, downloads) share: the
//! checks before a save, the stored copy of the artifacts, and storage
//! failures as typed errors.

use crate::format::Code;
use js_sys::{ArrayBuffer, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::bindings::error::{Error, Result};
use crate::bindings::js::{get, present, set, type_name};

#[wasm_bindgen(module = "/src/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = storageEstimate)]
    fn storage_estimate_js() -> Promise;
    #[wasm_bindgen(js_name = persistStorage)]
    fn persist_storage() -> Promise;
    /// A fresh save id, its start time first (see `saveAge`).
    #[wasm_bindgen(js_name = newSaveId)]
    pub fn new_save_id() -> String;
    /// How long ago (ms) the save whose id starts `name` started
    /// (Infinity for a name that starts with none).
    #[wasm_bindgen(js_name = saveAge)]
    pub fn save_age(name: &str) -> f64;
}

/// Checks that `artifacts` are storable by `handler`: an object with a
/// JSON topology.
pub fn savable_topology(artifacts: &JsValue, handler: &str) -> Result<()> {
    if !artifacts.is_object() {
        return Err(Error::invalid_argument(format!(
            "{handler}: save expects model artifacts, got {}",
            type_name(artifacts)
        )));
    }
    if get(artifacts, "modelTopology").is_instance_of::<ArrayBuffer>() {
        return Err(Error::new(
            Code::BinaryTopology,
            format!("{handler} does not support saving a binary model topology"),
        ));
    }
    Ok(())
}

/// The artifacts' `weightData` (possibly undefined) once they are known to
/// be storable by `handler`, a store that keeps weights in memory-sized
/// records (see `SaveWeights` for those that take a `getWeightStream`).
pub fn savable(artifacts: &JsValue, handler: &str) -> Result<JsValue> {
    savable_topology(artifacts, handler)?;
    let data = get(artifacts, "weightData");
    if !present(&data) && present(&get(artifacts, "getWeightStream")) {
        return Err(Error::new(
            Code::NotSupported,
            format!("{handler}: streamed weights cannot be stored; load without streamWeights first"),
        ));
    }
    Ok(data)
}

/// A copy of the caller's artifacts (which are never mutated) without
/// `weightData` and without functions, which cannot be stored.
pub fn record_without_weights(artifacts: &JsValue) -> Object {
    let record = Object::new();
    for key in Object::keys(artifacts.unchecked_ref::<Object>()).iter() {
        let key = key.as_string().unwrap_or_default();
        let value = get(artifacts, &key);
        if !value.is_function() && key != "weightData" {
            set(&record, &key, &value);
        }
    }
    record
}

/// Whether a DOMException name says the storage quota is full (the second
/// is Firefox's older name).
pub fn is_quota_error(name: &str) -> bool {
    name == "QuotaExceededError" || name == "NS_ERROR_DOM_QUOTA_REACHED"
}

/// The path a store handler was given (`scheme://path` or `path`), or
/// `E_INVALID_ARGUMENT` with `empty` when there is none.
pub fn store_path(path: &JsValue, scheme: &str, empty: &str) -> Result<String> {
    let path = path.as_string().unwrap_or_default();
    let path = path.strip_prefix(scheme).unwrap_or(&path);
    if path.is_empty() {
        return Err(Error::invalid_argument(empty));
    }
    Ok(path.to_owned())
}

/// A storage failure as ours: a full quota is `E_QUOTA_EXCEEDED` with the
/// bytes the write `needed` and those the origin had `available`; a missing
/// store `E_NOT_SUPPORTED`; anything else `E_STORAGE`. The DOMException
/// stays as `cause`.
pub async fn storage_error(e: JsValue, store: &str, path: &str, doing: &str, needed: u64) -> Error {
    let name = get(&e, "name").as_string().unwrap_or_default();
    let detail = get(&e, "message").as_string().unwrap_or_else(|| type_name(&e));
    let detail = if detail.is_empty() { String::new() } else { format!(": {detail}") };
    let message = format!("{doing} '{path}' in {store} failed: {name}{detail}");
    let error = match name.as_str() {
        quota if is_quota_error(quota) => quota_exceeded(&message, path, needed, available_bytes().await),
        "NotSupportedError" => Error::new(Code::NotSupported, message),
        "DataCloneError" => Error::invalid_argument(format!("{message} (the artifacts hold a value {store} cannot store, such as a function or a symbol inside an object)")),
        _ => Error::new(Code::Storage, message),
    };
    error.with_path(path).with_cause(e)
}

/// Bytes this origin may still store, as `navigator.storage.estimate()`
/// says (quota - usage), where it says.
pub async fn available_bytes() -> Option<f64> {
    let estimate = JsFuture::from(storage_estimate_js()).await.unwrap_or(JsValue::UNDEFINED);
    let number = |k: &str| get(&estimate, k).as_f64();
    number("quota").zip(number("usage")).map(|(q, u)| (q - u).max(0.0))
}

/// `E_QUOTA_EXCEEDED` with the bytes a save `needed` and those `available`.
pub fn quota_exceeded(message: &str, path: &str, needed: u64, available: Option<f64>) -> Error {
    let room = available.map_or(String::new(), |a| format!(", {} available", a as u64));
    Error {
        needed: Some(needed as f64),
        available,
        ..Error::new(
            Code::QuotaExceeded,
            format!("{message} (the save needed {needed} bytes{room}); what was stored at '{path}' before is kept"),
        )
    }
    .with_path(path)
}

/// A synchronous result as the promise an IOHandler method returns.
pub fn settled(result: Result<JsValue>) -> Promise {
    match result {
        Ok(value) => Promise::resolve(&value),
        Err(e) => Promise::reject(&e.into()),
    }
}

/// `storageEstimate()`: `{usage, quota, persisted}` of this origin's storage,
/// or undefined where the browser does not say.
#[wasm_bindgen(js_name = storageEstimate, skip_typescript)]
pub fn storage_estimate() -> Promise {
    storage_estimate_js()
}

/// `requestPersistentStorage()`: asks the browser not to evict this
/// origin's storage under pressure; resolves to whether it agreed.
#[wasm_bindgen(js_name = requestPersistentStorage, skip_typescript)]
pub fn request_persistent_storage() -> Promise {
    persist_storage()
}
