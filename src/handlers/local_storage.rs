//! `browserLocalStorage(path)` and `localstorage://`: TensorFlow.js's layout,
//! five keys `tensorflowjs_models/<path>/{info,model_topology,weight_specs,
//! weight_data,model_metadata}`, weights in base64. The base64 work is the
//! platform's (`Uint8Array.prototype.toBase64`, else `btoa` over large
//! pieces), not tf.io's byte-at-a-time loop. Unlike tf.io, a failed save puts
//! back what was stored at that path before instead of deleting it.

use crate::format::Code;
use js_sys::{Object, Promise, JSON};
use wasm_bindgen::prelude::*;

use super::options::Options;
use super::order::{in_turn_sync, Access, Claim, Medium, Place};
use super::store::{is_quota_error, record_without_weights, savable, store_path};
use crate::bindings::artifacts::get_model_artifacts_info_for_json;
use crate::bindings::error::{Error, Result};
use crate::bindings::js::{byte_views, get, present, set, type_name};

type JsResult<T> = std::result::Result<T, JsValue>;

const SCHEME: &str = "localstorage://";
const PREFIX: &str = "tensorflowjs_models/";
const INFO: &str = "info";
const TOPOLOGY: &str = "model_topology";
const SPECS: &str = "weight_specs";
const DATA: &str = "weight_data";
const METADATA: &str = "model_metadata";
/// The keys of one model, in the order tf.io writes them.
const KEYS: [&str; 5] = [INFO, TOPOLOGY, SPECS, DATA, METADATA];
/// Artifact fields kept in `model_metadata`.
const METADATA_FIELDS: [&str; 8] = [
    "format",
    "generatedBy",
    "convertedBy",
    "signature",
    "userDefinedMetadata",
    "modelInitializer",
    "initializerSignature",
    "trainingConfig",
];

#[wasm_bindgen(module = "/src/glue.js")]
extern "C" {
    type Storage;
    #[wasm_bindgen(js_name = localStore)]
    fn local_store() -> Option<Storage>;
    // Values stay JS strings: a model's base64 is megabytes, not worth
    // copying through wasm memory and back.
    #[wasm_bindgen(method, js_name = getItem)]
    fn get_item(this: &Storage, key: &str) -> JsValue;
    #[wasm_bindgen(method, catch, js_name = setItem)]
    fn set_item(this: &Storage, key: &str, value: &JsValue) -> JsResult<()>;
    #[wasm_bindgen(method, js_name = removeItem)]
    fn remove_item(this: &Storage, key: &str);
    #[wasm_bindgen(method)]
    fn key(this: &Storage, index: u32) -> Option<String>;
    #[wasm_bindgen(method, getter)]
    fn length(this: &Storage) -> u32;
    #[wasm_bindgen(catch, js_name = toBase64)]
    fn to_base64(parts: &js_sys::Array) -> JsResult<JsValue>;
    #[wasm_bindgen(catch, js_name = fromBase64)]
    fn from_base64(text: &JsValue) -> JsResult<js_sys::ArrayBuffer>;
}

fn key(path: &str, part: &str) -> String {
    format!("{PREFIX}{path}/{part}")
}

fn store() -> Result<Storage> {
    local_store()
        .ok_or_else(|| Error::new(Code::NotSupported, "The current environment does not support local storage."))
}

fn not_found(path: &str) -> Error {
    Error::new(Code::NotFound, format!("In local storage, there is no model with name '{path}'")).with_path(path)
}

/// `JSON.stringify(value)` of the artifacts' `field`, or why it cannot be
/// stored (tf.io would store the text "undefined" and fail on load).
fn stringify(value: &JsValue, field: &str) -> Result<JsValue> {
    match JSON::stringify(value) {
        Ok(text) if text.is_string() => Ok(text.into()),
        Ok(_) => Err(Error::invalid_argument(format!("browserLocalStorage: {field} is missing"))),
        Err(e) => {
            Err(Error::invalid_argument(format!("browserLocalStorage: {field} cannot be written as JSON"))
                .with_cause(e))
        }
    }
}

/// The JS string at `key`, if any.
fn item(store: &Storage, key: &str) -> Option<JsValue> {
    Some(store.get_item(key)).filter(|v| v.is_string())
}

