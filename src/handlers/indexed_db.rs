//! `browserIndexedDB(path)` and `indexeddb://`: TensorFlow.js's IndexedDB
//! layout (database `tensorflowjs` v1, stores `models_store` and
//! `model_info_store`, keyPath `modelPath`), so either library loads what
//! the other saved. Unlike tf.io, both records are written in one
//! transaction (no orphan info record, and a failed save leaves the previous
//! model whole), the caller's artifacts are not mutated, and the weights are
//! stored as their shards (`ArrayBuffer[]`, which tfjs >= 4.6 loads) instead
//! of one joined copy.
//!
//! Models whose weights pass `chunkThreshold` are stored in a database of
//! our own (`model-artifacts`) as chunk records, commit-last: the chunks
//! are written first, each batch in its own transaction, under a fresh save
//! id; then one transaction checks they are all there, puts the record that
//! makes the model visible and drops every other chunk of that path
//! (an older model, leftovers of interrupted saves). Until that commit the
//! previous model is what loads. When both layouts hold a model at one path
//! (a save switched layout and was interrupted before removing the old
//! one), the newest wins: records carry `savedAt` (sub-millisecond; for a
//! chunked save, its commit), and each layout switch removes the other
//! layout's model only if it is older, inside the removing transaction.
//!
//! The transactions themselves are JS in `glue.js` (one connection per
//! database, requests as promises), and so are the checks that must be made
//! inside the transaction they guard: whether a commit has all its chunks
//! (`ownCommit`), whether a model is older than a save that replaces it
//! (`idbDelete`, `ownDelete`) and which unfinished saves are stale
//! (`sweepStale`). Everything else is decided here: the layout, when each
//! of those runs and with what. Written in Rust over typed bindings, that
//! JS costs 6.2 to 9 KB of gzipped wasm (three designs measured, branch
//! `wip/idb-in-rust`), more than the 150 KiB budget leaves.

use crate::format::Code;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use futures_util::future::LocalBoxFuture;
use js_sys::{Array, ArrayBuffer, Object, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::fetch::Progress;
use super::options::Options as Common;
use super::order::{in_turn, Access, Claim, Medium, Place};
use super::shards::{self, stream, ShardSource, Shards};
use super::store::{
    available_bytes, new_save_id, quota_exceeded, record_without_weights, savable, storage_error, store_path,
};
use crate::bindings::artifacts::get_model_artifacts_info_for_json;
use crate::bindings::error::{Error, Result};
use crate::bindings::js::{byte_views, exact_buffer, get, integer_option, present, set};
use crate::format::composite::tfjs_last_shard_cut;
use crate::format::plan::{PlannedFile, WeightPlan};

type JsResult<T> = std::result::Result<T, JsValue>;

const SCHEME: &str = "indexeddb://";
const STORE: &str = "IndexedDB";
/// Weights above this many bytes are stored as chunks by default: far
/// below the 2 GiB ArrayBuffer limit, and below what one structured clone
/// comfortably copies at once.
const DEFAULT_CHUNK_THRESHOLD: u64 = 256 << 20;
const DEFAULT_CHUNK_SIZE: u64 = 64 << 20;
/// Loads retried when a save replaced the model while it was being read.
const LOAD_ATTEMPTS: usize = 3;
/// Chunks of a save that has not committed after this long are leftovers
/// of a closed tab, removed by the next chunked save or removeModel.
const STALE_SAVE_MS: f64 = 3_600_000.0;

#[wasm_bindgen(module = "/src/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = idbAvailable)]
    fn idb_available() -> bool;
    #[wasm_bindgen(js_name = idbPut)]
    fn idb_put(path: &str, artifacts: &JsValue, info: &JsValue, saved_at: f64, signal: &JsValue) -> Promise;
    #[wasm_bindgen(js_name = idbGet)]
    fn idb_get(path: &str, info_only: bool) -> Promise;
    #[wasm_bindgen(js_name = idbInfos)]
    fn idb_infos() -> Promise;
    #[wasm_bindgen(js_name = idbDelete)]
    fn idb_delete(path: &str, older_than: Option<f64>) -> Promise;
    #[wasm_bindgen(js_name = chunksPut)]
    fn chunks_put(path: &str, save_id: &str, first: u32, buffers: &Array, signal: &JsValue) -> Promise;
    #[wasm_bindgen(js_name = chunksGet)]
    fn chunks_get(path: &str, save_id: &str, first: u32, count: u32) -> Promise;
    #[wasm_bindgen(js_name = ownGet)]
    fn own_get(path: &str) -> Promise;
    #[wasm_bindgen(js_name = ownRecords)]
    fn own_records() -> Promise;
    #[wasm_bindgen(js_name = ownCommit)]
    fn own_commit(record: &Object, count: u32) -> Promise;
    #[wasm_bindgen(js_name = sweepStale)]
    fn sweep_stale(max_age_ms: f64) -> Promise;
    /// When a stored record's model was saved (ms since the epoch, finer
    /// than `dateSaved`; 0 unknown).
    #[wasm_bindgen(js_name = savedAt)]
    fn saved_at(record: &JsValue) -> f64;
    fn now() -> f64;
    #[wasm_bindgen(js_name = ownDelete)]
    fn own_delete(path: &str, save_id: Option<String>, older_than: Option<f64>) -> Promise;
}

