//! The JavaScript boundary: conversions, errors, and the format API.

pub mod artifacts;
pub mod error;
pub mod js;
pub mod stream;
pub mod weights;

use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
fn start() {
    console_error_panic_hook::set_once();
}
