//! The one shard path. Every medium's weight files are read here, through
//! `load_all` (each file whole, a few at a time) or `stream` (what
//! `getWeightStream()` returns, a chunk at a time). Both check each file's
//! sha256 and each group's byte count against the `WeightPlan`, mark files
//! done in the progress and check the signal between reads. A medium only
//! says how to read one file (`ShardSource`): http and `loadWeights`
//! (`http.rs`), `file://` (`node_fs.rs`), `File` objects: browser files and
//! OPFS (`browser_files.rs`' `FileObjects`), IndexedDB's chunked layout, a
//! batch of chunks per "file" (`indexed_db.rs`).

use std::cell::RefCell;
use std::rc::Rc;

use futures_util::future::LocalBoxFuture;
use futures_util::stream::{self, StreamExt, TryStreamExt};
use js_sys::{Array, ArrayBuffer, Object, Uint8Array};
use sha2::{Digest, Sha256};
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::fetch::Progress;
use super::options::Signal;
use crate::bindings::artifacts::artifacts_for_model_json;
use crate::bindings::error::{Error, Result};
use crate::bindings::js::{set, JsComposite};
use crate::format::integrity::to_hex;
use crate::format::plan::{PlannedFile, WeightPlan};
use crate::format::Code;

/// One file's bytes, chunk by chunk.
pub trait Chunks {
    /// The next chunk; `None` at the file's end.
    fn next(&mut self) -> LocalBoxFuture<'_, Result<Option<Uint8Array>>>;
    /// Starts reading ahead while the file before is still being read.
    fn prefetch(&mut self) {}
}

/// How a medium reads the files of its plan. It bounds what it reads
/// (budgets, sizes checked before reading) and counts the bytes into the
/// load's progress as they arrive.
pub trait ShardSource {
    /// File `index` of the plan, whole, in one or more buffers.
    fn read(self: Rc<Self>, index: usize) -> LocalBoxFuture<'static, Result<Vec<ArrayBuffer>>>;
    /// File `index` chunk by chunk; `None` for a medium without weight
    /// streams.
    fn chunks(self: Rc<Self>, _index: usize) -> Option<Box<dyn Chunks>> {
        None
    }
    /// `error` about the file the medium calls `name` (a URL, a path).
    fn locate(&self, error: Error, name: &str) -> Error;
}

/// A medium's source, the plan of its files and the load they serve.
pub struct Shards {
    pub source: Rc<dyn ShardSource>,
    pub plan: WeightPlan,
    pub progress: Rc<RefCell<Progress>>,
    pub signal: Signal,
}

impl Shards {
    fn check_signal(&self, file: &PlannedFile) -> Result<()> {
        let name = &file.name;
        self.signal.check(|| format!("reading {name} was aborted")).map_err(|e| self.source.locate(e, name))
    }

    fn integrity_error(&self, file: &PlannedFile, expected: &[u8; 32], got: &[u8; 32]) -> Error {
        let message =
            format!("{} does not match its sha256: expected {}, got {}", file.name, to_hex(expected), to_hex(got));
        self.source.locate(Error::new(Code::Integrity, message), &file.name)
    }

    /// Checks that group `group`'s files delivered `got` bytes.
    fn check_group(&self, group: usize, got: u64) -> Result<()> {
        self.plan.check_group(group, got).map_err(|e| match self.plan.only_file(group) {
            Some(name) => self.source.locate(Error::from(e), name),
            None => Error::from(e),
        })
    }