async fn settle(promise: Promise, path: &str, doing: &str) -> Result<JsValue> {
    match JsFuture::from(promise).await {
        Ok(v) => Ok(v),
        Err(e) => Err(storage_error(e, STORE, path, doing, 0).await),
    }
}

fn not_found(path: &str) -> Error {
    Error::new(Code::NotFound, format!("Cannot find model with path '{path}' in IndexedDB.")).with_path(path)
}

/// Whether a path's chunked record (if any) is the model to use over its
/// tfjs-layout info record (if any): present and not older.
fn chunked_wins(info: &JsValue, own: &JsValue) -> bool {
    present(own) && (!present(info) || saved_at(own) >= saved_at(info))
}

/// The shared options and those of IndexedDB.
struct Options {
    common: Common,
    chunk_threshold: u64,
    chunk_size: u64,
    stream_weights: bool,
}

impl Options {
    fn parse(options: &JsValue) -> Result<Self> {
        Ok(Options {
            common: Common::parse(options)?,
            chunk_threshold: integer_option(options, "chunkThreshold", 0, 1 << 53)?.unwrap_or(DEFAULT_CHUNK_THRESHOLD),
            chunk_size: integer_option(options, "chunkSize", 1, 1 << 30)?.unwrap_or(DEFAULT_CHUNK_SIZE),
            stream_weights: get(options, "streamWeights").is_truthy(),
        })
    }

    fn aborted(&self) -> bool {
        self.common.signal.aborted()
    }

    /// `E_ABORTED` for a save of `path` stopped by the signal.
    fn save_aborted(&self, path: &str) -> Error {
        self.common.signal.error(format!("saving '{path}' to {STORE} was aborted; nothing was stored")).with_path(path)
    }

    /// `E_ABORTED` once the signal is aborted, for a load of `path`.
    fn check_load(&self, path: &str) -> Result<()> {
        self.common.signal.check(|| format!("loading '{path}' from {STORE} was aborted")).map_err(|e| e.with_path(path))
    }

    /// Progress over `total` weight bytes moved in `steps` transactions.
    fn progress(&self, total: u64, steps: usize) -> std::rc::Rc<std::cell::RefCell<Progress>> {
        let progress = Progress::new(self.common.on_progress.clone(), total, steps);
        progress.borrow_mut().start();
        progress
    }
}

/// The IOHandler `browserIndexedDB()` returns.
#[wasm_bindgen(skip_typescript)]
pub struct IndexedDbHandler {
    path: String,
    options: std::rc::Rc<Options>,
}

/// The turn of an operation on the model at `path` (see `order`).
pub fn claim(path: &str, access: Access) -> Claim {
    (Place::model(Medium::IndexedDb, path), access)
}

