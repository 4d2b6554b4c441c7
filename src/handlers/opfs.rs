//! `browserOPFS(path)` and `opfs://`: models in the origin private file
//! system, a folder per model under `model-artifacts/` (the path, percent-
//! encoded, is its name) holding model.json and its weight files.
//!
//! Saves are commit-last. The weight files (4 MiB, cut from `weightData` or
//! read from `getWeightStream()` one at a time) are written under names of
//! their own save (`<saveId>.shard1.bin`), then model.json, which
//! the browser swaps in whole when its writable closes: until then the
//! previous model is what loads. Only then are the previous model's files
//! removed. An interrupted save leaves the previous model whole, and files
//! no model.json names, which later saves of that path remove once they are
//! an hour old (a younger one may be another tab's save in progress).
//!
//! model.json also keeps the model's `modelArtifactsInfo` and path (what
//! `listModels` shows), dropped again on load. The file handles and
//! writables are JS (`glue.js`); the layout and the decisions are here.

use crate::format::Code;
use std::rc::Rc;

use js_sys::{Array, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::browser_files::{check_sizes, FileObjects};
use super::fetch::Progress;
use super::limits::{too_large, DEFAULT_MAX_MODEL_JSON_BYTES};
use super::options::Options as Common;
use super::order::{in_turn, Access, Claim, Medium, Place};
use super::save_weights::SaveWeights;
use super::shards::{self, Shards};
use super::store::{new_save_id, save_age, storage_error, store_path};
use crate::bindings::artifacts::{
    artifacts_for_model_json, get_model_artifacts_info_for_json, get_weight_specs, json_parse, model_json_from_text,
    sharded_model_json,
};
use crate::bindings::error::{Error, Result};
use crate::bindings::js::{call_method, get, json_text, set};
use crate::format::codec::ByteSource;
use crate::format::plan::WeightPlan;
use crate::format::shards::{ShardFile, DEFAULT_SHARD_SIZE};

type JsResult<T> = std::result::Result<T, JsValue>;

const SCHEME: &str = "opfs://";
const STORE: &str = "OPFS";
const ROOT: &str = "model-artifacts";
const MODEL_JSON: &str = "model.json";
const INFO: &str = "modelArtifactsInfo";
/// The model's path, kept in model.json beside its info for `listModels`
/// (folder names are not read back).
const PATH: &str = "modelPath";
/// Files read at once: they come from disk.
const FILES_AT_ONCE: usize = 4;
/// Loads retried when a save replaced the model while it was being read.
const LOAD_ATTEMPTS: usize = 3;
/// Files of a save that has not committed after this long are leftovers.
const STALE_SAVE_MS: f64 = 3_600_000.0;

#[wasm_bindgen(module = "/src/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = opfsAvailable)]
    fn opfs_available() -> bool;
    #[wasm_bindgen(js_name = opfsFolder)]
    fn opfs_folder(names: &Array, create: bool) -> Promise;
    #[wasm_bindgen(js_name = opfsFile)]
    fn opfs_file(dir: &JsValue, name: &str) -> Promise;
    #[wasm_bindgen(js_name = opfsWrite)]
    fn opfs_write(dir: &JsValue, name: &str, parts: &Array, signal: &JsValue) -> Promise;
    #[wasm_bindgen(js_name = opfsNames)]
    fn opfs_names(dir: &JsValue) -> Promise;
    #[wasm_bindgen(js_name = opfsRemove)]
    fn opfs_remove(dir: &JsValue, name: &str) -> Promise;
}

/// The turn of an operation on the model at `path` (see `order`).
pub fn claim(path: &str, access: Access) -> Claim {
    (Place::model(Medium::Opfs, path), access)
}

