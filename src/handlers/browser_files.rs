//! `browserDownloads(prefix?)` / `downloads://` (save as two downloaded
//! files) and `browserFiles(files)` (load from `File`s a user picked).

use crate::format::Code;
use std::cell::RefCell;
use std::rc::Rc;

use futures_util::future::LocalBoxFuture;
use js_sys::{Array, ArrayBuffer, Object, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::fetch::Progress;
use super::limits::{too_large, DEFAULT_MAX_MODEL_JSON_BYTES};
use super::options::Options;
use super::shards::{Chunks, ShardSource, Shards};
use super::store::savable;
use crate::bindings::artifacts::{
    artifacts_for_model_json, get_model_artifacts_info_for_json, get_model_json_for_model_artifacts, get_weight_specs,
    model_json_from_text,
};
use crate::bindings::error::{Error, Result};
use crate::bindings::js::{byte_view, byte_views, call_method, exact_buffer, get, json_text, present, set, type_name};
use crate::format::paths::split_ascii;
use crate::format::plan::WeightPlan;

type JsResult<T> = std::result::Result<T, JsValue>;

const SCHEME: &str = "downloads://";

#[wasm_bindgen(module = "/src/glue.js")]
extern "C" {
    fn download(name: &str, parts: &Array, mime: &str) -> Promise;
    #[wasm_bindgen(js_name = canDownload)]
    fn can_download() -> bool;
}

/// The IOHandler `browserDownloads()` returns.
#[wasm_bindgen(skip_typescript)]
pub struct DownloadsHandler {
    prefix: String,
    options: std::rc::Rc<Options>,
}

#[wasm_bindgen]
impl DownloadsHandler {
    pub fn save(&self, artifacts: JsValue) -> Promise {
        let (prefix, options) = (self.prefix.clone(), self.options.clone());
        crate::bindings::js::promise(async move { Ok(save_downloads(&prefix, &artifacts, &options).await?) })
    }
}

/// `<prefix>.json`, then `<prefix>.weights.bin` (all weights in one file,
/// the shards going into the Blob as they are, without a joined copy).
async fn save_downloads(prefix: &str, artifacts: &JsValue, options: &Options) -> Result<JsValue> {
    let check = || options.signal.check(|| format!("downloading {prefix} was aborted"));
    check()?;
    if !can_download() {
        return Err(Error::new(
            Code::NotSupported,
            "browserDownloads needs a page with a document (not a worker or Node)",
        ));
    }
    let data = savable(artifacts, "browserDownloads")?;
    let weights_file = format!("{prefix}.weights.bin");
    let group = Object::new();
    set(&group, "paths", &Array::of1(&format!("./{weights_file}").into()));
    set(&group, "weights", &get(artifacts, "weightSpecs"));
    let model_json = get_model_json_for_model_artifacts(artifacts.clone(), Array::of1(&group).into())?;
    let text = json_text(&model_json, "browserDownloads: the model's JSON (modelTopology, signature, metadata...)")?;
    let info = get_model_artifacts_info_for_json(artifacts.clone())?;
    let downloaded = |name: String, parts: Array, mime: &'static str| async move {
        JsFuture::from(download(&name, &parts, mime))
            .await
            .map_err(|e| Error::new(Code::Storage, format!("downloading {name} failed")).with_path(&name).with_cause(e))
    };
    downloaded(format!("{prefix}.json"), Array::of1(&text.into()), "application/json").await?;
    if present(&data) {
        check()?;
        let parts: Array = byte_views(&data, "weightData")?.into_iter().collect();
        downloaded(weights_file, parts, "application/octet-stream").await?;
    }
    let result = Object::new();
    set(&result, "modelArtifactsInfo", &info);
    Ok(result.into())
}

/// `browserDownloads(prefix = 'model', options?)`.
#[wasm_bindgen(js_name = browserDownloads, skip_typescript)]
pub fn browser_downloads(prefix: JsValue, options: JsValue) -> JsResult<DownloadsHandler> {
    let options = std::rc::Rc::new(Options::parse(&options)?);
    if present(&prefix) && prefix.as_string().is_none() {
        return Err(Error::invalid_argument(format!(
            "browserDownloads expects a file name prefix string, got {}",
            type_name(&prefix)
        ))
        .into());
    }
    let prefix = prefix.as_string().unwrap_or_default();
    let prefix = prefix.strip_prefix(SCHEME).unwrap_or(&prefix);
    let prefix = if prefix.is_empty() { "model".into() } else { prefix.to_owned() };
    Ok(DownloadsHandler { prefix, options })
}