#[wasm_bindgen]
impl IndexedDbHandler {
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
    let mut info_only = false;
    for _ in 0..LOAD_ATTEMPTS {
        options.check_load(path)?;
        let info = settle(idb_get(path, true), path, "loading").await?;
        let own = settle(own_get(path), path, "loading").await?;
        options.check_load(path)?;
        if chunked_wins(&info, &own) {
            if let Some(artifacts) = load_chunked(path, &own, options).await? {
                return Ok(artifacts);
            }
        } else if present(&info) {
            let bytes = get(&get(&info, "modelArtifactsInfo"), "weightDataBytes").as_f64().unwrap_or(0.0) as u64;
            let progress = options.progress(bytes, 1);
            let record = settle(idb_get(path, false), path, "loading").await?;
            options.check_load(path)?;
            if present(&record) {
                progress.borrow_mut().add_bytes(bytes);
                progress.borrow_mut().file_done();
                return Ok(get(&record, "modelArtifacts"));
            }
            info_only = true;
        } else {
            return Err(not_found(path));
        }
        // A save replaced the model while it was being read: read again.
    }
    if info_only {
        // tf.io writes its two records in two transactions; an interrupted
        // tf.io save leaves the info alone.
        return Err(Error::new(
            Code::NotFound,
            format!("IndexedDB has only the info record of model '{path}', not the model (an interrupted tf.io save?)"),
        )
        .with_path(path));
    }
    Err(Error::new(Code::Storage, format!("the model at '{path}' in IndexedDB kept changing while it was loaded"))
        .with_path(path))
}

/// A chunked model's artifacts, or `None` when a newer save removed its
/// chunks while they were read.
async fn load_chunked(path: &str, record: &JsValue, options: &Options) -> Result<Option<JsValue>> {
    let artifacts = Object::assign(&Object::new(), get(record, "modelArtifacts").unchecked_ref());
    let source = StoredChunks::of(path, record, options);
    let plan = source.plan();
    let (signal, progress) = (options.common.signal.clone(), source.progress.clone());
    let shards = Rc::new(Shards { source: source.clone(), plan, progress, signal });
    if options.stream_weights {
        let stream = Closure::<dyn FnMut() -> JsValue>::new(move || stream(shards.clone()));
        set(&artifacts, "getWeightStream", &stream.into_js_value());
        return Ok(Some(artifacts.into()));
    }
    // One transaction at a time, as they were written.
    match shards.load_all(1).await {
        Ok(buffers) => {
            set(&artifacts, "weightData", &buffers);
            Ok(Some(artifacts.into()))
        }
        Err(_) if source.replaced.get() => Ok(None),
        Err(e) => Err(e),
    }
}

/// A chunked model's weights, as the shard path reads them: each "file" is
/// one batch of chunks read in one transaction (about the handler's
/// `chunkSize` of bytes), each chunk checked against its recorded length.
struct StoredChunks {
    path: String,
    save_id: String,
    lengths: Vec<u64>,
    batches: Vec<std::ops::Range<usize>>,
    progress: Rc<RefCell<Progress>>,
    /// Set once a newer save turned out to have removed the chunks.
    replaced: Cell<bool>,
}

impl StoredChunks {
    fn of(path: &str, record: &JsValue, options: &Options) -> Rc<Self> {
        let lengths: Vec<u64> =
            Array::from(&get(record, "chunks")).iter().map(|n| n.as_f64().unwrap_or(-1.0) as u64).collect();
        let batches = batches(&lengths, options.chunk_size);
        Rc::new(StoredChunks {
            path: path.to_owned(),
            save_id: get(record, "saveId").as_string().unwrap_or_default(),
            progress: options.progress(lengths.iter().sum(), batches.len()),
            lengths,
            batches,
            replaced: Cell::new(false),
        })
    }

    /// One group (all the chunks, as many bytes as the record says), one
    /// file per batch.
    fn plan(&self) -> WeightPlan {
        let name = |r: &std::ops::Range<usize>| format!("chunks {}..{} of '{}'", r.start, r.end, self.path);
        let files = self.batches.iter().map(|r| PlannedFile { name: name(r), group: 0, sha256: None }).collect();
        WeightPlan { files, needed: vec![Some(self.lengths.iter().sum())] }
    }

