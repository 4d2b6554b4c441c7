//! Fetching with the checks tf.io lacks: status on every response, retries
//! with backoff (network errors, 5xx, 429 with `Retry-After`), bodies cut
//! mid-way resumed with `Range`, byte progress, SHA-256 verification while
//! the bytes arrive, prompt cancellation through an AbortSignal, a stall
//! timeout, and bodies counted against a `Budget` as they arrive.

use crate::format::Code;
use std::cell::RefCell;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::limits::{Budget, STALL_BYTES};
use super::options::Signal;
use crate::bindings::error::{Error, Result};
use crate::bindings::js::{byte_view, call_method, get, present};
use crate::bindings::weights::cancel_reader;
use crate::format::paths::{content_range_start, is_retryable_status, retry_after_ms, retry_delay_ms, split_ascii};

/// First retry waits about this long; later ones double, up to the cap.
const RETRY_BASE_MS: f64 = 200.0;
const RETRY_MAX_MS: f64 = 10_000.0;

#[wasm_bindgen(module = "/src/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = sleep)]
    fn sleep_js(ms: f64, signal: &JsValue) -> Promise;
    #[wasm_bindgen(js_name = requestInit)]
    fn request_init_js(base: &JsValue, signal: &JsValue, stop: &JsValue, range_start: f64) -> JsValue;
    #[wasm_bindgen(js_name = abortController)]
    fn abort_controller() -> JsValue;
    fn abort(controller: &JsValue);
    /// A stall watch over one response (see `watched`).
    #[wasm_bindgen(js_name = stallWatch)]
    fn stall_watch(ms: f64, bytes: u32) -> JsValue;
    /// `promise`, or a rejection that `is_stalled` recognises.
    fn watched(promise: &Promise, watch: &JsValue) -> Promise;
    #[wasm_bindgen(js_name = isStalled)]
    fn is_stalled(error: &JsValue) -> bool;
    fn arrived(watch: &JsValue, n: f64);
    #[wasm_bindgen(js_name = globalFetch)]
    fn global_fetch() -> JsValue;
    /// Marks a promise as handled (a prefetch may never be awaited).
    fn quiet(promise: JsValue) -> JsValue;
    /// Cancels the body of a response nobody will read.
    #[wasm_bindgen(js_name = discardResponse)]
    fn discard_response(promise: &JsValue);
    /// Reads a body to its end, first error or stall in JS:
    /// `{chunks, done, error, stalled, stopped}`.
    fn drain(reader: &JsValue, skip: f64, on_bytes: &JsValue, watch: &JsValue) -> Promise;
    #[wasm_bindgen(js_name = parseHttpDate)]
    fn parse_http_date(text: &str) -> Option<f64>;
    #[wasm_bindgen(js_name = header)]
    fn header(response: &JsValue, name: &str) -> Option<String>;
}

/// Progress over a whole load, reported as `onProgress(fraction, details)`.
pub struct Progress {
    pub callback: Option<Function>,
    /// Weight bytes expected in all (0 when unknown: progress then counts files).
    pub total_bytes: u64,
    loaded_bytes: u64,
    files: usize,
    files_done: usize,
    last_fraction: f64,
}

impl Progress {
    pub fn new(callback: Option<Function>, total_bytes: u64, files: usize) -> Rc<RefCell<Self>> {
        Rc::new(RefCell::new(Progress {
            callback,
            total_bytes,
            loaded_bytes: 0,
            files,
            files_done: 0,
            last_fraction: 0.0,
        }))
    }

    fn report(&mut self, phase: &str, fraction: f64) {
        let Some(callback) = &self.callback else { return };
        // Never backwards, and exactly 1 only when everything is in.
        // max/min, not clamp (see format::affine::AffineParams::encode).
        let fraction = fraction.max(self.last_fraction).min(1.0);
        self.last_fraction = fraction;
        let details = Object::new();
        crate::bindings::js::set(&details, "phase", &phase.into());
        crate::bindings::js::set(&details, "loadedBytes", &(self.loaded_bytes as f64).into());
        crate::bindings::js::set(&details, "totalBytes", &(self.total_bytes as f64).into());
        // A throwing callback must not break the load.
        let _ = callback.call2(&JsValue::NULL, &fraction.into(), &details);
    }