    /// Every file, `concurrency` at a time (always that many in flight),
    /// as one array of buffers in manifest order.
    pub async fn load_all(&self, concurrency: usize) -> Result<Array> {
        let reads = self.plan.files.iter().enumerate().map(|(index, file)| async move {
            self.check_signal(file)?;
            let buffers = self.source.clone().read(index).await?;
            let size: u64 = buffers.iter().map(|b| u64::from(b.byte_length())).sum();
            if let Some(expected) = &file.sha256 {
                let parts = buffers.iter().map(|b| Uint8Array::new(b)).collect();
                let got = JsComposite::new(parts).sha256(0, size);
                if &got != expected {
                    return Err(self.integrity_error(file, expected, &got));
                }
            }
            self.progress.borrow_mut().file_done();
            Ok((index, buffers, size))
        });
        // Back in manifest order, without a sort.
        let mut files = vec![Vec::new(); self.plan.files.len()];
        let mut sizes = vec![0; files.len()];
        let mut reads = stream::iter(reads).buffer_unordered(concurrency);
        while let Some((index, buffers, size)) = reads.try_next().await? {
            (files[index], sizes[index]) = (buffers, size);
        }
        // Aborted while the last reads ran: nothing is delivered.
        if let Some(last) = self.plan.files.last() {
            self.check_signal(last)?;
        }
        for (group, got) in self.plan.held(&sizes).into_iter().enumerate() {
            self.check_group(group, got)?;
        }
        Ok(files.into_iter().flatten().collect())
    }
}

/// The artifacts of a loaded `model_json` with its weights: with
/// `streamWeights`, `getWeightStream()`, each call a fresh read through
/// `shards()`; else every file read now, `concurrency` at a time.
pub async fn artifacts(
    model_json: JsValue,
    specs: JsValue,
    shards: impl Fn() -> Rc<Shards> + 'static,
    stream_weights: bool,
    concurrency: usize,
) -> Result<JsValue> {
    if stream_weights {
        let artifacts = Object::assign(&Object::new(), model_json.unchecked_ref());
        set(&artifacts, "weightSpecs", &specs);
        let get_stream = Closure::<dyn FnMut() -> JsValue>::new(move || stream(shards()));
        set(&artifacts, "getWeightStream", &get_stream.into_js_value());
        return Ok(artifacts.into());
    }
    let buffers = shards().load_all(concurrency).await?;
    artifacts_for_model_json(model_json, specs, buffers.into()).map(JsValue::from)
}

/// `getWeightStream()`: a fresh ReadableStream of every file's bytes in
/// order, with the checks of `load_all`, the next file read ahead. (Not
/// inlined into each caller's closure shim.)
#[inline(never)]
pub fn stream(shards: Rc<Shards>) -> JsValue {
    struct State {
        shards: Rc<Shards>,
        file: usize,
        reader: Option<Box<dyn Chunks>>,
        next: Option<Box<dyn Chunks>>,
        hasher: Option<Sha256>,
        group_bytes: u64,
    }
    let state = State { shards, file: 0, reader: None, next: None, hasher: None, group_bytes: 0 };
    let chunks = stream::try_unfold(state, |mut s| async move {
        loop {
            let shards = s.shards.clone();
            let Some(file) = shards.plan.files.get(s.file) else { return Ok(None) };
            shards.check_signal(file)?;
            let reader = match &mut s.reader {
                Some(reader) => reader,
                None => {
                    s.hasher = file.sha256.map(|_| Sha256::new());
                    let reader = match s.next.take() {
                        Some(reader) => reader,
                        None => shards
                            .source
                            .clone()
                            .chunks(s.file)
                            .ok_or_else(|| Error::new(Code::NotSupported, "this medium has no weight streams"))?,
                    };
                    if s.file + 1 < shards.plan.files.len() {
                        s.next = shards.source.clone().chunks(s.file + 1);
                        s.next.iter_mut().for_each(|next| next.prefetch());
                    }
                    s.reader.insert(reader)
                }
            };
            if let Some(chunk) = reader.next().await? {
                if let Some(hasher) = &mut s.hasher {
                    hasher.update(chunk.to_vec());
                }
                s.group_bytes += u64::from(chunk.length());
                return Ok(Some((JsValue::from(chunk), s)));
            }
            s.reader = None;
            if let (Some(hasher), Some(expected)) = (s.hasher.take(), &file.sha256) {
                let got: [u8; 32] = hasher.finalize().into();
                if &got != expected {
                    return Err(shards.integrity_error(file, expected, &got));
                }
            }
            shards.progress.borrow_mut().file_done();
            s.file += 1;
            if shards.plan.files.get(s.file).is_none_or(|next| next.group != file.group) {
                shards.check_group(file.group, s.group_bytes)?;
                s.group_bytes = 0;
            }
        }
    });
    crate::bindings::stream::readable_stream(chunks.map_err(JsValue::from))
}