    /// Chunks `range`, each checked against its recorded length.
    async fn read_batch(&self, range: std::ops::Range<usize>) -> Result<Vec<ArrayBuffer>> {
        let count = range.len() as u32;
        let values =
            settle(chunks_get(&self.path, &self.save_id, range.start as u32, count), &self.path, "loading").await?;
        let values = Array::from(&values);
        if values.length() != count {
            self.replaced.set(true);
            return Err(Error::new(
                Code::Storage,
                format!("the model at '{}' in IndexedDB was replaced while its weights were read", self.path),
            )
            .with_path(&self.path));
        }
        let mut out = Vec::with_capacity(range.len());
        for (index, value) in range.zip(values.iter()) {
            let buffer: ArrayBuffer =
                value.dyn_into().map_err(|_| self.corrupt(index, "is not an ArrayBuffer".into()))?;
            if u64::from(buffer.byte_length()) != self.lengths[index] {
                return Err(self.corrupt(
                    index,
                    format!("holds {} bytes, its record says {}", buffer.byte_length(), self.lengths[index]),
                ));
            }
            self.progress.borrow_mut().add_bytes(self.lengths[index]);
            out.push(buffer);
        }
        Ok(out)
    }

    fn corrupt(&self, index: usize, what: String) -> Error {
        Error::new(Code::SizeMismatch, format!("chunk {index} of '{}' in IndexedDB {what}", self.path))
            .with_path(&self.path)
    }
}

impl ShardSource for StoredChunks {
    fn read(self: Rc<Self>, index: usize) -> LocalBoxFuture<'static, Result<Vec<ArrayBuffer>>> {
        Box::pin(async move { self.read_batch(self.batches[index].clone()).await })
    }

    /// A batch's chunks one by one, read in one transaction.
    fn chunks(self: Rc<Self>, index: usize) -> Option<Box<dyn shards::Chunks>> {
        Some(Box::new(Batch { read: Some(self.read(index)), ready: Vec::new().into_iter() }))
    }

    fn locate(&self, error: Error, _batch: &str) -> Error {
        error.with_path(&self.path)
    }
}

/// One batch of a stream.
struct Batch {
    read: Option<LocalBoxFuture<'static, Result<Vec<ArrayBuffer>>>>,
    ready: std::vec::IntoIter<ArrayBuffer>,
}

impl shards::Chunks for Batch {
    fn next(&mut self) -> LocalBoxFuture<'_, Result<Option<Uint8Array>>> {
        Box::pin(async move {
            if let Some(read) = self.read.take() {
                self.ready = read.await?.into_iter();
            }
            Ok(self.ready.next().map(|b| Uint8Array::new(&b)))
        })
    }
}

async fn save(path: &str, artifacts: &JsValue, options: &Options) -> Result<JsValue> {
    let data = savable(artifacts, "browserIndexedDB")?;
    let info = get_model_artifacts_info_for_json(artifacts.clone())?;
    let views: Vec<Uint8Array> = byte_views(&data, "weightData")?.into_iter().filter(|v| v.length() > 0).collect();
    let total: u64 = views.iter().map(|v| u64::from(v.length())).sum();
    if options.aborted() {
        return Err(options.save_aborted(path));
    }
    let record = record_without_weights(artifacts);
    if total > options.chunk_threshold {
        let saved_at = save_chunked(path, record, &info, views, options).await?;
        // A model saved before in tfjs's layout is now shadowed: remove it
        // (unless a racing save put a newer one there meanwhile).
        let _ = JsFuture::from(idb_delete(path, Some(saved_at))).await;
        let _ = JsFuture::from(sweep_stale(STALE_SAVE_MS)).await;
    } else {
        let saved_at_ms = now();
        set(&record, "weightData", &stored_shards(views));
        let progress = options.progress(total, 1);
        if let Err(e) =
            JsFuture::from(idb_put(path, &record.into(), &info, saved_at_ms, options.common.signal.js())).await
        {
            return Err(if options.aborted() {
                options.save_aborted(path)
            } else {
                storage_error(e, STORE, path, "saving", total).await
            });
        }
        progress.borrow_mut().add_bytes(total);
        progress.borrow_mut().file_done();
        // Likewise a chunked model saved before at this path.
        let _ = JsFuture::from(own_delete(path, None, Some(saved_at_ms))).await;
    }
    let result = Object::new();
    set(&result, "modelArtifactsInfo", &info);
    Ok(result.into())
}