    /// What the whole load will deliver, once the manifest is known.
    pub fn set_totals(&mut self, total_bytes: u64, files: usize) {
        (self.total_bytes, self.files) = (total_bytes, files);
    }

    pub fn start(&mut self) {
        self.report("model", 0.0);
    }

    pub fn add_bytes(&mut self, n: u64) {
        self.loaded_bytes += n;
        if self.total_bytes > 0 {
            // Stay below 1 until the last file is complete and checked.
            let f = (self.loaded_bytes as f64 / self.total_bytes as f64).min(0.999_999);
            self.report("weights", f);
        }
    }

    pub fn file_done(&mut self) {
        self.files_done += 1;
        if self.files_done >= self.files {
            self.report("weights", 1.0);
        } else if self.total_bytes == 0 {
            self.report("weights", self.files_done as f64 / self.files as f64);
        }
    }
}

/// How requests are sent: the fetch function, the caller's RequestInit,
/// the abort signal, the retry budget and the stall timeout (ms, 0: none).
pub struct Transport {
    pub fetch: Function,
    pub request_init: JsValue,
    pub signal: Signal,
    pub retries: u32,
    pub timeout_ms: u64,
}

/// A request on its way, and the controller that stops it.
struct Sent {
    response: std::result::Result<JsValue, JsValue>,
    stop: JsValue,
}

/// Why a request attempt failed, and whether trying again may help.
struct Failure {
    error: Error,
    retryable: bool,
    retry_after_ms: Option<f64>,
    /// The resource's length from a `Content-Range: bytes */N` (416).
    total_length: Option<u64>,
}

impl Transport {
    /// The environment's `fetch`, or an error naming what is missing.
    pub fn fetch_or_global(fetch_func: &JsValue) -> Result<Function> {
        if present(fetch_func) {
            return fetch_func
                .clone()
                .dyn_into::<Function>()
                .map_err(|_| Error::invalid_argument("fetchFunc must be a function with the signature of fetch"));
        }
        global_fetch().dyn_into::<Function>().map_err(|_| {
            Error::new(Code::NotSupported, "this environment has no global fetch; pass loadOptions.fetchFunc")
        })
    }

    pub fn aborted(&self) -> bool {
        self.signal.aborted()
    }

    /// The error for a cancelled operation, keeping the signal's reason.
    pub fn abort_error(&self, url: &str) -> Error {
        self.signal.error(format!("loading {url} was aborted")).with_url(url)
    }

    /// Sends a request now (the network starts before anything awaits it).
    fn send(&self, url: &str, binary: bool, range_start: u64) -> Sent {
        let stop = abort_controller();
        let init = request_init_js(&self.request_init, self.signal.js(), &stop, range_start as f64);
        let response = if binary {
            let details = Object::new();
            crate::bindings::js::set(&details, "isBinary", &JsValue::TRUE);
            self.fetch.call3(&JsValue::UNDEFINED, &url.into(), &init, &details)
        } else {
            self.fetch.call2(&JsValue::UNDEFINED, &url.into(), &init)
        };
        Sent { response, stop }
    }

    /// One request; `Err` keeps whether a retry may help.
    async fn attempt(&self, url: &str, binary: bool, range_start: u64) -> std::result::Result<JsValue, Failure> {
        self.settle(url, self.send(url, binary, range_start)).await
    }

    /// A fresh stall watch for one wait (the headers, or one body).
    fn watch(&self) -> JsValue {
        stall_watch(self.timeout_ms as f64, STALL_BYTES)
    }

