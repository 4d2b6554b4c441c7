//! `fromMemory(Sync)` and `withSaveHandler(Sync)`: handlers over values
//! and callbacks the caller already has.

use js_sys::{Function, Object, Promise};
use wasm_bindgen::prelude::*;

use crate::bindings::error::Error;
use crate::bindings::js::{get, present, set, type_name};

const LEGACY_WARNING: &str = "Please call fromMemory() with only one argument. The argument should be of type \
ModelArtifacts. The multi-argument signature of fromMemory() has been deprecated and will be removed in a future release.";

/// A load handler returning the artifacts it was given.
#[wasm_bindgen(skip_typescript)]
pub struct MemoryLoader {
    artifacts: JsValue,
}

#[wasm_bindgen]
impl MemoryLoader {
    pub fn load(&self) -> Promise {
        Promise::resolve(&self.artifacts)
    }
}

/// The synchronous twin of [`MemoryLoader`].
#[wasm_bindgen(skip_typescript)]
pub struct MemoryLoaderSync {
    artifacts: JsValue,
}

#[wasm_bindgen]
impl MemoryLoaderSync {
    pub fn load(&self) -> JsValue {
        self.artifacts.clone()
    }
}

/// The artifacts `fromMemory` serves: one ModelArtifacts argument, or the
/// deprecated (topology, specs, data, trainingConfig) form, with a warning.
fn memory_artifacts(artifacts: JsValue, specs: JsValue, data: JsValue, training: JsValue) -> JsValue {
    let legacy = present(&specs) || present(&data) || present(&training);
    if !legacy && (present(&get(&artifacts, "modelTopology")) || present(&get(&artifacts, "weightSpecs"))) {
        return artifacts;
    }
    web_sys::console::warn_1(&LEGACY_WARNING.into());
    let out = Object::new();
    set(&out, "modelTopology", &artifacts);
    if legacy {
        set(&out, "weightSpecs", &specs);
        set(&out, "weightData", &data);
        set(&out, "trainingConfig", &training);
    }
    out.into()
}

#[wasm_bindgen(js_name = fromMemory, skip_typescript)]
pub fn from_memory(
    artifacts: JsValue,
    weight_specs: JsValue,
    weight_data: JsValue,
    training_config: JsValue,
) -> MemoryLoader {
    MemoryLoader { artifacts: memory_artifacts(artifacts, weight_specs, weight_data, training_config) }
}

#[wasm_bindgen(js_name = fromMemorySync, skip_typescript)]
pub fn from_memory_sync(
    artifacts: JsValue,
    weight_specs: JsValue,
    weight_data: JsValue,
    training_config: JsValue,
) -> MemoryLoaderSync {
    MemoryLoaderSync { artifacts: memory_artifacts(artifacts, weight_specs, weight_data, training_config) }
}

/// A save handler that hands the artifacts to a callback.
#[wasm_bindgen(skip_typescript)]
pub struct CallbackSaver {
    callback: Function,
}

#[wasm_bindgen]
impl CallbackSaver {
    pub fn save(&self, artifacts: JsValue) -> Result<JsValue, JsValue> {
        self.callback.call1(&JsValue::NULL, &artifacts)
    }
}

fn callback(f: JsValue, what: &str) -> Result<Function, JsValue> {
    f.dyn_into::<Function>()
        .map_err(|f| Error::invalid_argument(format!("{what} expects a function, got {}", type_name(&f))).into())
}

#[wasm_bindgen(js_name = withSaveHandler, skip_typescript)]
pub fn with_save_handler(save_handler: JsValue) -> Result<CallbackSaver, JsValue> {
    Ok(CallbackSaver { callback: callback(save_handler, "withSaveHandler")? })
}

#[wasm_bindgen(js_name = withSaveHandlerSync, skip_typescript)]
pub fn with_save_handler_sync(save_handler: JsValue) -> Result<CallbackSaver, JsValue> {
    Ok(CallbackSaver { callback: callback(save_handler, "withSaveHandlerSync")? })
}
