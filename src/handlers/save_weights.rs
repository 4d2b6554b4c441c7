//! The weights a save writes, a file at a time, from `weightData` or from
//! `getWeightStream()`. A stream is read only as far as the file being cut,
//! so a save holds a few files' bytes whatever the model's size; its bytes
//! are counted against the specs as they arrive.

use js_sys::{Function, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

use super::store::savable_topology;
use crate::bindings::artifacts::check_layout;
use crate::bindings::error::{Error, Result};
use crate::bindings::js::{get, present, JsComposite};
use crate::bindings::weights::{specs_from_js, StreamReader};
use crate::format::Code;

pub struct SaveWeights {
    /// `weightData`'s parts not yet given (all of them, for a stream: none).
    parts: std::vec::IntoIter<Uint8Array>,
    /// The stream, for weights that exist only as one.
    reader: Option<StreamReader>,
    /// What is left of the last chunk cut.
    rest: Option<Uint8Array>,
    /// Bytes in all where known before reading: always for `weightData`;
    /// for a stream, unless a string weight makes it unknowable.
    pub total: Option<u64>,
    /// Bytes given so far.
    pub given: u64,
    handler: &'static str,
}

impl SaveWeights {
    /// The weights of `artifacts`, once they are known to be storable by
    /// `handler` (named in errors). Data in memory is checked against the
    /// specs now; a stream, as it is read.
    pub fn of(artifacts: &JsValue, handler: &'static str) -> Result<Self> {
        savable_topology(artifacts, handler)?;
        let specs = get(artifacts, "weightSpecs");
        let data = get(artifacts, "weightData");
        let get_stream = get(artifacts, "getWeightStream");
        let mut weights =
            SaveWeights { parts: Vec::new().into_iter(), reader: None, rest: None, total: None, given: 0, handler };
        match get_stream.dyn_ref::<Function>().filter(|_| !present(&data)) {
            Some(get_stream) => {
                // The specs first: no stream is opened for specs that fail.
                let specs = if present(&specs) { specs_from_js(&specs)? } else { Vec::new() };
                weights.total = specs.iter().try_fold(0u64, |sum, spec| Some(sum.saturating_add(spec.stored_bytes()?)));
                let stream = get_stream.call0(artifacts).map_err(|e| {
                    Error::new(Code::Stream, format!("{handler}: getWeightStream() threw")).with_cause(e)
                })?;
                weights.reader = Some(StreamReader::new(&stream)?);
            }
            None => {
                let data = JsComposite::from_js(&data, "weightData")?;
                check_layout(&specs, &data)?;
                weights.total = Some(data.index.byte_length());
                weights.parts = data.parts.into_iter();
            }
        }
        Ok(weights)
    }

    /// The next `size` bytes (fewer at the end), as views of the chunks they
    /// came in; `None` once every byte was given. A stream that gives more or
    /// fewer bytes than the specs need fails here (and is cancelled).
    pub async fn next(&mut self, size: u64) -> Result<Option<JsComposite>> {
        let mut parts = Vec::new();
        let mut got = 0u64;
        while got < size {
            let chunk = match (self.rest.take().or_else(|| self.parts.next()), &mut self.reader) {
                (Some(chunk), _) => chunk,
                (None, Some(reader)) => match reader.next().await? {
                    Some(chunk) => chunk,
                    None => break,
                },
                (None, None) => break,
            };
            let take = (size - got).min(u64::from(chunk.length())) as u32;
            if take < chunk.length() {
                self.rest = Some(chunk.subarray(take, chunk.length()));
            }
            parts.push(chunk.subarray(0, take));
            got += u64::from(take);
            if self.total.is_some_and(|total| self.given + got > total) {
                self.cancel();
                return Err(self.size_error("more than ", self.total.unwrap_or_default()));
            }
        }
        self.given += got;
        if got > 0 {
            return Ok(Some(JsComposite::new(parts)));
        }
        match self.total {
            Some(total) if self.given < total => Err(self.size_error("", self.given)),
            _ => Ok(None),
        }
    }

    /// Sets `info.weightDataBytes` to the bytes given (a stream's count is
    /// known only once it is read).
    pub fn count_into(&self, info: &js_sys::Object) {
        crate::bindings::js::set(info, "weightDataBytes", &(self.given as f64).into());
    }

    /// The bytes the save needs, as a quota error reports them: the total,
    /// or what a stream of unknown length gave so far.
    pub fn needed(&self) -> u64 {
        self.total.unwrap_or(self.given)
    }

    /// Whether the weights are in memory (no reads wait on a stream).
    pub fn in_memory(&self) -> bool {
        self.reader.is_none()
    }

    /// Cancels a stream not read to its end (the save failed).
    pub fn cancel(&mut self) {
        if let Some(reader) = &mut self.reader {
            reader.stop();
        }
    }

    fn size_error(&self, more_than: &str, gave: u64) -> Error {
        let (handler, need) = (self.handler, self.total.unwrap_or_default());
        let message = format!("{handler}: getWeightStream() gave {more_than}{gave} bytes; the weightSpecs need {need}");
        Error::new(Code::SizeMismatch, message)
    }
}