    /// Waits for a sent request and checks its status; a stall stops it.
    async fn settle(&self, url: &str, sent: Sent) -> std::result::Result<JsValue, Failure> {
        let response = match sent.response {
            Ok(p) => JsFuture::from(watched(&Promise::resolve(&p), &self.watch())).await,
            Err(e) => Err(e),
        };
        let response = response.map_err(|e| {
            if is_stalled(&e) {
                abort(&sent.stop);
                self.stall_failure(url)
            } else {
                self.network_failure(url, e)
            }
        })?;
        let status = get(&response, "status").as_f64().unwrap_or(0.0) as u16;
        if get(&response, "ok").is_truthy() {
            return Ok(response);
        }
        let retry_after =
            header(&response, "retry-after").and_then(|v| retry_after_ms(&v, parse_http_date, js_sys::Date::now()));
        let total_length = header(&response, "content-range")
            .and_then(|v| split_ascii(&v, b'/', true).and_then(|(_, total)| total.trim_ascii().parse().ok()));
        Err(Failure {
            error: Error {
                status: Some(status),
                ..Error::new(Code::HttpStatus, format!("request to {url} failed with HTTP status {status}"))
                    .with_url(url)
            },
            retryable: is_retryable_status(status),
            retry_after_ms: retry_after,
            total_length,
        })
    }

    fn network_failure(&self, url: &str, cause: JsValue) -> Failure {
        if self.aborted() {
            return Failure {
                error: self.abort_error(url),
                retryable: false,
                retry_after_ms: None,
                total_length: None,
            };
        }
        Failure {
            error: Error::new(Code::Network, format!("request to {url} failed: {}", describe(&cause)))
                .with_url(url)
                .with_cause(cause),
            retryable: true,
            retry_after_ms: None,
            total_length: None,
        }
    }

    /// No (or too few) bytes for `timeout_ms`: retried, then `E_TIMEOUT`.
    fn stall_failure(&self, url: &str) -> Failure {
        let ms = self.timeout_ms;
        Failure {
            error: Error::new(
                Code::Timeout,
                format!("{url} stalled: less than 1 KiB arrived in {ms} ms (loadOptions.timeout)"),
            )
            .with_url(url),
            retryable: true,
            retry_after_ms: None,
            total_length: None,
        }
    }

    /// Waits before retry `attempt` (1-based), or gives up with `failure`.
    async fn backoff(&self, url: &str, attempt: u32, failure: Failure) -> Result<()> {
        if !failure.retryable || attempt > self.retries {
            return Err(failure.error);
        }
        let delay =
            retry_delay_ms(attempt, RETRY_BASE_MS, RETRY_MAX_MS, js_sys::Math::random(), failure.retry_after_ms);
        JsFuture::from(sleep_js(delay, self.signal.js())).await.map_err(|_| self.abort_error(url))?;
        Ok(())
    }
}

/// A JS error's message, for our messages.
pub fn describe(error: &JsValue) -> String {
    get(error, "message").as_string().or_else(|| error.as_string()).unwrap_or_else(|| "unknown error".into())
}

/// Reads one shard's bytes chunk by chunk, resuming a cut body with a
/// `Range` request (or re-reading and skipping what was already delivered
/// when the server ignores Range), counting new bytes against its budget
/// (stopping the moment it is passed) and treating a stall like a cut. The
/// `ShardSource` of http (`http.rs`; `shards.rs` checks sha256 and sizes).
pub struct ShardReader {
    transport: Rc<Transport>,
    pub url: String,
    progress: Rc<RefCell<Progress>>,
    /// Shared with the other shards of its group (or its own, for model.json).
    budget: Option<Rc<Budget>>,
    /// Sent to a caller's `fetchFunc` as `{isBinary: true}` (tf.io's flag).
    binary: bool,
    /// Bytes handed out so far.
    pub delivered: u64,
    reader: Option<JsValue>,
    /// The stall watch of the current body.
    watch: JsValue,
    /// Bytes the current response still owes, from its Content-Length.
    owed: Option<u64>,
    /// Bytes of the current response to drop (already delivered before).
    skip: u64,
    attempts: u32,
    done: bool,
    /// False once a server refused a Range request it could not satisfy.
    use_range: bool,
    /// A first request already sent ahead of reading (see `prefetch`).
    prefetched: Option<Sent>,
}