/// A model path as a folder name: every byte but `A-Za-z0-9-_` as `%XX`
/// (no `/`, and never `.` or `..`). Names are never decoded: model.json
/// keeps the path.
fn folder_name(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A storage call's result, its failure as a typed error.
async fn settle(promise: Promise, path: &str, doing: &str, needed: u64) -> Result<JsValue> {
    match JsFuture::from(promise).await {
        Ok(v) => Ok(v),
        Err(e) => Err(storage_error(e, STORE, path, doing, needed).await),
    }
}

fn unavailable() -> Error {
    Error::new(
        Code::NotSupported,
        "this environment has no origin private file system (navigator.storage.getDirectory)",
    )
}

fn not_found(path: &str) -> Error {
    Error::new(Code::NotFound, format!("Cannot find model with path '{path}' in OPFS.")).with_path(path)
}

/// The folder of every model, or with `model`, the folder of the model
/// at `path` (created if `create`; null when absent).
async fn folder(path: &str, model: bool, create: bool, doing: &str) -> Result<JsValue> {
    if !opfs_available() {
        return Err(unavailable());
    }
    let names = Array::of1(&ROOT.into());
    if model {
        names.push(&folder_name(path).into());
    }
    settle(opfs_folder(&names, create), path, doing, 0).await
}

/// The text of a folder's model.json, a JS string kept out of wasm memory
/// (`None` when it has none).
async fn read_model_json(dir: &JsValue, path: &str) -> Result<Option<JsValue>> {
    let file = settle(opfs_file(dir, MODEL_JSON), path, "loading", 0).await?;
    if file.is_null() {
        return Ok(None);
    }
    if get(&file, "size").as_f64().unwrap_or(0.0) > DEFAULT_MAX_MODEL_JSON_BYTES as f64 {
        return Err(too_large(&format!("model.json of '{path}' in OPFS"), DEFAULT_MAX_MODEL_JSON_BYTES).with_path(path));
    }
    match call_method(&file, "text").await {
        Ok(text) => Ok(Some(text)),
        Err(e) => Err(storage_error(e, STORE, path, "loading", 0).await),
    }
}

/// The `modelArtifactsInfo` a stored model.json keeps, its date a Date,
/// and the model's path.
fn stored_info(text: &JsValue) -> Option<(JsValue, String)> {
    let json = json_parse(text).ok()?;
    let info = get(&json, INFO);
    if !info.is_object() {
        return None;
    }
    set(info.unchecked_ref(), "dateSaved", &js_sys::Date::new(&get(&info, "dateSaved")).into());
    Some((info, get(&json, PATH).as_string()?))
}

/// The weight files a model.json names, in manifest order, read without
/// validating it (the previous model's, which a save replaces whatever it
/// holds).
fn weight_names(model_json: &JsValue) -> Vec<String> {
    let mut out = Vec::new();
    for group in Array::from(&get(model_json, "weightsManifest")).iter() {
        for name in Array::from(&get(&group, "paths")).iter() {
            out.extend(name.as_string());
        }
    }
    out
}

/// The options of `browserOPFS`.
struct Options {
    common: Common,
    stream_weights: bool,
}

impl Options {
    fn parse(options: &JsValue) -> Result<Self> {
        Ok(Options { common: Common::parse(options)?, stream_weights: get(options, "streamWeights").is_truthy() })
    }
}

/// The IOHandler `browserOPFS()` returns.
#[wasm_bindgen(skip_typescript)]
pub struct OpfsHandler {
    path: String,
    options: Rc<Options>,
}

#[wasm_bindgen]
impl OpfsHandler {
    pub fn load(&self) -> Promise {
        let (path, options) = (self.path.clone(), self.options.clone());
        let signal = options.common.signal.clone();
        in_turn(vec![claim(&path, Access::Read)], signal, move |_| async move { load(&path, &options).await })
    }

    pub fn save(&self, artifacts: JsValue) -> Promise {
        let (path, options) = (self.path.clone(), self.options.clone());
        let signal = options.common.signal.clone();
        in_turn(
            vec![claim(&path, Access::Write)],
            signal,
            move |_| async move { save(&path, &artifacts, &options).await },
        )
    }
}

async fn load(path: &str, options: &Options) -> Result<JsValue> {
    let check = || options.common.signal.check(|| format!("loading '{path}' from {STORE} was aborted"));
    for _ in 0..LOAD_ATTEMPTS {
        check().map_err(|e| e.with_path(path))?;
        let dir = folder(path, true, false, "loading").await?;
        if dir.is_null() {
            return Err(not_found(path));
        }
        let Some(text) = read_model_json(&dir, path).await? else { return Err(not_found(path)) };
        let source = format!("model.json of '{path}' in OPFS");
        let (model_json, model) = model_json_from_text(&text, &source).map_err(|e| e.with_path(path))?;
        for key in [INFO, PATH] {
            let _ = js_sys::Reflect::delete_property(model_json.unchecked_ref::<Object>(), &key.into());
        }
        let Some(groups) = &model.manifest else {
            return artifacts_for_model_json(model_json, JsValue::UNDEFINED, JsValue::UNDEFINED).map(JsValue::from);
        };
        let specs: JsValue = get_weight_specs(get(&model_json, "weightsManifest"))?.into();
        let names = groups.iter().flat_map(|g| g.paths.iter().cloned());
        let weights = WeightPlan::new(groups, names).map_err(Error::from)?;
        // Every file and its size before any is read.
        let mut files = Vec::with_capacity(weights.files.len());
        for file in &weights.files {
            let found = settle(opfs_file(&dir, &file.name), path, "loading", 0).await?;
            if found.is_null() {
                break;
            }
            files.push(found);
        }
        if files.len() < weights.files.len() {
            let missing = &weights.files[files.len()].name;
            // A save replaced the model meanwhile: read it again.
            if read_model_json(&dir, path).await?.is_some_and(|now| now != text) {
                continue;
            }
            return Err(Error::new(
                Code::WeightNotFound,
                format!("the weight file '{missing}' of model '{path}' is missing from OPFS (evicted or deleted?)"),
            )
            .with_path(path));
        }
        check_sizes(&weights, &files).map_err(|e| e.with_path(path))?;
        check().map_err(|e| e.with_path(path))?;
        let progress = Progress::new(options.common.on_progress.clone(), weights.total_bytes(), files.len());
        progress.borrow_mut().start();
        let source = Rc::new(FileObjects { files, progress: progress.clone() });
        let shards = Rc::new(Shards { source, plan: weights, progress, signal: options.common.signal.clone() });
        return shards::artifacts(model_json, specs, move || shards.clone(), options.stream_weights, FILES_AT_ONCE)
            .await;
    }
    Err(Error::new(Code::Storage, format!("the model at '{path}' in OPFS kept changing while it was loaded"))
        .with_path(path))
}

async fn save(path: &str, artifacts: &JsValue, options: &Options) -> Result<JsValue> {
    let mut weights = SaveWeights::of(artifacts, "browserOPFS")?;
    let info = get_model_artifacts_info_for_json(artifacts.clone())?;
    let aborted = || {
        options.common.signal.error(format!("saving '{path}' to {STORE} was aborted; what was stored before is kept"))
    };
    if options.common.signal.aborted() {
        return Err(aborted().with_path(path));
    }
    let dir = folder(path, true, true, "saving").await?;
    let previous = read_model_json(&dir, path).await.ok().flatten().and_then(|text| json_parse(&text).ok());
    let previous = previous.map(|json| weight_names(&json)).unwrap_or_default();
    // A stream of unknown length counts files, and completes at the commit.
    let files = weights.total.map_or(usize::MAX, |total| total.div_ceil(DEFAULT_SHARD_SIZE) as usize + 1);
    let progress = Progress::new(options.common.on_progress.clone(), weights.total.unwrap_or(0), files);
    progress.borrow_mut().start();
    let signal = options.common.signal.js();
    let save_id = new_save_id();
    let mut ours: Vec<ShardFile> = Vec::new();
    let written = async {
        while let Some(file) = weights.next(DEFAULT_SHARD_SIZE).await? {
            if options.common.signal.aborted() {
                return Err(aborted());
            }
            let (start, bytes) = (weights.given - file.byte_length(), file.byte_length());
            let name = format!("{save_id}.shard{}.bin", ours.len() + 1);
            ours.push(ShardFile { path: name, start, end: weights.given });
            let write = opfs_write(&dir, &ours[ours.len() - 1].path, &file.views(0, bytes), signal);
            settle(write, path, "saving", weights.needed()).await?;
            let mut p = progress.borrow_mut();
            p.add_bytes(bytes);
            p.file_done();
        }
        if options.common.signal.aborted() {
            return Err(aborted());
        }
        weights.count_into(&info);
        let specs = get(artifacts, "weightSpecs");
        let model_json = sharded_model_json(artifacts, &specs, &ours, None)?;
        let stored_info = Object::assign(&Object::new(), info.unchecked_ref());
        if let Some(date) = get(&info, "dateSaved").dyn_ref::<js_sys::Date>() {
            set(&stored_info, "dateSaved", &date.to_iso_string().into());
        }
        set(&model_json, INFO, &stored_info);
        set(&model_json, PATH, &path.into());
        let text = json_text(&model_json, "the model's JSON (modelTopology, signature, metadata...)")?;
        // The commit: model.json, swapped in whole.
        let write = opfs_write(&dir, MODEL_JSON, &Array::of1(&text.as_str().into()), signal);
        settle(write, path, "saving", weights.needed()).await
    }
    .await;
    if let Err(e) = written {
        weights.cancel();
        for file in &ours {
            let _ = JsFuture::from(opfs_remove(&dir, &file.path)).await;
        }
        return Err(if options.common.signal.aborted() { aborted() } else { e }.with_path(path));
    }
    {
        let mut p = progress.borrow_mut();
        p.set_totals(weights.given, ours.len() + 1);
        p.file_done();
    }
    // The previous model's files, and leftovers of interrupted saves.
    let names = JsFuture::from(opfs_names(&dir)).await.map(|n| Array::from(&n)).unwrap_or_default();
    for name in names.iter().filter_map(|n| n.as_string()) {
        let theirs = name != MODEL_JSON && !ours.iter().any(|f| f.path == name);
        if theirs && (previous.contains(&name) || save_age(&name) >= STALE_SAVE_MS) {
            let _ = JsFuture::from(opfs_remove(&dir, &name)).await;
        }
    }
    let result = Object::new();
    set(&result, "modelArtifactsInfo", &info);
    Ok(result.into())
}

/// `browserOPFS(path, options?)`.
#[wasm_bindgen(js_name = browserOPFS, skip_typescript)]
pub fn browser_opfs(path: JsValue, options: JsValue) -> JsResult<OpfsHandler> {
    let path = store_path(&path, SCHEME, "For OPFS, modelPath must not be null, undefined or empty.")?;
    Ok(OpfsHandler { path, options: Rc::new(Options::parse(&options)?) })
}

/// The router for `opfs://` URLs, where OPFS exists.
pub fn opfs_router(url: &JsValue, options: &JsValue) -> Result<Option<JsValue>> {
    let Some(url) = url.as_string().filter(|u| u.starts_with(SCHEME) && opfs_available()) else { return Ok(None) };
    let Ok(path) = store_path(&url.into(), SCHEME, "") else { return Ok(None) };
    Ok(Some(OpfsHandler { path, options: Rc::new(Options::parse(options)?) }.into()))
}

/// `listModels` part: `{'opfs://path': info}`; empty without OPFS.
pub async fn list() -> Result<Object> {
    let out = Object::new();
    if !opfs_available() {
        return Ok(out);
    }
    let root = folder("*", false, false, "listing").await?;
    if root.is_null() {
        return Ok(out);
    }
    let names = settle(opfs_names(&root), "*", "listing", 0).await?;
    for name in Array::from(&names).iter().filter_map(|n| n.as_string()) {
        let dir = JsFuture::from(opfs_folder(&Array::of2(&ROOT.into(), &name.as_str().into()), false)).await;
        let Some(dir) = dir.ok().filter(|d| d.is_truthy()) else { continue };
        let Ok(Some(text)) = read_model_json(&dir, &name).await else { continue };
        let Some((info, path)) = stored_info(&text).filter(|(_, path)| folder_name(path) == name) else { continue };
        set(&out, &format!("{SCHEME}{path}"), &info);
    }
    Ok(out)
}

/// `removeModel('opfs://path')`: the model's folder and everything in it
/// (also the files of a first save that never committed).
pub async fn remove(path: &str) -> Result<JsValue> {
    let dir = folder(path, true, false, "removing").await?;
    if dir.is_null() {
        return Err(not_found(path));
    }
    let info = read_model_json(&dir, path).await?.and_then(|text| stored_info(&text)).map(|(info, _)| info);
    let root = folder(path, false, false, "removing").await?;
    settle(opfs_remove(&root, &folder_name(path)), path, "removing", 0).await?;
    info.ok_or_else(|| not_found(path))
}
