//! Caps on what is read from outside: every body (model.json, a shard, a
//! picked file) is read under a byte count known before reading, so a
//! hostile or broken source costs at most that much memory.

use crate::format::Code;
use std::cell::Cell;
use std::rc::Rc;

use crate::bindings::error::Error;
use crate::format::plan::WeightPlan;

/// `maxModelJSONBytes` when not given (one default for every handler).
pub use crate::format::model_json::DEFAULT_MAX_MODEL_JSON_BYTES;

/// `timeout` when not given: a request or body that brings less than
/// `STALL_BYTES` in this many ms of waiting is stalled.
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;

/// A drip of fewer bytes than this per `timeout` is no progress.
pub const STALL_BYTES: u32 = 1024;

/// `E_TOO_LARGE` for `what` (a URL or file name) over `limit` bytes.
pub fn too_large(what: &str, limit: u64) -> Error {
    Error::new(
        Code::TooLarge,
        format!("{what} has more than {limit} bytes, the cap on a model.json (maxModelJSONBytes)"),
    )
}

/// Bytes that some bodies may deliver together (a weight group's shards, or
/// one model.json): each reader counts into it as bytes arrive and stops
/// with `error()` the moment the total passes `limit`.
pub struct Budget {
    limit: u64,
    used: Cell<u64>,
    code: Code,
    message: String,
    /// Whether a Content-Length over the limit is refused before reading.
    /// Not for shards: a server that announces too much but sends the right
    /// bytes has always loaded (its cut is retried).
    pub trust_length: bool,
}

impl Budget {
    /// model.json (or the manifest, or model.pb) at `url`.
    pub fn model_file(url: &str, limit: u64) -> Rc<Self> {
        let Error { code, message, .. } = too_large(url, limit);
        Rc::new(Budget { limit, used: Cell::new(0), code, message, trust_length: true })
    }

    /// A weight group's budget: its manifest's byte count.
    pub fn group(name: &str, need: u64) -> Rc<Self> {
        let message = format!("{name} holds more than the {need} bytes its manifest needs");
        Rc::new(Budget { limit: need, used: Cell::new(0), code: Code::SizeMismatch, message, trust_length: false })
    }

    /// Fresh budgets for one read of a plan's weights: one per group whose
    /// byte count is known, shared by its files, so reading stops as soon as
    /// they deliver more than the manifest needs.
    pub fn groups(plan: &WeightPlan) -> Vec<Option<Rc<Self>>> {
        let budget = |(g, need): (usize, &Option<u64>)| need.map(|need| Budget::group(&plan.group_name(g), need));
        plan.needed.iter().enumerate().map(budget).collect()
    }

    /// Counts `n` more bytes; false once past the limit.
    pub fn take(&self, n: u64) -> bool {
        self.used.set(self.used.get().saturating_add(n));
        self.used.get() <= self.limit
    }

    /// Whether `n` more bytes would pass the limit (a Content-Length check).
    pub fn would_pass(&self, n: u64) -> bool {
        self.used.get().saturating_add(n) > self.limit
    }

    pub fn error(&self) -> Error {
        Error::new(self.code, self.message.clone())
    }
}
