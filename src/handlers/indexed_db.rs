//! `browserIndexedDB(path)` and `indexeddb://`: TensorFlow.js's IndexedDB
//! layout (database `tensorflowjs` v1, stores `models_store` and
//! `model_info_store`, keyPath `modelPath`), so either library loads what
//! the other saved. Unlike tf.io, both records are written in one
//! transaction (no orphan info record, and a failed save leaves the previous
//! model whole), the caller's artifacts are not mutated, and the weights are
//! stored as their shards (`ArrayBuffer[]`, which tfjs >= 4.6 loads) instead
//! of one joined copy.
//!
//! The request plumbing (IDB requests as promises) is a few lines of JS; the
//! decisions are here.

use js_sys::{Array, ArrayBuffer, Object, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

use crate::bindings::artifacts::get_model_artifacts_info_for_json;
use crate::bindings::error::{Error, Result};
use crate::bindings::js::{byte_views, get, present, set, type_name};
use crate::format::composite::tfjs_last_shard_cut;

type JsResult<T> = std::result::Result<T, JsValue>;

const SCHEME: &str = "indexeddb://";

#[wasm_bindgen(module = "/src/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = idbAvailable)]
    fn idb_available() -> bool;
    #[wasm_bindgen(js_name = idbPut)]
    fn idb_put(path: &str, artifacts: &JsValue, info: &JsValue) -> Promise;
    #[wasm_bindgen(js_name = idbGet)]
    fn idb_get(path: &str, info_only: bool) -> Promise;
    #[wasm_bindgen(js_name = idbInfos)]
    fn idb_infos() -> Promise;
    #[wasm_bindgen(js_name = idbDelete)]
    fn idb_delete(path: &str) -> Promise;
}

/// A storage failure as ours: quota is `E_QUOTA_EXCEEDED`, a missing
/// IndexedDB `E_NOT_SUPPORTED`, anything else `E_STORAGE`; the DOMException
/// stays as `cause`.
fn storage_error(e: JsValue, path: &str, doing: &str) -> Error {
    let name = get(&e, "name").as_string().unwrap_or_default();
    let detail = get(&e, "message").as_string().unwrap_or_else(|| type_name(&e));
    let code = match name.as_str() {
        "QuotaExceededError" => "E_QUOTA_EXCEEDED",
        "NotSupportedError" => "E_NOT_SUPPORTED",
        _ => "E_STORAGE",
    };
    Error::new(code, format!("{doing} '{path}' in IndexedDB failed: {name}: {detail}")).with_path(path).with_cause(e)
}

async fn settle(promise: Promise, path: &str, doing: &str) -> Result<JsValue> {
    JsFuture::from(promise).await.map_err(|e| storage_error(e, path, doing))
}

fn not_found(path: &str) -> Error {
    Error::new("E_NOT_FOUND", format!("Cannot find model with path '{path}' in IndexedDB.")).with_path(path)
}

/// The IOHandler `browserIndexedDB()` returns.
#[wasm_bindgen(skip_typescript)]
pub struct IndexedDbHandler {
    path: String,
}

#[wasm_bindgen]
impl IndexedDbHandler {
    pub fn load(&self) -> Promise {
        let path = self.path.clone();
        future_to_promise(async move {
            let record = settle(idb_get(&path, false), &path, "loading").await?;
            if !present(&record) {
                return Err(not_found(&path).into());
            }
            Ok(get(&record, "modelArtifacts"))
        })
    }

    pub fn save(&self, artifacts: JsValue) -> Promise {
        let path = self.path.clone();
        future_to_promise(async move { Ok(save(&path, &artifacts).await?) })
    }
}