impl ShardReader {
    pub fn new(transport: Rc<Transport>, url: String, progress: Rc<RefCell<Progress>>) -> Self {
        let watch = transport.watch();
        ShardReader {
            transport,
            url,
            progress,
            budget: None,
            binary: true,
            delivered: 0,
            reader: None,
            watch,
            owed: None,
            skip: 0,
            attempts: 0,
            done: false,
            use_range: true,
            prefetched: None,
        }
    }

    /// Counts every new byte against `budget`.
    pub fn with_budget(mut self, budget: Option<Rc<Budget>>) -> Self {
        self.budget = budget;
        self
    }

    /// A text resource (model.json): not flagged binary to a `fetchFunc`.
    pub fn for_text(mut self) -> Self {
        self.binary = false;
        self
    }

    /// Sends the first request now, so its bytes are on their way while an
    /// earlier shard is still being read (bounded: one response ahead, held
    /// back by the stream's own backpressure).
    pub fn prefetch(&mut self) {
        if self.prefetched.is_none() && self.reader.is_none() && !self.done {
            let Sent { response, stop } = self.transport.send(&self.url, self.binary, 0);
            self.prefetched = Some(Sent { response: response.map(quiet), stop });
        }
    }

    /// Stops the current body, if any.
    fn drop_body(&mut self) {
        if let Some(reader) = self.reader.take() {
            cancel_reader(&reader);
        }
    }

    /// Counts `n` new bytes (budget and progress); past the budget the body
    /// is stopped and the budget's error returned.
    fn count(&mut self, n: u64) -> Result<()> {
        if self.budget.as_ref().is_some_and(|b| !b.take(n)) {
            self.drop_body();
            return Err(self.over_budget());
        }
        self.progress.borrow_mut().add_bytes(n);
        Ok(())
    }

    fn over_budget(&self) -> Error {
        let e = self.budget.as_ref().expect("a budget was passed").error();
        if e.url.is_none() {
            e.with_url(&self.url)
        } else {
            e
        }
    }

    /// Counts a failed attempt and waits, or gives up.
    async fn retry(&mut self, failure: Failure) -> Result<()> {
        self.drop_body();
        self.attempts += 1;
        self.transport.backoff(&self.url, self.attempts, failure).await
    }

    fn cut(&self, detail: String) -> Failure {
        Failure {
            error: Error::new(Code::Network, format!("the body of {} was cut short: {detail}", self.url))
                .with_url(&self.url),
            retryable: true,
            retry_after_ms: None,
            total_length: None,
        }
    }

    /// Sends the request for the rest of the shard and opens its body.
    async fn open(&mut self) -> Result<()> {
        loop {
            let range_start = if self.use_range { self.delivered } else { 0 };
            let attempt = match self.prefetched.take() {
                Some(sent) => self.transport.settle(&self.url, sent).await,
                None => self.transport.attempt(&self.url, self.binary, range_start).await,
            };
            let response = match attempt {
                Ok(r) => r,
                Err(failure) if range_start > 0 && failure.error.status == Some(416) => {
                    // Nothing left to send: if the server's total is what we
                    // hold, the body was whole after all; else start over.
                    if failure.total_length == Some(self.delivered) {
                        self.reader = Some(one_chunk_reader(&js_sys::ArrayBuffer::new(0).into()));
                        self.owed = None;
                        return Ok(());
                    }
                    self.use_range = false;
                    self.retry(Failure { retryable: true, ..failure }).await?;
                    continue;
                }
                Err(failure) => {
                    self.retry(failure).await?;
                    continue;
                }
            };
            let status = get(&response, "status").as_f64().unwrap_or(200.0) as u16;
            self.skip = 0;
            if range_start > 0 {
                if status == 206 {
                    let start = header(&response, "content-range").and_then(|v| content_range_start(&v));
                    if start != Some(self.delivered) {
                        let failure = self.cut(match start {
                            Some(at) => format!("the server resumed at byte {at}, not at byte {}", self.delivered),
                            None => format!(
                                "the server resumed with no Content-Range start, not at byte {}",
                                self.delivered
                            ),
                        });
                        self.retry(failure).await?;
                        continue;
                    }
                } else {
                    // Range ignored: the whole body again; drop what we have.
                    self.skip = self.delivered;
                }
            } else {
                self.skip = self.delivered;
            }
            // An encoded body's Content-Length counts encoded bytes, not
            // the (decoded) bytes read here; a CORS response may hide its
            // Content-Encoding, and then its Content-Length proves nothing.
            let unencoded = match header(&response, "content-encoding") {
                Some(e) => e.trim_ascii().eq_ignore_ascii_case("identity"),
                None => get(&response, "type").as_string().as_deref() != Some("cors"),
            };
            self.owed =
                header(&response, "content-length").and_then(|v| v.trim_ascii().parse().ok()).filter(|_| unencoded);
            if let (Some(budget), Some(len)) = (&self.budget, self.owed) {
                if budget.trust_length && budget.would_pass(len.saturating_sub(self.skip)) {
                    discard_response(&response);
                    return Err(self.over_budget());
                }
            }
            self.watch = self.transport.watch();
            let body = get(&response, "body");
            let reader = if present(&body) {
                let get_reader: Function = get(&body, "getReader").unchecked_into();
                get_reader
                    .call0(&body)
                    .map_err(|e| Error::new(Code::Network, format!("cannot read {}", self.url)).with_cause(e))?
            } else {
                // A Response-like object without a stream: read it whole.
                let buffer = match call_method(&response, "arrayBuffer").await {
                    Ok(b) => b,
                    Err(cause) => {
                        let failure = self.transport.network_failure(&self.url, cause);
                        self.retry(failure).await?;
                        continue;
                    }
                };
                one_chunk_reader(&buffer)
            };
            self.reader = Some(reader);
            return Ok(());
        }
    }