/// The save router for `downloads://` URLs, in pages (a bad option is an
/// error).
pub fn downloads_router(url: &JsValue, options: &JsValue) -> Result<Option<JsValue>> {
    if !url.as_string().is_some_and(|u| u.starts_with(SCHEME) && can_download()) {
        return Ok(None);
    }
    Options::parse(options)?;
    Ok(browser_downloads(url.clone(), options.clone()).ok().map(JsValue::from))
}

/// The IOHandler `browserFiles()` returns.
#[wasm_bindgen(skip_typescript)]
pub struct FilesHandler {
    files: Vec<JsValue>,
    options: std::rc::Rc<Options>,
}

#[wasm_bindgen]
impl FilesHandler {
    pub fn load(&self) -> Promise {
        let (files, options) = (self.files.clone(), self.options.clone());
        crate::bindings::js::promise(async move { Ok(load_files(&files, &options).await?) })
    }
}

fn file_name(file: &JsValue) -> String {
    get(file, "name").as_string().unwrap_or_else(|| "(unnamed file)".into())
}

async fn read(file: &JsValue, method: &str) -> Result<JsValue> {
    call_method(file, method).await.map_err(|e| read_failed(file, e))
}

/// `E_STORAGE` for a file whose bytes could not be read (`cause`).
fn read_failed(file: &JsValue, cause: JsValue) -> Error {
    let name = file_name(file);
    Error::new(Code::Storage, format!("reading the file '{name}' failed")).with_path(&name).with_cause(cause)
}

/// The last part of a path, as tf.io matches weight files: trimmed by JS's
/// own `trim()` (its whitespace, not Rust's), a trailing `/` ignored.
fn basename(path: &str) -> String {
    let path = String::from(js_sys::JsString::from(path).trim());
    let path = path.trim_end_matches('/');
    split_ascii(path, b'/', true).map_or(path, |(_, name)| name).to_owned()
}

/// A File's size, known before reading it (`None` for a File-like without one).
fn file_size(file: &JsValue) -> Option<u64> {
    get(file, "size").as_f64().filter(|n| *n >= 0.0).map(|n| n as u64)
}

fn invalid(name: &str, message: String) -> Error {
    Error::new(Code::InvalidModelJson, message).with_path(name)
}

/// `files[0]` is model.json; the others are its weight files, matched to
/// the manifest's paths by basename, each group's size checked (from the
/// files' sizes before anything is read, and again from the bytes read).
async fn load_files(files: &[JsValue], options: &Options) -> Result<JsValue> {
    let json_file = &files[0];
    let name = file_name(json_file);
    let check = |file: &str| options.signal.check(|| format!("reading the file '{file}' was aborted"));
    check(&name)?;
    if file_size(json_file).is_some_and(|n| n > DEFAULT_MAX_MODEL_JSON_BYTES) {
        return Err(too_large(&format!("the file '{name}'"), DEFAULT_MAX_MODEL_JSON_BYTES).with_path(&name));
    }
    let text = read(json_file, "text").await?;
    let (json, model) = model_json_from_text(&text, &name).map_err(|e| e.with_path(&name))?;
    if !present(&get(&json, "modelTopology")) {
        return Err(invalid(&name, format!("modelTopology field is missing from file {name}")));
    }
    if files.len() == 1 {
        // model.json alone: the topology and metadata, no weights (as tf.io).
        js_sys::Reflect::delete_property(json.unchecked_ref::<Object>(), &"weightsManifest".into())
            .map_err(Error::thrown)?;
        return artifacts_for_model_json(json, JsValue::UNDEFINED, JsValue::UNDEFINED).map(JsValue::from);
    }
    let Some(groups) = &model.manifest else {
        return Err(invalid(&name, format!("weightsManifest field is missing from file {name}")));
    };
    let weight_files = &files[1..];
    // Every file is matched (and counted) before any is read, as tf.io.
    let mut used: Vec<String> = Vec::new();
    let mut matched: Vec<Vec<&JsValue>> = Vec::with_capacity(groups.len());
    for group in groups {
        let mut group_files = Vec::with_capacity(group.paths.len());
        for path in &group.paths {
            let base = basename(path);
            if used.contains(&base) {
                return Err(invalid(&name, format!("Duplicate file basename found in weights manifest: '{base}'")));
            }
            let file = weight_files.iter().find(|f| basename(&file_name(f)) == base).ok_or_else(|| {
                Error::new(Code::WeightNotFound, format!("Weight file with basename '{base}' is not provided."))
                    .with_path(&base)
            })?;
            used.push(base);
            group_files.push(file);
        }
        matched.push(group_files);
    }
    if used.len() != weight_files.len() {
        return Err(Error::invalid_argument(format!(
            "Mismatch in the number of files in weights manifest ({}) and the number of weight files provided ({}).",
            used.len(),
            weight_files.len()
        )));
    }
    let weights = WeightPlan::new(groups, matched.iter().flatten().map(|f| file_name(f))).map_err(Error::from)?;
    let files: Vec<JsValue> = matched.into_iter().flatten().cloned().collect();
    check_sizes(&weights, &files)?;
    let progress = Progress::new(options.on_progress.clone(), weights.total_bytes(), weights.files.len());
    let source = Rc::new(FileObjects { files, progress: progress.clone() });
    let shards = Shards { source, plan: weights, progress, signal: options.signal.clone() };
    let buffers = shards.load_all(FILES_AT_ONCE).await?;
    let specs = get_weight_specs(get(&json, "weightsManifest"))?;
    artifacts_for_model_json(json, specs.into(), buffers.into()).map(JsValue::from)
}

