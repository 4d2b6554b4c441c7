//! The options every handler takes, parsed once, in one place: `signal`,
//! `onProgress`, `concurrency`, `retries` and `timeout`. A bad value is
//! `E_INVALID_ARGUMENT` naming the option, whichever handler or URL got it;
//! the handlers parse only the options of their own medium on top.

use js_sys::Function;
use wasm_bindgen::prelude::*;

use super::limits::DEFAULT_TIMEOUT_MS;
use crate::bindings::error::{Error, Result};
use crate::bindings::js::{function_option, get, integer_option, present, type_name};
use crate::format::Code;

const DEFAULT_CONCURRENCY: usize = 6;
const DEFAULT_RETRIES: u32 = 3;

/// An `AbortSignal` the caller gave, or none.
#[derive(Clone)]
pub struct Signal(JsValue);

impl Signal {
    /// No signal: never aborted.
    pub fn none() -> Self {
        Signal(JsValue::UNDEFINED)
    }

    /// `options.signal`, checked to be an AbortSignal (anything with a
    /// boolean `aborted`, so a polyfill or another realm's signal works).
    fn parse(options: &JsValue) -> Result<Self> {
        let signal = get(options, "signal");
        if present(&signal) && get(&signal, "aborted").as_bool().is_none() {
            return Err(Error::invalid_argument(format!(
                "option signal must be an AbortSignal, got {}",
                type_name(&signal)
            )));
        }
        Ok(Signal(signal))
    }

    pub fn aborted(&self) -> bool {
        get(&self.0, "aborted").is_truthy()
    }

    /// `E_ABORTED` with `message`, the signal's reason as its cause.
    pub fn error(&self, message: impl Into<String>) -> Error {
        Error::new(Code::Aborted, message).with_cause(get(&self.0, "reason"))
    }

    /// `Err(self.error(message()))` once the signal is aborted: checked
    /// before each step of an operation.
    pub fn check(&self, message: impl FnOnce() -> String) -> Result<()> {
        if self.aborted() {
            return Err(self.error(message()));
        }
        Ok(())
    }

    /// The signal itself, for the platform calls that take one (fetch,
    /// IndexedDB transactions, timers).
    pub fn js(&self) -> &JsValue {
        &self.0
    }
}

/// The shared options of one handler (or one `load`/`save` call).
pub struct Options {
    pub signal: Signal,
    pub on_progress: Option<Function>,
    /// Most requests (or reads) in flight at once.
    pub concurrency: usize,
    /// Retries of a failed request.
    pub retries: u32,
    /// Stall timeout (ms, 0: none).
    pub timeout_ms: u64,
}

impl Options {
    pub fn parse(options: &JsValue) -> Result<Self> {
        Ok(Options {
            signal: Signal::parse(options)?,
            on_progress: function_option(options, "onProgress")?,
            concurrency: integer_option(options, "concurrency", 1, 1024)?.map_or(DEFAULT_CONCURRENCY, |n| n as usize),
            retries: integer_option(options, "retries", 0, 100)?.map_or(DEFAULT_RETRIES, |n| n as u32),
            // setTimeout's largest delay.
            timeout_ms: integer_option(options, "timeout", 0, i32::MAX as u64)?.unwrap_or(DEFAULT_TIMEOUT_MS),
        })
    }
}