/// The commit-last save of a large model (see the module comment); when it
/// committed.
async fn save_chunked(
    path: &str,
    record: Object,
    info: &JsValue,
    views: Vec<Uint8Array>,
    options: &Options,
) -> Result<f64> {
    let save_id = new_save_id();
    let size = options.chunk_size as u32;
    let pieces: Vec<Uint8Array> = views
        .iter()
        .flat_map(|v| {
            (0..v.length())
                .step_by(size as usize)
                .map(move |at| v.subarray(at, at.saturating_add(size).min(v.length())))
        })
        .collect();
    let lengths: Vec<u64> = pieces.iter().map(|p| u64::from(p.length())).collect();
    let total: u64 = lengths.iter().sum();
    // A save the origin's estimate says cannot fit is refused before any
    // chunk is written: at a full quota Firefox also refuses the deletes
    // that would drop a failed save's chunks, which then fill the quota.
    // (Chromium pads its estimate, so there the quota error decides.)
    let available = available_bytes().await;
    if available.is_some_and(|room| total as f64 > room) {
        return Err(quota_exceeded(
            &format!("saving '{path}' in {STORE} would pass the origin's storage quota (navigator.storage.estimate())"),
            path,
            total,
            available,
        ));
    }
    let batches = batches(&lengths, options.chunk_size);
    let progress = options.progress(total, batches.len());
    for batch in batches {
        let first = batch.start;
        let bytes: u64 = lengths[batch.clone()].iter().sum();
        let buffers: Array = pieces[batch].iter().map(|p| JsValue::from(exact_buffer(p))).collect();
        let written = if options.aborted() {
            Err(JsValue::UNDEFINED)
        } else {
            JsFuture::from(chunks_put(path, &save_id, first as u32, &buffers, options.common.signal.js())).await
        };
        if let Err(e) = written {
            // Nothing of this save is visible; drop what it wrote.
            let _ = JsFuture::from(own_delete(path, Some(save_id.clone()), None)).await;
            return Err(if options.aborted() {
                options.save_aborted(path)
            } else {
                storage_error(e, STORE, path, "saving", total).await
            });
        }
        progress.borrow_mut().add_bytes(bytes);
        // The last step completes at the commit below.
        if first + (buffers.length() as usize) < pieces.len() {
            progress.borrow_mut().file_done();
        }
    }
    let stored = Object::new();
    set(&stored, "modelPath", &path.into());
    set(&stored, "modelArtifacts", &record);
    set(&stored, "modelArtifactsInfo", info);
    set(&stored, "saveId", &save_id.as_str().into());
    let saved_at = now();
    set(&stored, "savedAt", &saved_at.into());
    set(&stored, "chunks", &lengths.iter().map(|&n| JsValue::from(n as f64)).collect::<Array>());
    let committed = match JsFuture::from(own_commit(&stored, pieces.len() as u32)).await {
        Ok(v) => v.is_truthy(),
        Err(e) => {
            let _ = JsFuture::from(own_delete(path, Some(save_id.clone()), None)).await;
            return Err(storage_error(e, STORE, path, "saving", total).await);
        }
    };
    if !committed {
        let _ = JsFuture::from(own_delete(path, Some(save_id.clone()), None)).await;
        return Err(Error::new(
            Code::Storage,
            format!("the model at '{path}' in IndexedDB was replaced or removed (by another tab?) while this save was writing; nothing of this save is stored"),
        )
        .with_path(path));
    }
    progress.borrow_mut().file_done();
    Ok(saved_at)
}

