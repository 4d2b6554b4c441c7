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
//! The whole protocol is here, over typed bindings (the end of this file):
//! one connection per database, the transactions, what each reads, writes
//! and deletes, and the decisions made inside them (is a commit complete,
//! is a save stale, is a model older). `glue.js` only turns IndexedDB's
//! events into promises and makes the requests `Ops` describes.

use crate::format::Code;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use futures_util::future::LocalBoxFuture;
use js_sys::{Array, ArrayBuffer, Object, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::fetch::Progress;
use super::options::Options as Common;
use super::order::{in_turn, Access, Claim, Medium, Place};
use super::save_weights::SaveWeights;
use super::shards::{self, stream, ShardSource, Shards};
use super::store::{
    available_bytes, new_save_id, quota_exceeded, record_without_weights, save_age, storage_error, store_path,
};
use crate::bindings::artifacts::get_model_artifacts_info_for_json;
use crate::bindings::error::{Error, Result};
use crate::bindings::js::{exact_buffer, get, integer_option, present, set};
use crate::format::codec::ByteSource;
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

/// A storage call's result, its failure as a typed error.
async fn settle<T>(result: JsResult<T>, path: &str, doing: &str) -> Result<T> {
    match result {
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
        let info = settle(tfjs_get(path, true).await, path, "loading").await?;
        let own = settle(own_get(path).await, path, "loading").await?;
        options.check_load(path)?;
        if chunked_wins(&info, &own) {
            if let Some(artifacts) = load_chunked(path, &own, options).await? {
                return Ok(artifacts);
            }
        } else if present(&info) {
            let bytes = get(&get(&info, "modelArtifactsInfo"), "weightDataBytes").as_f64().unwrap_or(0.0) as u64;
            let progress = options.progress(bytes, 1);
            let record = settle(tfjs_get(path, false).await, path, "loading").await?;
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
            settle(chunks_get(&self.path, &self.save_id, range.start as u32, count).await, &self.path, "loading")
                .await?;
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
    let mut weights = SaveWeights::of(artifacts, "browserIndexedDB")?;
    let info = get_model_artifacts_info_for_json(artifacts.clone())?;
    if options.aborted() {
        return Err(options.save_aborted(path));
    }
    let record = record_without_weights(artifacts);
    // A stream whose length is unknown (string weights) is chunked too.
    if weights.total.is_none_or(|total| total > options.chunk_threshold) {
        let saved_at = save_chunked(path, record, &info, &mut weights, options).await?;
        // A model saved before in tfjs's layout is now shadowed: remove it
        // (unless a racing save put a newer one there meanwhile).
        let _ = tfjs_delete(path, Some(saved_at)).await;
        let _ = sweep_stale(STALE_SAVE_MS).await;
    } else {
        // At most `chunkThreshold` bytes: held, as one record.
        let views = match weights.next(u64::MAX).await? {
            Some(all) if weights.in_memory() => all.parts,
            // A stream's chunks, joined.
            Some(all) => vec![Uint8Array::new(&all.slice(0, all.byte_length()))],
            None => Vec::new(),
        };
        weights.next(0).await?; // the byte count checked
        let views: Vec<Uint8Array> = views.into_iter().filter(|v| v.length() > 0).collect();
        let total = weights.given;
        weights.count_into(&info);
        let saved_at_ms = now();
        set(&record, "weightData", &stored_shards(views));
        let progress = options.progress(total, 1);
        if let Err(e) = tfjs_put(path, &record, &info, saved_at_ms, options.common.signal.js()).await {
            return Err(if options.aborted() {
                options.save_aborted(path)
            } else {
                storage_error(e, STORE, path, "saving", total).await
            });
        }
        progress.borrow_mut().add_bytes(total);
        progress.borrow_mut().file_done();
        // Likewise a chunked model saved before at this path.
        let _ = own_delete(path, Some(saved_at_ms)).await;
    }
    let result = Object::new();
    set(&result, "modelArtifactsInfo", &info);
    Ok(result.into())
}

/// The commit-last save of a large model (see the module comment), a
/// chunk record at a time, in its own transaction; when it committed.
async fn save_chunked(
    path: &str,
    record: Object,
    info: &Object,
    weights: &mut SaveWeights,
    options: &Options,
) -> Result<f64> {
    let save_id = new_save_id();
    let size = options.chunk_size;
    // A save the origin's estimate says cannot fit is refused before any
    // chunk is written: at a full quota Firefox also refuses the deletes
    // that would drop a failed save's chunks, which then fill the quota.
    // (Chromium pads its estimate, so there the quota error decides.)
    if let Some(total) = weights.total {
        let available = available_bytes().await;
        if available.is_some_and(|room| total as f64 > room) {
            return Err(quota_exceeded(
                &format!(
                    "saving '{path}' in {STORE} would pass the origin's storage quota (navigator.storage.estimate())"
                ),
                path,
                total,
                available,
            ));
        }
    }
    // A transaction per `chunkSize`, then the commit. A stream of unknown
    // length counts them once it ends.
    let steps = weights.total.map_or(usize::MAX, |total| total.div_ceil(size) as usize + 1);
    let progress = options.progress(weights.total.unwrap_or(0), steps);
    let mut lengths: Vec<u64> = Vec::new();
    let mut transactions = 0;
    loop {
        let given = weights.given;
        let written = match weights.next(size).await {
            Ok(None) => break,
            Ok(_) if options.aborted() => Err(None),
            Ok(Some(chunk)) => {
                // Weights in memory are stored as their own buffers (no
                // copy), a transaction's worth at a time; a stream's chunks
                // are joined into records of `chunkSize`.
                let records = if weights.in_memory() || chunk.parts.len() == 1 {
                    chunk.parts
                } else {
                    vec![Uint8Array::new(&chunk.slice(0, chunk.byte_length()))]
                };
                let first = lengths.len() as u32;
                let buffers: Array = (records.iter().filter(|r| r.length() > 0))
                    .map(|r| {
                        lengths.push(u64::from(r.length()));
                        JsValue::from(exact_buffer(r))
                    })
                    .collect();
                chunks_put(path, &save_id, first, buffers, options.common.signal.js()).await.map_err(Some)
            }
            Err(e) => {
                let _ = save_delete(path, &save_id).await;
                return Err(e);
            }
        };
        if let Err(e) = written {
            // Nothing of this save is visible; drop what it wrote.
            weights.cancel();
            let _ = save_delete(path, &save_id).await;
            return Err(match e {
                Some(e) if !options.aborted() => storage_error(e, STORE, path, "saving", weights.needed()).await,
                _ => options.save_aborted(path),
            });
        }
        transactions += 1;
        let mut p = progress.borrow_mut();
        p.add_bytes(weights.given - given);
        p.file_done();
    }
    let total = weights.given;
    weights.count_into(info);
    let stored = Object::new();
    set(&stored, "modelPath", &path.into());
    set(&stored, "modelArtifacts", &record);
    set(&stored, "modelArtifactsInfo", info);
    set(&stored, "saveId", &save_id.as_str().into());
    let saved_at = now();
    set(&stored, "savedAt", &saved_at.into());
    set(&stored, "chunks", &lengths.iter().map(|&n| JsValue::from(n as f64)).collect::<Array>());
    let committed = match own_commit(path, &save_id, stored.into(), lengths.len() as u32).await {
        Ok(committed) => committed.is_truthy(),
        Err(e) => {
            let _ = save_delete(path, &save_id).await;
            return Err(storage_error(e, STORE, path, "saving", total).await);
        }
    };
    if !committed {
        let _ = save_delete(path, &save_id).await;
        return Err(Error::new(
            Code::Storage,
            format!("the model at '{path}' in IndexedDB was replaced or removed (by another tab?) while this save was writing; nothing of this save is stored"),
        )
        .with_path(path));
    }
    let mut p = progress.borrow_mut();
    p.set_totals(total, transactions + 1);
    p.file_done();
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
    let Some(url) = url.as_string().filter(|u| u.starts_with(SCHEME) && idb_factory().is_some()) else {
        return Ok(None);
    };
    let options = std::rc::Rc::new(Options::parse(options)?);
    let path = store_path(&url.into(), SCHEME, "").ok();
    Ok(path.map(|path| IndexedDbHandler { path, options }.into()))
}

/// `listModels` part: `{'indexeddb://path': info}` over both layouts (the
/// newest where both hold a path); empty without IndexedDB.
pub async fn list() -> Result<Object> {
    let out = Object::new();
    if idb_factory().is_none() {
        return Ok(out);
    }
    let tfjs = settle(tfjs_infos().await, "*", "listing").await?;
    let own = settle(own_records().await, "*", "listing").await?;
    // When each listed model was saved, by URL (a JS object: a Rust map
    // would bring its hashing into the wasm).
    let saved = Object::new();
    for record in Array::from(&tfjs).iter().chain(Array::from(&own).iter()) {
        let url = format!("{SCHEME}{}", get(&record, "modelPath").as_string().unwrap_or_default());
        let at = saved_at(&record);
        if get(&saved, &url).as_f64().is_none_or(|seen| at >= seen) {
            set(&saved, &url, &at.into());
            set(&out, &url, &get(&record, "modelArtifactsInfo"));
        }
    }
    Ok(out)
}

/// `removeModel('indexeddb://path')`: the model in either layout, and any
/// chunks interrupted saves left at that path.
pub async fn remove(path: &str) -> Result<JsValue> {
    let info = settle(tfjs_get(path, true).await, path, "removing").await?;
    let own = settle(own_get(path).await, path, "removing").await?;
    settle(own_delete(path, None).await, path, "removing").await?;
    let _ = sweep_stale(STALE_SAVE_MS).await;
    if !present(&info) && !present(&own) {
        return Err(not_found(path));
    }
    if present(&info) {
        settle(tfjs_delete(path, None).await, path, "removing").await?;
    }
    let newest = if chunked_wins(&info, &own) { own } else { info };
    Ok(get(&newest, "modelArtifactsInfo"))
}

// ---- The protocol, over typed bindings of IndexedDB.

#[wasm_bindgen]
extern "C" {
    type IdbFactory;
    #[wasm_bindgen(method, catch)]
    fn open(this: &IdbFactory, name: &str, version: u32) -> JsResult<JsValue>;
    type IdbDatabase;
    #[wasm_bindgen(method, catch)]
    fn transaction(this: &IdbDatabase, stores: &Array, mode: &str) -> JsResult<IdbTransaction>;
    type IdbTransaction;
    #[wasm_bindgen(method, catch)]
    fn abort(this: &IdbTransaction) -> JsResult<()>;
    #[wasm_bindgen(js_name = IDBKeyRange)]
    type KeyRange;
    #[wasm_bindgen(static_method_of = KeyRange, js_class = "IDBKeyRange", catch)]
    fn bound(lower: &JsValue, upper: &JsValue, lower_open: bool, upper_open: bool) -> JsResult<JsValue>;
}

#[wasm_bindgen(module = "/src/glue.js")]
extern "C" {
    /// The current `globalThis.indexedDB`, where there is one.
    #[wasm_bindgen(js_name = idbFactory)]
    fn idb_factory() -> Option<IdbFactory>;
    /// Makes the requests `ops` describe (see `Ops`) in a transaction;
    /// resolves to their results once all have succeeded.
    #[wasm_bindgen(catch)]
    fn perform(tx: &IdbTransaction, ops: &Array) -> JsResult<Promise>;
    /// An open request's database, or null (see glue.js).
    fn opened(request: &JsValue, stores: &Array, create: bool) -> Promise;
    /// Resolves when the transaction commits, rejects when it aborts.
    fn finished(tx: &IdbTransaction, signal: &JsValue) -> Promise;
    /// ms since the epoch, finer than `Date.now()`.
    fn now() -> f64;
}

/// A database: its name and stores (and their key paths), version 1.
struct Database {
    name: &'static str,
    stores: [(&'static str, Option<&'static str>); 2],
    /// Its place in `CONNECTIONS`.
    slot: usize,
}

/// TensorFlow.js's database, its layout forever.
static TFJS: Database = Database {
    name: "tensorflowjs",
    stores: [("models_store", Some("modelPath")), ("model_info_store", Some("modelPath"))],
    slot: 0,
};
/// Ours, for models stored as chunk records (keys `[modelPath, saveId, index]`).
static OWN: Database =
    Database { name: "model-artifacts", stores: [("models", Some("modelPath")), ("chunks", None)], slot: 1 };

const READ: &str = "readonly";
const WRITE: &str = "readwrite";

/// An open database, or the promise of one.
struct Connection {
    factory: JsValue,
    opening: Promise,
}

thread_local! {
    /// One connection per database, opened once and reused (opening costs a
    /// round trip to the browser's storage process each time). Concurrent
    /// opens share the pending one. A connection the browser or another
    /// page's upgrade closed is replaced at its next use, and none is used
    /// once `globalThis.indexedDB` is another factory (tests that reset
    /// fake-indexeddb between cases).
    static CONNECTIONS: [RefCell<Option<Connection>>; 2] = const { [RefCell::new(None), RefCell::new(None)] };
}

/// Drops the connection to `db` (only if it is `opening`'s, if given).
fn forget(db: &Database, opening: Option<&Promise>) {
    CONNECTIONS.with(|c| {
        let mut slot = c[db.slot].borrow_mut();
        if opening.is_none_or(|p| slot.as_ref().is_some_and(|c| *c.opening == **p)) {
            *slot = None;
        }
    });
}

/// The database, created if `create`; `None` when it does not exist and
/// `create` is false.
async fn connect(db: &Database, create: bool) -> JsResult<Option<IdbDatabase>> {
    let factory = idb_factory().ok_or_else(|| {
        let error = js_sys::Error::new("this environment has no IndexedDB");
        error.set_name("NotSupportedError");
        JsValue::from(error)
    })?;
    let factory: JsValue = factory.into();
    let cached =
        CONNECTIONS.with(|c| c[db.slot].borrow().as_ref().filter(|c| c.factory == factory).map(|c| c.opening.clone()));
    if let Some(opening) = cached {
        let open = JsFuture::from(opening).await?;
        if !open.is_null() || !create {
            return Ok(Some(open).filter(|db| !db.is_null()).map(JsCast::unchecked_into));
        }
    }
    let stores: Array = db
        .stores
        .iter()
        .map(|&(name, key_path)| {
            JsValue::from(Array::of2(&name.into(), &key_path.map_or(JsValue::NULL, JsValue::from)))
        })
        .collect();
    let opening = opened(&factory.unchecked_ref::<IdbFactory>().open(db.name, 1)?, &stores, create);
    CONNECTIONS.with(|c| *c[db.slot].borrow_mut() = Some(Connection { factory, opening: opening.clone() }));
    let open = JsFuture::from(opening.clone()).await;
    if !matches!(&open, Ok(db) if !db.is_null()) {
        forget(db, Some(&opening));
    }
    Ok(Some(open?).filter(|db| !db.is_null()).map(JsCast::unchecked_into))
}

/// Requests on a transaction's object stores, as data that `perform`
/// (glue.js) carries out: `[store, method, ...arguments]` each.
#[derive(Default)]
struct Ops(Array);

impl Ops {
    fn op(self, store: &str, method: &str, args: &[&JsValue]) -> Self {
        let op = Array::of2(&store.into(), &method.into());
        for arg in args {
            op.push(arg);
        }
        self.0.push(&op);
        self
    }
    fn get(self, store: &str, key: &JsValue) -> Self {
        self.op(store, "get", &[key])
    }
    fn get_all(self, store: &str) -> Self {
        self.op(store, "getAll", &[])
    }
    fn put(self, store: &str, value: &JsValue) -> Self {
        self.op(store, "put", &[value])
    }
    fn delete(self, store: &str, key: &JsValue) -> Self {
        self.op(store, "delete", &[key])
    }
}

/// An operation's second step: from the results of its reads, the writes
/// it makes (decided inside the transaction, so nothing changes in
/// between) and its value.
type Decide = Box<dyn FnOnce(Array) -> JsResult<(Ops, JsValue)>>;
/// An operation's outcome.
type Op = LocalBoxFuture<'static, JsResult<JsValue>>;

/// Whether an operation creates its database, or else what it resolves to
/// when there is none.
enum Open {
    Create,
    OrElse(JsValue),
}

/// Runs one operation in one transaction over both stores of `db` (on a
/// new connection when the cached one was closed): its `reads`, then the
/// writes `decide` chooses from their results. Resolves to its value once
/// the transaction has committed. `signal` aborts it; so does a failed
/// request or write, so nothing it queued commits.
///
/// Every operation is one call of this, with its requests as data: one
/// state machine and a few closures for all of them (an async function
/// each cost ~1 KiB of wasm apiece). The transaction stays active across
/// the await: the writes are made in the microtasks of the last read's
/// success event.
fn transact(
    db: &'static Database,
    mode: &'static str,
    signal: &JsValue,
    open: Open,
    reads: JsResult<Ops>,
    decide: Decide,
) -> Op {
    let signal = signal.clone();
    Box::pin(async move {
        let reads = reads?;
        let names: Array = db.stores.iter().map(|&(name, _)| JsValue::from(name)).collect();
        let mut retried = false;
        let tx = loop {
            let Some(connection) = connect(db, matches!(open, Open::Create)).await? else {
                return Ok(match open {
                    Open::OrElse(absent) => absent,
                    Open::Create => JsValue::UNDEFINED,
                });
            };
            match connection.transaction(&names, mode) {
                Ok(tx) => break tx,
                Err(e) if !retried && get(&e, "name").as_string().as_deref() == Some("InvalidStateError") => {
                    forget(db, None);
                    retried = true;
                }
                Err(e) => return Err(e),
            }
        };
        let done = finished(&tx, &signal);
        let ran = async {
            let read = JsFuture::from(perform(&tx, &reads.0)?).await?;
            let (writes, value) = decide(read.unchecked_into())?;
            JsFuture::from(perform(&tx, &writes.0)?).await?;
            Ok(value)
        };
        match ran.await {
            Ok(value) => JsFuture::from(done).await.map(|_| value),
            Err(e) => {
                let _ = tx.abort();
                Err(e)
            }
        }
    })
}

/// The writes of an operation that reads nothing.
fn writes(writes: JsResult<Ops>) -> Decide {
    Box::new(move |_| Ok((writes?, JsValue::UNDEFINED)))
}

/// No writes: the first read's result.
fn first() -> Decide {
    Box::new(|read| Ok((Ops::default(), read.get(0))))
}

fn range(lower: &JsValue, upper: &JsValue, open: bool) -> JsResult<JsValue> {
    KeyRange::bound(lower, upper, open, open)
}

fn chunk_key(path: &str, save_id: &str, index: f64) -> JsValue {
    Array::of3(&path.into(), &save_id.into(), &index.into()).into()
}

/// Every chunk of one save.
fn save_chunks(path: &str, save_id: &str) -> JsResult<JsValue> {
    range(&chunk_key(path, save_id, 0.0), &chunk_key(path, save_id, f64::INFINITY), false)
}

/// Every chunk at `path` (the keys `[path, …]`), or those before `save_id`'s.
fn path_chunks(path: &JsValue, before: Option<&JsValue>) -> JsResult<JsValue> {
    let end = before.map_or_else(|| Array::of2(path, &Array::new()), |save_id| Array::of2(path, save_id));
    range(&Array::of1(path), &end, true)
}

/// An object of `fields`.
fn record(fields: &[(&str, &JsValue)]) -> JsValue {
    let out = Object::new();
    for (key, value) in fields {
        set(&out, key, value);
    }
    out.into()
}

/// When a stored record's model was saved (ms since the epoch, finer than
/// `dateSaved`; 0 unknown). `savedAt` orders saves across layouts and
/// tabs; tfjs reads neither record's extra field.
fn saved_at(record: &JsValue) -> f64 {
    get(record, "savedAt").as_f64().unwrap_or_else(|| {
        let date = get(&get(record, "modelArtifactsInfo"), "dateSaved");
        date.dyn_ref::<js_sys::Date>().map_or(0.0, js_sys::Date::get_time)
    })
}

const NONE: &JsValue = &JsValue::UNDEFINED;
const MODELS: &str = "models_store";
const INFOS: &str = "model_info_store";
const RECORDS: &str = "models";
const CHUNKS: &str = "chunks";

/// Saves the model at `path` in tfjs's layout: both records, one transaction.
fn tfjs_put(path: &str, artifacts: &JsValue, info: &JsValue, saved_at: f64, signal: &JsValue) -> Op {
    let (path, saved_at) = (JsValue::from(path), JsValue::from(saved_at));
    let model = record(&[
        ("modelPath", &path),
        ("modelArtifacts", artifacts),
        ("modelArtifactsInfo", info),
        ("savedAt", &saved_at),
    ]);
    let entry = record(&[("modelPath", &path), ("modelArtifactsInfo", info), ("savedAt", &saved_at)]);
    transact(
        &TFJS,
        WRITE,
        signal,
        Open::Create,
        Ok(Ops::default()),
        writes(Ok(Ops::default().put(MODELS, &model).put(INFOS, &entry))),
    )
}

/// The tfjs-layout record at `path` (its info record if `info_only`).
fn tfjs_get(path: &str, info_only: bool) -> Op {
    let store = if info_only { INFOS } else { MODELS };
    transact(&TFJS, READ, NONE, Open::Create, Ok(Ops::default().get(store, &path.into())), first())
}

/// Every tfjs-layout info record.
fn tfjs_infos() -> Op {
    transact(&TFJS, READ, NONE, Open::Create, Ok(Ops::default().get_all(INFOS)), first())
}

/// The deletion of a model, only if it was saved before `older_than` (ms)
/// when given, decided from the record read first.
fn unless_newer(older_than: Option<f64>, deletes: JsResult<Ops>) -> Decide {
    Box::new(move |read| {
        let older = older_than.is_none_or(|then| saved_at(&read.get(0)) < then);
        Ok((if older { deletes? } else { Ops::default() }, JsValue::UNDEFINED))
    })
}

/// Deletes the tfjs-layout model at `path`; with `older_than` (ms), only
/// if it was saved before then.
fn tfjs_delete(path: &str, older_than: Option<f64>) -> Op {
    let path = JsValue::from(path);
    let deletes = Ops::default().delete(MODELS, &path).delete(INFOS, &path);
    transact(
        &TFJS,
        WRITE,
        NONE,
        Open::Create,
        Ok(Ops::default().get(INFOS, &path)),
        unless_newer(older_than, Ok(deletes)),
    )
}

/// The chunked model's record at `path`.
fn own_get(path: &str) -> Op {
    transact(&OWN, READ, NONE, Open::OrElse(JsValue::UNDEFINED), Ok(Ops::default().get(RECORDS, &path.into())), first())
}

/// Every chunked model's record.
fn own_records() -> Op {
    transact(&OWN, READ, NONE, Open::OrElse(Array::new().into()), Ok(Ops::default().get_all(RECORDS)), first())
}

/// Writes `buffers` as chunks `first..` of a save, one transaction.
fn chunks_put(path: &str, save_id: &str, first: u32, buffers: Array, signal: &JsValue) -> Op {
    let puts = buffers.iter().enumerate().fold(Ops::default(), |ops, (i, buffer)| {
        ops.op(CHUNKS, "put", &[&buffer, &chunk_key(path, save_id, f64::from(first) + i as f64)])
    });
    transact(&OWN, WRITE, signal, Open::Create, Ok(Ops::default()), writes(Ok(puts)))
}

/// Chunks `first..first + count` of a save, in order (fewer if some are
/// gone; none without the database).
fn chunks_get(path: &str, save_id: &str, first: u32, count: u32) -> Op {
    let (from, to) = (chunk_key(path, save_id, first.into()), chunk_key(path, save_id, f64::from(first + count - 1)));
    let reads = range(&from, &to, false).map(|chunks| Ops::default().op(CHUNKS, "getAll", &[&chunks]));
    transact(&OWN, READ, NONE, Open::OrElse(Array::new().into()), reads, self::first())
}

/// Makes a chunked save visible, only if all its `count` chunks are there
/// (a racing save may have removed them): the record goes in and every
/// other chunk of the path goes, in one transaction. Resolves to whether
/// it committed.
fn own_commit(path: &str, save_id: &str, record: JsValue, count: u32) -> Op {
    let reads = save_chunks(path, save_id).map(|chunks| Ops::default().op(CHUNKS, "count", &[&chunks]));
    let (path, save_id) = (JsValue::from(path), JsValue::from(save_id));
    let decide = Box::new(move |read: Array| {
        if read.get(0).as_f64() != Some(f64::from(count)) {
            return Ok((Ops::default(), false.into()));
        }
        let last = Array::of3(&path, &save_id, &f64::INFINITY.into());
        let after = range(&last, &Array::of2(&path, &Array::new()), true)?;
        let writes = Ops::default().put(RECORDS, &record).delete(CHUNKS, &path_chunks(&path, Some(&save_id))?);
        Ok((writes.delete(CHUNKS, &after), true.into()))
    });
    transact(&OWN, WRITE, NONE, Open::Create, reads, decide)
}

/// Removes the chunked model at `path` (record and every chunk, including
/// leftovers of interrupted saves); `older_than` (ms) limits it to a model
/// saved before then.
fn own_delete(path: &str, older_than: Option<f64>) -> Op {
    let key = JsValue::from(path);
    let deletes = path_chunks(&key, None).map(|chunks| Ops::default().delete(RECORDS, &key).delete(CHUNKS, &chunks));
    let reads = Ok(Ops::default().get(RECORDS, &key));
    transact(&OWN, WRITE, NONE, Open::OrElse(JsValue::UNDEFINED), reads, unless_newer(older_than, deletes))
}

/// Removes the chunks of one save (that did not commit).
fn save_delete(path: &str, save_id: &str) -> Op {
    let deletes = save_chunks(path, save_id).map(|chunks| Ops::default().delete(CHUNKS, &chunks));
    transact(&OWN, WRITE, NONE, Open::OrElse(JsValue::UNDEFINED), Ok(Ops::default()), writes(deletes))
}

/// Removes the chunks of saves that started over `max_age_ms` ago and never
/// committed (their tab closed mid-save), at any path.
fn sweep_stale(max_age_ms: f64) -> Op {
    let decide = Box::new(move |read: Array| {
        let text = |v: JsValue| v.as_string().unwrap_or_default();
        // The saves that committed, then also those swept: a JS object as
        // the set (a Rust one would bring its hashing into the wasm).
        let seen = Object::new();
        let id = |path: &str, save_id: &str| format!("{path}\0{save_id}");
        for record in Array::from(&read.get(0)).iter() {
            set(&seen, &id(&text(get(&record, "modelPath")), &text(get(&record, "saveId"))), &JsValue::TRUE);
        }
        let mut deletes = Ops::default();
        for key in Array::from(&read.get(1)).iter() {
            let key = Array::from(&key);
            let (path, save_id) = (text(key.get(0)), text(key.get(1)));
            if get(&seen, &id(&path, &save_id)).is_undefined() && save_age(&save_id) >= max_age_ms {
                deletes = deletes.delete(CHUNKS, &save_chunks(&path, &save_id)?);
                set(&seen, &id(&path, &save_id), &JsValue::TRUE);
            }
        }
        Ok((deletes, JsValue::UNDEFINED))
    });
    let reads = Ops::default().get_all(RECORDS).op(CHUNKS, "getAllKeys", &[]);
    transact(&OWN, WRITE, NONE, Open::OrElse(JsValue::UNDEFINED), Ok(reads), decide)
}