    /// The next chunk, or `None` once the shard is complete and verified.
    pub async fn next(&mut self) -> Result<Option<Uint8Array>> {
        loop {
            if self.done {
                return Ok(None);
            }
            if self.transport.aborted() {
                return Err(self.transport.abort_error(&self.url));
            }
            if self.reader.is_none() {
                self.open().await?;
            }
            let reader = self.reader.clone().expect("opened above");
            let result = match self.read_watched(&reader).await {
                Ok(r) => r,
                Err(cause) => {
                    let failure = if is_stalled(&cause) {
                        self.transport.stall_failure(&self.url)
                    } else {
                        self.transport.network_failure(&self.url, cause)
                    };
                    self.retry(failure).await?;
                    continue;
                }
            };
            if get(&result, "done").is_truthy() {
                if self.body_ended().await? {
                    return Ok(None);
                }
                continue;
            }
            let chunk = byte_view(&get(&result, "value"), "a response body chunk")?;
            arrived(&self.watch, f64::from(chunk.length()));
            if let Some(chunk) = self.accept(chunk, true)? {
                return Ok(Some(chunk));
            }
        }
    }

    /// `reader.read()` under the stall watch.
    async fn read_watched(&self, reader: &JsValue) -> std::result::Result<JsValue, JsValue> {
        let read: Function = get(reader, "read").unchecked_into();
        JsFuture::from(watched(&Promise::resolve(&read.call0(reader)?), &self.watch)).await
    }

    /// Takes one body chunk: drops bytes already delivered before a restart,
    /// counts (unless `drain` already counted it). `None` when
    /// nothing of it is new.
    fn accept(&mut self, chunk: Uint8Array, count: bool) -> Result<Option<Uint8Array>> {
        let len = u64::from(chunk.length());
        self.owed = self.owed.map(|n| n.saturating_sub(len));
        let chunk = if self.skip > 0 {
            let dropped = self.skip.min(len);
            self.skip -= dropped;
            chunk.subarray(dropped as u32, len as u32)
        } else {
            chunk
        };
        if chunk.length() == 0 {
            return Ok(None);
        }
        if count {
            self.count(u64::from(chunk.length()))?;
        }
        self.delivered += u64::from(chunk.length());
        Ok(Some(chunk))
    }