/// A stored JSON value, or a typed error naming the key.
fn parse(store: &Storage, path: &str, part: &str) -> Result<JsValue> {
    let what = match part {
        TOPOLOGY => "topology",
        SPECS => "weight specs",
        METADATA => "metadata",
        _ => part,
    };
    let text = item(store, &key(path, part)).and_then(|v| v.as_string()).ok_or_else(|| {
        Error::new(Code::Storage, format!("In local storage, the {what} of model '{path}' is missing.")).with_path(path)
    })?;
    JSON::parse(&text).map_err(|e| {
        Error::new(Code::InvalidJson, format!("In local storage, the {what} of model '{path}' is not valid JSON"))
            .with_path(path)
            .with_cause(e)
    })
}

/// The IOHandler `browserLocalStorage()` returns.
#[wasm_bindgen(skip_typescript)]
pub struct LocalStorageHandler {
    path: String,
    options: std::rc::Rc<Options>,
}

/// The turn of an operation on the model at `path` (see `order`).
pub fn claim(path: &str, access: Access) -> Claim {
    (Place::model(Medium::LocalStorage, path), access)
}

#[wasm_bindgen]
impl LocalStorageHandler {
    pub fn load(&self) -> Promise {
        let (path, options) = (self.path.clone(), self.options.clone());
        let signal = options.signal.clone();
        in_turn_sync(vec![claim(&path, Access::Read)], signal, move || {
            options.signal.check(|| format!("loading '{path}' from local storage was aborted"))?;
            load(&path)
        })
    }

    pub fn save(&self, artifacts: JsValue) -> Promise {
        let (path, options) = (self.path.clone(), self.options.clone());
        let signal = options.signal.clone();
        in_turn_sync(vec![claim(&path, Access::Write)], signal, move || {
            options.signal.check(|| format!("saving '{path}' to local storage was aborted; nothing was stored"))?;
            save(&path, &artifacts)
        })
    }
}

fn load(path: &str) -> Result<JsValue> {
    let store = store()?;
    if item(&store, &key(path, INFO)).is_none() {
        return Err(not_found(path));
    }
    let info = parse(&store, path, INFO)?;
    if get(&info, "modelTopologyType").as_string().as_deref() != Some("JSON") {
        return Err(Error::new(
            Code::BinaryTopology,
            format!("the model '{path}' in local storage has a non-JSON topology"),
        )
        .with_path(path));
    }
    let artifacts = Object::new();
    set(&artifacts, "modelTopology", &parse(&store, path, TOPOLOGY)?);
    set(&artifacts, "weightSpecs", &parse(&store, path, SPECS)?);
    if item(&store, &key(path, METADATA)).is_some() {
        let metadata = parse(&store, path, METADATA)?;
        // As tf.io: the first three keys always, the others when present.
        for (i, field) in METADATA_FIELDS.into_iter().enumerate() {
            let value = get(&metadata, field);
            if present(&value) || i < 3 {
                set(&artifacts, field, &value);
            }
        }
    }
    let base64 = item(&store, &key(path, DATA)).ok_or_else(|| {
        Error::new(Code::Storage, format!("In local storage, the binary weight values of model '{path}' are missing."))
            .with_path(path)
    })?;
    let data = from_base64(&base64).map_err(|e| {
        Error::new(Code::Storage, format!("In local storage, the weight data of model '{path}' is not valid base64"))
            .with_path(path)
            .with_cause(e)
    })?;
    let expected = get(&info, "weightDataBytes").as_f64().map(|n| n as u64);
    if expected.is_some_and(|n| n != u64::from(data.byte_length())) {
        return Err(Error::new(
            Code::SizeMismatch,
            format!(
                "the model '{path}' in local storage has {} bytes of weights, its info says {}",
                data.byte_length(),
                expected.unwrap_or(0)
            ),
        )
        .with_path(path));
    }
    set(&artifacts, "weightData", &data);
    Ok(artifacts.into())
}

