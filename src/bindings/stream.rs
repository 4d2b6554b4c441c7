//! A Rust stream of chunks as a JS `ReadableStream` (every `getWeightStream()`).
//! Ours rather than wasm-streams': its exported source, byte-source and sink
//! classes are wasm exports, so they stay in the download whether used or
//! not (5 KB of the gzipped browser wasm, measured), and we need one
//! direction of one of them.

use std::cell::RefCell;
use std::pin::Pin;
use std::rc::Rc;

use futures_util::stream::{Stream, StreamExt};
use js_sys::Promise;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/glue.js")]
extern "C" {
    #[wasm_bindgen(js_name = pullStream)]
    fn pull_stream(pull: JsValue, cancel: JsValue) -> JsValue;
}

type Chunks = Pin<Box<dyn Stream<Item = Result<JsValue, JsValue>>>>;

/// Where the Rust stream is: between pulls, inside one, or gone (ended,
/// failed or cancelled: dropped, so its readers and budgets go with it).
enum Slot {
    Idle(Chunks),
    Pulling,
    Done,
}

/// A `ReadableStream` of `chunks`, pulled one at a time: an `Err` errors the
/// stream with that value as its reason, and cancelling drops `chunks`.
pub fn readable_stream(chunks: impl Stream<Item = Result<JsValue, JsValue>> + 'static) -> JsValue {
    let slot = Rc::new(RefCell::new(Slot::Idle(Box::pin(chunks))));
    let pulled = slot.clone();
    let pull = Closure::<dyn FnMut() -> Promise>::new(move || {
        let slot = pulled.clone();
        crate::bindings::js::promise(async move {
            // A ReadableStream calls pull() again only after the last one settled.
            let Slot::Idle(mut chunks) = std::mem::replace(&mut *slot.borrow_mut(), Slot::Pulling) else {
                return Ok(JsValue::UNDEFINED);
            };
            let next = chunks.next().await;
            let mut state = slot.borrow_mut();
            // Cancelled meanwhile: `chunks` is dropped here.
            if matches!(*state, Slot::Pulling) {
                *state = if matches!(next, Some(Ok(_))) { Slot::Idle(chunks) } else { Slot::Done };
            }
            next.unwrap_or(Ok(JsValue::UNDEFINED))
        })
    });
    let cancel = Closure::<dyn FnMut()>::new(move || *slot.borrow_mut() = Slot::Done);
    pull_stream(pull.into_js_value(), cancel.into_js_value())
}