    /// The body said it is done: true if the shard is complete,
    /// false if it was cut short and a retry was arranged.
    async fn body_ended(&mut self) -> Result<bool> {
        if let Some(owed) = self.owed.filter(|&n| n > 0) {
            let failure = self.cut(format!("{owed} bytes of the announced Content-Length never came"));
            self.retry(failure).await?;
            return Ok(false);
        }
        self.finish()?;
        Ok(true)
    }

    fn finish(&mut self) -> Result<()> {
        self.done = true;
        self.reader = None;
        Ok(())
    }

    /// Every byte of the shard as one ArrayBuffer, each body read by a JS
    /// loop (one boundary crossing per body, not per chunk) that counts the
    /// bytes as they arrive, so reading stops at the budget.
    pub async fn read_all(&mut self) -> Result<js_sys::ArrayBuffer> {
        let mut chunks = Vec::new();
        let (progress, budget) = (self.progress.clone(), self.budget.clone());
        let on_bytes = if progress.borrow().callback.is_some() || budget.is_some() {
            Closure::<dyn FnMut(f64) -> bool>::new(move |n: f64| {
                let within = budget.as_ref().is_none_or(|b| b.take(n as u64));
                if within {
                    progress.borrow_mut().add_bytes(n as u64);
                }
                within
            })
            .into_js_value()
        } else {
            JsValue::UNDEFINED
        };
        while !self.done {
            if self.transport.aborted() {
                return Err(self.transport.abort_error(&self.url));
            }
            if self.reader.is_none() {
                self.open().await?;
            }
            let reader = self.reader.clone().expect("opened above");
            let batch = JsFuture::from(drain(&reader, self.skip as f64, &on_bytes, &self.watch))
                .await
                .unwrap_or(JsValue::UNDEFINED);
            if get(&batch, "stopped").is_truthy() {
                self.drop_body();
                return Err(self.over_budget());
            }
            for chunk in Array::from(&get(&batch, "chunks")).iter() {
                chunks.extend(self.accept(byte_view(&chunk, "a response body chunk")?, false)?);
            }
            if get(&batch, "done").is_truthy() {
                self.body_ended().await?;
            } else if get(&batch, "stalled").is_truthy() {
                let failure = self.transport.stall_failure(&self.url);
                self.retry(failure).await?;
            } else {
                let failure = self.transport.network_failure(&self.url, get(&batch, "error"));
                self.retry(failure).await?;
            }
        }
        let whole = match chunks.as_slice() {
            [one] if one.byte_offset() == 0 && one.byte_length() == one.buffer().byte_length() => one.buffer(),
            _ => {
                let total: u32 = chunks.iter().map(Uint8Array::length).sum();
                let out = Uint8Array::new_with_length(total);
                let mut at = 0;
                for c in &chunks {
                    out.set(c, at);
                    at += c.length();
                }
                out.buffer()
            }
        };
        Ok(whole)
    }
}

impl crate::handlers::shards::Chunks for ShardReader {
    fn next(&mut self) -> futures_util::future::LocalBoxFuture<'_, Result<Option<Uint8Array>>> {
        Box::pin(ShardReader::next(self))
    }

    fn prefetch(&mut self) {
        ShardReader::prefetch(self);
    }
}

/// A shard given up half-way (stream cancelled, load failed elsewhere)
/// stops its download instead of letting it run on.
impl Drop for ShardReader {
    fn drop(&mut self) {
        self.drop_body();
        if let Some(Sent { response: Ok(sent), .. }) = self.prefetched.take() {
            discard_response(&sent);
        }
    }
}

/// A reader-like object that yields one buffer and ends.
fn one_chunk_reader(buffer: &JsValue) -> JsValue {
    let chunks = js_sys::Array::of1(&Uint8Array::new(buffer));
    let reader = Object::new();
    let read = Closure::<dyn FnMut() -> Promise>::new(move || {
        let result = Object::new();
        let next = chunks.shift();
        crate::bindings::js::set(&result, "done", &next.is_undefined().into());
        crate::bindings::js::set(&result, "value", &next);
        Promise::resolve(&JsValue::from(result))
    });
    crate::bindings::js::set(&reader, "read", &read.into_js_value());
    reader.into()
}
