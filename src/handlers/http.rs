//! `http(path, loadOptions)`: model.json and weight shards over HTTP(S),
//! and multipart save, tf.io-compatible, with the checks of `fetch.rs`.

use crate::format::Code;
use std::cell::RefCell;
use std::rc::Rc;

use futures_util::future::LocalBoxFuture;
use js_sys::{Array, ArrayBuffer, Function, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::fetch::{describe, Progress, ShardReader, Transport};
use super::limits::{Budget, DEFAULT_MAX_MODEL_JSON_BYTES};
use super::options::Options as Common;
use super::save_weights::SaveWeights;
use super::shards::{self, Chunks, ShardSource, Shards};
use crate::bindings::artifacts::{
    artifacts_for_model_json, binary_form_model, get_model_artifacts_info_for_json, get_model_json_for_model_artifacts,
    get_weight_specs, model_json_from_text,
};
use crate::bindings::error::{Error, Result};
use crate::bindings::js::{function_option, get, handler_paths, integer_option, json_text, present, set};
use crate::format::codec::ByteSource;
use crate::format::model_json::ModelJson;
use crate::format::paths::weight_urls;
use crate::format::plan::WeightPlan;
use crate::format::shards::DEFAULT_SHARD_SIZE;
use crate::format::spec::ManifestGroup;

#[wasm_bindgen(module = "/src/glue.js")]
extern "C" {
    fn multipart(model_json: &str, parts: &JsValue) -> JsValue;
    /// `new Blob([blob, ...parts])` (just `parts` without a `blob`).
    #[wasm_bindgen(js_name = appendBlob)]
    fn append_blob(blob: &JsValue, parts: &Array) -> JsValue;
    #[wasm_bindgen(js_name = saveInit)]
    fn save_init(request_init: &JsValue, body: &JsValue, signal: &JsValue) -> JsValue;
    /// A body's bytes as a JS string, as `Response.text()` decodes them.
    fn utf8(buffer: &ArrayBuffer) -> JsValue;
}

/// Validated `LoadOptions`: the shared ones and those of http.
struct Options {
    common: Common,
    request_init: JsValue,
    weight_path_prefix: Option<String>,
    weight_url_converter: Option<Function>,
    stream_weights: bool,
    max_model_json_bytes: u64,
}

impl Options {
    fn parse(options: &JsValue) -> Result<Self> {
        let request_init = get(options, "requestInit");
        if present(&get(&request_init, "body")) {
            return Err(Error::invalid_argument("requestInit is expected to have no pre-existing body, but has one."));
        }
        let fetch_func = get(options, "fetchFunc");
        if present(&fetch_func) && !fetch_func.is_function() {
            return Err(Error::invalid_argument(
                "loadOptions.fetchFunc must be a function with the signature of fetch",
            ));
        }
        let prefix = get(options, "weightPathPrefix");
        Ok(Options {
            common: Common::parse(options)?,
            request_init,
            weight_path_prefix: prefix.as_string().filter(|p| !p.is_empty()),
            weight_url_converter: function_option(options, "weightUrlConverter")?,
            stream_weights: get(options, "streamWeights").is_truthy(),
            max_model_json_bytes: integer_option(options, "maxModelJSONBytes", 1, 1 << 40)?
                .unwrap_or(DEFAULT_MAX_MODEL_JSON_BYTES),
        })
    }

    /// The transport with the real fetch resolved (at load/save time, so a
    /// handler can be made where fetch is installed later).
    fn transport(&self, fetch_func: &JsValue) -> Result<Rc<Transport>> {
        Ok(Rc::new(Transport {
            fetch: Transport::fetch_or_global(fetch_func)?,
            request_init: self.request_init.clone(),
            signal: self.common.signal.clone(),
            retries: self.common.retries,
            timeout_ms: self.common.timeout_ms,
        }))
    }
}

/// The IOHandler `http()` returns.
#[wasm_bindgen(skip_typescript)]
pub struct HttpHandler {
    inner: Rc<Inner>,
}

struct Inner {
    /// model.json URL, or `[model.pb URL, weights manifest URL]`.
    path: Vec<String>,
    options: Options,
    fetch_func: JsValue,
}

#[wasm_bindgen]
impl HttpHandler {
    pub fn load(&self) -> Promise {
        let inner = self.inner.clone();
        crate::bindings::js::promise(async move { Ok(inner.load().await?) })
    }

    pub fn save(&self, artifacts: JsValue) -> Promise {
        let inner = self.inner.clone();
        crate::bindings::js::promise(async move { Ok(inner.save(artifacts).await?) })
    }
}

/// `http(path, loadOptions)`.
#[wasm_bindgen(js_name = http, skip_typescript)]
pub fn http(path: JsValue, load_options: JsValue) -> std::result::Result<HttpHandler, JsValue> {
    let paths = handler_paths(&path, "URL paths for http")?;
    let options = Options::parse(&load_options)?;
    let fetch_func = get(&load_options, "fetchFunc");
    Ok(HttpHandler { inner: Rc::new(Inner { path: paths, options, fetch_func }) })
}

/// `browserHTTPRequest`: the deprecated alias of `http`.
#[wasm_bindgen(js_name = browserHTTPRequest, skip_typescript)]
pub fn browser_http_request(path: JsValue, load_options: JsValue) -> std::result::Result<HttpHandler, JsValue> {
    http(path, load_options)
}

/// The router tf.io registers for `http://` and `https://` URLs: a bad
/// option is an error, a bad URL no handler.
pub fn http_router(url: &JsValue, options: &JsValue) -> Result<Option<JsValue>> {
    let is_http = |v: &JsValue| v.as_string().is_some_and(|s| s.starts_with("http://") || s.starts_with("https://"));
    let matches = if Array::is_array(url) { Array::from(url).iter().all(|u| is_http(&u)) } else { is_http(url) };
    if !matches {
        return Ok(None);
    }
    let parsed = Options::parse(options)?;
    let fetch_func = get(options, "fetchFunc");
    Ok(handler_paths(url, "URL paths for http")
        .ok()
        .map(|path| HttpHandler { inner: Rc::new(Inner { path, options: parsed, fetch_func }) }.into()))
}

impl Inner {
    async fn load(&self) -> Result<JsValue> {
        let transport = self.options.transport(&self.fetch_func)?;
        let progress = Progress::new(self.options.common.on_progress.clone(), 0, 0);
        progress.borrow_mut().start();
        let (model_json, model) = if self.path.len() == 2 {
            self.load_binary_form(&transport).await?
        } else {
            let url = &self.path[0];
            model_json_from_text(&utf8(&self.fetch_capped(&transport, url, false).await?), url)
                .map_err(|e| e.with_url(url))?
        };
        let Some(groups) = &model.manifest else {
            return artifacts_for_model_json(model_json, JsValue::UNDEFINED, JsValue::UNDEFINED).map(JsValue::from);
        };
        let manifest = get(&model_json, "weightsManifest");
        let specs: JsValue = get_weight_specs(manifest)?.into();
        let weights_url = self.path.last().expect("one or two paths");
        let weights = WeightPlan::new(groups, self.shard_urls(weights_url, groups).await?).map_err(Error::from)?;
        progress.borrow_mut().set_totals(weights.total_bytes(), weights.files.len());
        // Each read of the weights (the load, each stream) with budgets of its own.
        let shards = move || {
            let (signal, source) =
                (transport.signal.clone(), HttpShards::over(transport.clone(), &weights, progress.clone()));
            Rc::new(Shards { source, plan: weights.clone(), progress: progress.clone(), signal })
        };
        let (stream_weights, concurrency) = (self.options.stream_weights, self.options.common.concurrency);
        shards::artifacts(model_json, specs, shards, stream_weights, concurrency).await
    }

    /// A model file's bytes (model.json, the manifest, model.pb) under
    /// `maxModelJSONBytes`, with the retries, resumption and stall timeout
    /// of a shard.
    async fn fetch_capped(&self, transport: &Rc<Transport>, url: &str, binary: bool) -> Result<ArrayBuffer> {
        let budget = Budget::model_file(url, self.options.max_model_json_bytes);
        let reader =
            ShardReader::new(transport.clone(), url.to_owned(), Progress::new(None, 0, 0)).with_budget(Some(budget));
        let mut reader = if binary { reader } else { reader.for_text() };
        reader.read_all().await
    }

    /// `[model.pb, weights_manifest.json]`: binary topology + bare manifest.
    async fn load_binary_form(&self, transport: &Rc<Transport>) -> Result<(JsValue, ModelJson)> {
        let (pb_url, manifest_url) = (&self.path[0], &self.path[1]);
        let topology = self.fetch_capped(transport, pb_url, true).await?;
        let text = utf8(&self.fetch_capped(transport, manifest_url, false).await?).as_string().unwrap_or_default();
        binary_form_model(&topology, &text, manifest_url).map_err(|e| e.with_url(manifest_url))
    }

    /// Shard URLs, one per manifest path: the prefix and query rules, or
    /// the caller's converter.
    async fn shard_urls(&self, weights_url: &str, groups: &[ManifestGroup]) -> Result<Vec<String>> {
        let paths: Vec<String> = groups.iter().flat_map(|g| g.paths.iter().cloned()).collect();
        let urls = match &self.options.weight_url_converter {
            None => weight_urls(weights_url, self.options.weight_path_prefix.as_deref(), &paths),
            Some(convert) => {
                let calls: Array = paths
                    .iter()
                    .map(|p| convert.call1(&JsValue::NULL, &p.into()))
                    .collect::<std::result::Result<_, _>>()
                    .map_err(Error::thrown)?;
                let converted = JsFuture::from(Promise::all(&calls)).await.map_err(Error::thrown)?;
                Array::from(&converted).iter().map(|u| u.as_string().unwrap_or_default()).collect()
            }
        };
        Ok(urls)
    }

    async fn save(&self, artifacts: JsValue) -> Result<JsValue> {
        let url = &self.path[0];
        let transport = self.options.transport(&self.fetch_func)?;
        let mut weights = SaveWeights::of(&artifacts, "http save")?;
        let group = Object::new();
        set(&group, "paths", &Array::of1(&"./model.weights.bin".into()));
        set(&group, "weights", &get(&artifacts, "weightSpecs"));
        let model_json = get_model_json_for_model_artifacts(artifacts.clone(), Array::of1(&group).into())?;
        let text = json_text(&model_json, "http save: the model's JSON (modelTopology, signature, metadata...)")?;
        // Shards go into the Blob as they are: no joined copy, no 2 GiB cap.
        // A stream goes in a piece at a time, and the browser may keep the
        // Blob on disk; nothing is sent until every byte is in and counted.
        let piece_size = if weights.in_memory() { u64::MAX } else { DEFAULT_SHARD_SIZE };
        let mut blob = JsValue::NULL;
        while let Some(piece) = weights.next(piece_size).await? {
            if transport.aborted() {
                weights.cancel();
                return Err(transport.abort_error(url));
            }
            blob = append_blob(&blob, &piece.views(0, piece.byte_length()));
        }
        let parts: JsValue = if present(&get(&artifacts, "weightData")) || !weights.in_memory() {
            Array::of1(&append_blob(&blob, &Array::new())).into()
        } else {
            JsValue::NULL
        };
        let init = save_init(&transport.request_init, &multipart(&text, &parts), transport.signal.js());
        let sent = transport.fetch.call2(&JsValue::UNDEFINED, &url.into(), &init).map_err(Error::thrown)?;
        let response = JsFuture::from(Promise::resolve(&sent)).await.map_err(|e| {
            if transport.aborted() {
                transport.abort_error(url)
            } else {
                Error::new(Code::Network, format!("saving to {url} failed: {}", describe(&e)))
                    .with_url(url)
                    .with_cause(e)
            }
        })?;
        if !get(&response, "ok").is_truthy() {
            let status = get(&response, "status").as_f64().unwrap_or(0.0) as u16;
            return Err(Error {
                status: Some(status),
                ..Error::new(Code::HttpStatus, format!("saving to {url} failed with HTTP status {status}"))
                    .with_url(url)
            });
        }
        let result = Object::new();
        let info = get_model_artifacts_info_for_json(artifacts)?;
        weights.count_into(&info);
        set(&result, "modelArtifactsInfo", &info);
        set(&result, "responses", &Array::of1(&response));
        Ok(result.into())
    }
}

/// Weight files over HTTP: each a `ShardReader`, its bytes counted
/// against its group's budget as they arrive.
pub struct HttpShards {
    transport: Rc<Transport>,
    progress: Rc<RefCell<Progress>>,
    /// Each file's URL and its group's budget.
    files: Vec<(String, Option<Rc<Budget>>)>,
}

impl HttpShards {
    pub fn over(transport: Rc<Transport>, plan: &WeightPlan, progress: Rc<RefCell<Progress>>) -> Rc<Self> {
        let budgets = Budget::groups(plan);
        let files = plan.files.iter().map(|f| (f.name.clone(), budgets[f.group].clone())).collect();
        Rc::new(HttpShards { transport, progress, files })
    }

    fn reader(&self, index: usize) -> ShardReader {
        let (url, budget) = &self.files[index];
        ShardReader::new(self.transport.clone(), url.clone(), self.progress.clone()).with_budget(budget.clone())
    }
}

impl ShardSource for HttpShards {
    fn read(self: Rc<Self>, index: usize) -> LocalBoxFuture<'static, Result<Vec<ArrayBuffer>>> {
        Box::pin(async move { Ok(vec![self.reader(index).read_all().await?]) })
    }

    fn chunks(self: Rc<Self>, index: usize) -> Option<Box<dyn Chunks>> {
        Some(Box::new(self.reader(index)))
    }

    fn locate(&self, error: Error, url: &str) -> Error {
        error.with_url(url)
    }
}
