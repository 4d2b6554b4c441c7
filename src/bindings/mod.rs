//! The JavaScript boundary: conversions, errors, and the format API.

pub mod artifacts;
pub mod error;
pub mod js;
pub mod stream;
pub mod weights;

use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
fn start() {
    // A panic (a bug: inputs get typed errors) aborts the module; say why
    // on the console first. Smaller than console_error_panic_hook, which
    // also captures a JS stack.
    std::panic::set_hook(Box::new(|info| web_sys::console::error_1(&format!("model-artifacts: {info}").into())));
}