async fn save(path: &str, artifacts: &JsValue) -> Result<JsValue> {
    if !artifacts.is_object() {
        return Err(Error::invalid_argument(format!("save expects model artifacts, got {}", type_name(artifacts))));
    }
    if get(artifacts, "modelTopology").is_instance_of::<ArrayBuffer>() {
        return Err(Error::new("E_BINARY_TOPOLOGY", "browserIndexedDB does not support saving a binary model topology"));
    }
    let data = get(artifacts, "weightData");
    if !present(&data) && present(&get(artifacts, "getWeightStream")) {
        return Err(Error::new("E_NOT_SUPPORTED", "streamed weights cannot be stored; load without streamWeights first"));
    }
    // A copy of the caller's artifacts (never mutated), its weights as
    // ArrayBuffer shards: whole buffers as they are, views as copies of
    // just their bytes. Functions cannot be stored, so none are kept.
    let record = Object::new();
    for key in Object::keys(artifacts.unchecked_ref::<Object>()).iter() {
        let key = key.as_string().unwrap_or_default();
        let value = get(artifacts, &key);
        if !value.is_function() && key != "weightData" {
            set(&record, &key, &value);
        }
    }
    set(&record, "weightData", &stored_shards(&data)?);
    let info = get_model_artifacts_info_for_json(artifacts.clone()).map_err(Error::thrown)?;
    settle(idb_put(path, &record.into(), &info), path, "saving").await?;
    let result = Object::new();
    set(&result, "modelArtifactsInfo", &info);
    Ok(result.into())
}

/// The weights as TensorFlow.js will read them back: ArrayBuffer shards
/// (whole buffers as they are, views as copies of just their bytes), no
/// empty ones (tfjs misreads a leading empty shard), the last one cut if tfjs
/// would misread it; one empty ArrayBuffer when there are no weight bytes,
/// as tfjs stores it.
fn stored_shards(data: &JsValue) -> Result<JsValue> {
    let mut views: Vec<Uint8Array> = byte_views(data, "weightData")?.into_iter().filter(|v| v.length() > 0).collect();
    let lengths: Vec<u64> = views.iter().map(|v| u64::from(v.length())).collect();
    if let Some(cut) = tfjs_last_shard_cut(&lengths) {
        let last = views.pop().expect("a cut implies shards");
        let cut = cut as u32;
        views.extend((0..last.length()).step_by(cut as usize).map(|at| last.subarray(at, (at + cut).min(last.length()))));
    }
    if views.is_empty() {
        return Ok(ArrayBuffer::new(0).into());
    }
    Ok(views
        .into_iter()
        .map(|v| {
            let whole = v.byte_offset() == 0 && v.byte_length() == v.buffer().byte_length();
            JsValue::from(if whole { v.buffer() } else { v.slice(0, v.length()).buffer() })
        })
        .collect::<Array>()
        .into())
}

/// `browserIndexedDB(path)`.
#[wasm_bindgen(js_name = browserIndexedDB, skip_typescript)]
pub fn browser_indexed_db(path: JsValue) -> JsResult<IndexedDbHandler> {
    let path = path.as_string().unwrap_or_default();
    let path = path.strip_prefix(SCHEME).unwrap_or(&path);
    if path.is_empty() {
        return Err(Error::invalid_argument("For IndexedDB, modelPath must not be null, undefined or empty.").into());
    }
    Ok(IndexedDbHandler { path: path.to_owned() })
}

/// The router for `indexeddb://` URLs, where IndexedDB exists.
pub fn indexed_db_router(url: &JsValue, _options: &JsValue) -> Option<JsValue> {
    let url = url.as_string()?;
    (url.starts_with(SCHEME) && idb_available()).then(|| browser_indexed_db(url.into()).ok().map(JsValue::from)).flatten()
}

/// `listModels` part: `{'indexeddb://path': info}`; empty without IndexedDB.
pub async fn list() -> Result<Object> {
    let out = Object::new();
    if !idb_available() {
        return Ok(out);
    }
    let infos = settle(idb_infos(), "*", "listing").await?;
    for record in Array::from(&infos).iter() {
        let path = get(&record, "modelPath").as_string().unwrap_or_default();
        set(&out, &format!("{SCHEME}{path}"), &get(&record, "modelArtifactsInfo"));
    }
    Ok(out)
}

/// `removeModel('indexeddb://path')`: both records, in one transaction.
pub async fn remove(path: &str) -> Result<JsValue> {
    let record = settle(idb_get(path, true), path, "removing").await?;
    if !present(&record) {
        return Err(not_found(path));
    }
    settle(idb_delete(path), path, "removing").await?;
    Ok(get(&record, "modelArtifactsInfo"))
}