/// Consecutive ranges of `lengths` of about `limit` bytes each (at least
/// one item): the chunks one transaction writes or reads.
fn batches(lengths: &[u64], limit: u64) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut first = 0;
    while first < lengths.len() {
        let (mut end, mut bytes) = (first + 1, lengths[first]);
        while end < lengths.len() && bytes + lengths[end] <= limit {
            bytes += lengths[end];
            end += 1;
        }
        out.push(first..end);
        first = end;
    }
    out
}

/// The weights as TensorFlow.js will read them back: ArrayBuffer shards
/// (no empty ones: tfjs misreads a leading empty shard), the last one cut if
/// tfjs would misread it; one empty ArrayBuffer when there are no weight
/// bytes, as tfjs stores it.
fn stored_shards(mut views: Vec<Uint8Array>) -> JsValue {
    let lengths: Vec<u64> = views.iter().map(|v| u64::from(v.length())).collect();
    if let Some(cut) = tfjs_last_shard_cut(&lengths) {
        let last = views.pop().expect("a cut implies shards");
        let cut = cut as u32;
        views.extend(
            (0..last.length()).step_by(cut as usize).map(|at| last.subarray(at, (at + cut).min(last.length()))),
        );
    }
    if views.is_empty() {
        return ArrayBuffer::new(0).into();
    }
    views.iter().map(|v| JsValue::from(exact_buffer(v))).collect::<Array>().into()
}

/// `browserIndexedDB(path, options?)`.
#[wasm_bindgen(js_name = browserIndexedDB, skip_typescript)]
pub fn browser_indexed_db(path: JsValue, options: JsValue) -> JsResult<IndexedDbHandler> {
    let path = store_path(&path, SCHEME, "For IndexedDB, modelPath must not be null, undefined or empty.")?;
    Ok(IndexedDbHandler { path, options: std::rc::Rc::new(Options::parse(&options)?) })
}

/// The router for `indexeddb://` URLs, where IndexedDB exists (load options
/// such as `streamWeights` and `signal` pass through; a bad one is an error).
pub fn indexed_db_router(url: &JsValue, options: &JsValue) -> Result<Option<JsValue>> {
    let Some(url) = url.as_string().filter(|u| u.starts_with(SCHEME) && idb_available()) else { return Ok(None) };
    let options = std::rc::Rc::new(Options::parse(options)?);
    let path = store_path(&url.into(), SCHEME, "").ok();
    Ok(path.map(|path| IndexedDbHandler { path, options }.into()))
}

/// `listModels` part: `{'indexeddb://path': info}` over both layouts (the
/// newest where both hold a path); empty without IndexedDB.
pub async fn list() -> Result<Object> {
    let out = Object::new();
    if !idb_available() {
        return Ok(out);
    }
    let tfjs = settle(idb_infos(), "*", "listing").await?;
    let own = settle(own_records(), "*", "listing").await?;
    let mut newest: HashMap<String, f64> = HashMap::new();
    for record in Array::from(&tfjs).iter().chain(Array::from(&own).iter()) {
        let path = get(&record, "modelPath").as_string().unwrap_or_default();
        let at = saved_at(&record);
        if newest.get(&path).is_none_or(|&seen| at >= seen) {
            newest.insert(path.clone(), at);
            set(&out, &format!("{SCHEME}{path}"), &get(&record, "modelArtifactsInfo"));
        }
    }
    Ok(out)
}

/// `removeModel('indexeddb://path')`: the model in either layout, and any
/// chunks interrupted saves left at that path.
pub async fn remove(path: &str) -> Result<JsValue> {
    let info = settle(idb_get(path, true), path, "removing").await?;
    let own = settle(own_get(path), path, "removing").await?;
    settle(own_delete(path, None, None), path, "removing").await?;
    let _ = JsFuture::from(sweep_stale(STALE_SAVE_MS)).await;
    if !present(&info) && !present(&own) {
        return Err(not_found(path));
    }
    if present(&info) {
        settle(idb_delete(path, None), path, "removing").await?;
    }
    let newest = if chunked_wins(&info, &own) { own } else { info };
    Ok(get(&newest, "modelArtifactsInfo"))
}