/// Files read at once: a File's bytes come from disk, not the network.
const FILES_AT_ONCE: usize = 4;

/// Each group's byte count, where the files tell their sizes (`files` in
/// plan order): a wrong file is named before anything is read.
pub fn check_sizes(weights: &WeightPlan, files: &[JsValue]) -> Result<()> {
    for group in 0..weights.needed.len() {
        let of_group = weights.files.iter().zip(files).filter(|(f, _)| f.group == group);
        if let Some(held) = of_group.map(|(_, file)| file_size(file)).sum::<Option<u64>>() {
            weights.check_group(group, held).map_err(Error::from)?;
        }
    }
    Ok(())
}

/// Weight files as `File` objects, in plan order: those a user picked, or
/// OPFS's (`opfs.rs`).
pub struct FileObjects {
    pub files: Vec<JsValue>,
    pub progress: Rc<RefCell<Progress>>,
}

#[wasm_bindgen]
extern "C" {
    type Blob;
    #[wasm_bindgen(method, catch)]
    fn stream(this: &Blob) -> JsResult<web_sys::ReadableStream>;
}

impl ShardSource for FileObjects {
    fn read(self: Rc<Self>, index: usize) -> LocalBoxFuture<'static, Result<Vec<ArrayBuffer>>> {
        Box::pin(async move {
            let data = read(&self.files[index], "arrayBuffer").await?;
            // Exactly the file's bytes, whatever `arrayBuffer()` gave.
            let buffer = exact_buffer(&byte_view(&data, "arrayBuffer()")?);
            self.progress.borrow_mut().add_bytes(u64::from(buffer.byte_length()));
            Ok(vec![buffer])
        })
    }

    fn chunks(self: Rc<Self>, index: usize) -> Option<Box<dyn Chunks>> {
        Some(Box::new(FileChunks { files: self, index, reader: None }))
    }

    fn locate(&self, error: Error, name: &str) -> Error {
        error.with_path(name)
    }
}

/// One file's bytes as its `stream()` gives them.
struct FileChunks {
    files: Rc<FileObjects>,
    index: usize,
    reader: Option<web_sys::ReadableStreamDefaultReader>,
}

impl Chunks for FileChunks {
    fn next(&mut self) -> LocalBoxFuture<'_, Result<Option<Uint8Array>>> {
        Box::pin(async move {
            let file = &self.files.files[self.index];
            let failed = |e| read_failed(file, e);
            let reader = match &self.reader {
                Some(reader) => reader,
                None => {
                    let stream = file.unchecked_ref::<Blob>().stream().map_err(failed)?;
                    self.reader.insert(stream.get_reader().unchecked_into())
                }
            };
            let step = JsFuture::from(reader.read()).await.map_err(failed)?;
            if get(&step, "done").is_truthy() {
                return Ok(None);
            }
            let chunk = byte_view(&get(&step, "value"), "a file's stream")?;
            self.files.progress.borrow_mut().add_bytes(u64::from(chunk.length()));
            Ok(Some(chunk))
        })
    }
}

/// `browserFiles(files, options?)`: `files[0]` is model.json, the rest its
/// weight files.
#[wasm_bindgen(js_name = browserFiles, skip_typescript)]
pub fn browser_files(files: JsValue, options: JsValue) -> JsResult<FilesHandler> {
    let options = std::rc::Rc::new(Options::parse(&options)?);
    let list: Vec<JsValue> = if Array::is_array(&files) || get(&files, "length").as_f64().is_some() && files.is_object()
    {
        Array::from(&files).iter().collect()
    } else {
        Vec::new()
    };
    if list.is_empty() {
        return Err(Error::invalid_argument(format!(
            "When calling browserFiles, at least 1 file is required, but received {}",
            type_name(&files)
        ))
        .into());
    }
    Ok(FilesHandler { files: list, options })
}