fn save(path: &str, artifacts: &JsValue) -> Result<JsValue> {
    let data = savable(artifacts, "browserLocalStorage")?;
    let store = store()?;
    let info = get_model_artifacts_info_for_json(artifacts.clone())?;
    let weights = byte_views(&data, "weightData")?.into_iter().collect::<js_sys::Array>();
    let record = record_without_weights(artifacts);
    let metadata = Object::new();
    for field in METADATA_FIELDS {
        set(&metadata, field, &get(&record, field));
    }
    let specs = get(&record, "weightSpecs");
    let base64 = to_base64(&weights).map_err(|e| {
        // Past the engine's longest string: far past localStorage's quota too.
        let bytes: u32 = weights.iter().map(|w| w.unchecked_ref::<js_sys::Uint8Array>().length()).sum();
        Error { needed: Some(f64::from(bytes) * 8.0 / 3.0), ..Error::new(Code::QuotaExceeded, format!("Failed to save model '{path}' to local storage: {bytes} bytes of weights are far more than local storage holds")) }
            .with_path(path)
            .with_cause(e)
    })?;
    let values = [
        stringify(&info, "the info")?,
        stringify(&get(&record, "modelTopology"), "modelTopology")?,
        if present(&specs) { stringify(&specs, "weightSpecs")? } else { JsValue::from("[]") },
        base64,
        stringify(&metadata, "the metadata (format, signature, userDefinedMetadata, ...)")?,
    ];
    let before: Vec<Option<JsValue>> = KEYS.iter().map(|part| item(&store, &key(path, part))).collect();
    for (part, value) in KEYS.iter().zip(&values) {
        if let Err(e) = store.set_item(&key(path, part), value) {
            restore(&store, path, &before);
            return Err(save_error(e, path, &values));
        }
    }
    let result = Object::new();
    set(&result, "modelArtifactsInfo", &info);
    Ok(result.into())
}

/// Puts back the keys of `path` as they were before a failed save.
fn restore(store: &Storage, path: &str, before: &[Option<JsValue>]) {
    for (part, _) in KEYS.iter().zip(before) {
        store.remove_item(&key(path, part));
    }
    for (part, value) in KEYS.iter().zip(before) {
        if let Some(value) = value {
            // It fitted before, so it fits again once the new keys are gone.
            let _ = store.set_item(&key(path, part), value);
        }
    }
}

fn save_error(e: JsValue, path: &str, values: &[JsValue]) -> Error {
    let name = get(&e, "name").as_string().unwrap_or_else(|| type_name(&e));
    // localStorage counts UTF-16 code units of keys and values.
    let needed: usize = KEYS
        .iter()
        .zip(values)
        .map(|(part, v)| {
            2 * (key(path, part).encode_utf16().count() + v.unchecked_ref::<js_sys::JsString>().length() as usize)
        })
        .sum();
    let (code, what) = if is_quota_error(&name) {
        (Code::QuotaExceeded, "the storage quota was exceeded")
    } else {
        (Code::Storage, name.as_str())
    };
    Error {
        needed: (code == Code::QuotaExceeded).then_some(needed as f64),
        ..Error::new(
            code,
            format!(
                "Failed to save model '{path}' to local storage: {what} (the model needs {needed} bytes of local storage); what was stored at '{path}' before is kept"
            ),
        )
    }
    .with_path(path)
    .with_cause(e)
}

/// `browserLocalStorage(path, options?)`.
#[wasm_bindgen(js_name = browserLocalStorage, skip_typescript)]
pub fn browser_local_storage(path: JsValue, options: JsValue) -> JsResult<LocalStorageHandler> {
    let path = store_path(&path, SCHEME, "For local storage, modelPath must not be null, undefined or empty.")?;
    Ok(LocalStorageHandler { path, options: std::rc::Rc::new(Options::parse(&options)?) })
}

/// The router for `localstorage://` URLs, where localStorage exists (a bad
/// option is an error).
pub fn local_storage_router(url: &JsValue, options: &JsValue) -> Result<Option<JsValue>> {
    let Some(url) = url.as_string().filter(|u| u.starts_with(SCHEME) && local_store().is_some()) else {
        return Ok(None);
    };
    let options = std::rc::Rc::new(Options::parse(options)?);
    let path = store_path(&url.into(), SCHEME, "").ok();
    Ok(path.map(|path| LocalStorageHandler { path, options }.into()))
}

/// `listModels` part: `{'localstorage://path': info}` (`dateSaved` as the
/// ISO string stored, as in tf.io); empty without localStorage.
pub fn list() -> Object {
    let out = Object::new();
    let Some(store) = local_store() else { return out };
    for i in 0..store.length() {
        let Some(k) = store.key(i) else { continue };
        let Some(path) = k.strip_prefix(PREFIX).and_then(|rest| rest.strip_suffix(&format!("/{INFO}"))) else {
            continue;
        };
        if let Ok(info) = parse(&store, path, INFO) {
            set(&out, &format!("{SCHEME}{path}"), &info);
        }
    }
    out
}

/// `removeModel('localstorage://path')`: its five keys.
pub fn remove(path: &str) -> Result<JsValue> {
    let store = store()?;
    if item(&store, &key(path, INFO)).is_none() {
        return Err(not_found(path));
    }
    let info = parse(&store, path, INFO).unwrap_or(JsValue::UNDEFINED);
    for part in KEYS {
        store.remove_item(&key(path, part));
    }
    Ok(info)
}
