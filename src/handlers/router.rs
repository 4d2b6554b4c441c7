//! The router registry: URL -> handlers, and `load` / `save` through the one
//! handler a URL selects.

use crate::format::Code;
use std::cell::RefCell;

use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::bindings::error::Error;
use crate::bindings::js::{get, present, type_name};

/// A router: the caller's JS function, or one of ours.
#[derive(Clone)]
enum Router {
    Js(Function),
    Builtin(fn(&JsValue, &JsValue) -> Option<JsValue>),
}

/// The routers every registry starts with, as tf.io registers its own at
/// import time (user routers come after them).
fn builtin(save: bool) -> Vec<Router> {
    let mut routers = vec![
        Router::Builtin(super::http::http_router),
        Router::Builtin(super::indexed_db::indexed_db_router),
        Router::Builtin(super::local_storage::local_storage_router),
        #[cfg(feature = "node")]
        Router::Builtin(super::node_fs::file_router),
    ];
    if save {
        // downloads:// only saves.
        routers.push(Router::Builtin(super::browser_files::downloads_router));
    }
    routers
}

thread_local! {
    static LOAD_ROUTERS: RefCell<Vec<Router>> = RefCell::new(builtin(false));
    static SAVE_ROUTERS: RefCell<Vec<Router>> = RefCell::new(builtin(true));
}

type Registry = std::thread::LocalKey<RefCell<Vec<Router>>>;

fn register(registry: &'static Registry, router: JsValue, what: &str) -> Result<(), JsValue> {
    let router = router
        .dyn_into::<Function>()
        .map_err(|r| Error::invalid_argument(format!("{what} expects a function, got {}", type_name(&r))))?;
    registry.with(|r| r.borrow_mut().push(Router::Js(router)));
    Ok(())
}

/// Every router's non-null answer, in registration order.
fn handlers(registry: &'static Registry, url: &JsValue, options: &JsValue) -> Result<Array, JsValue> {
    let routers = registry.with(|r| r.borrow().clone());
    let out = Array::new();
    for router in routers {
        let handler = match router {
            Router::Js(f) => f.call2(&JsValue::NULL, url, options)?,
            Router::Builtin(f) => f(url, options).unwrap_or(JsValue::NULL),
        };
        if present(&handler) {
            out.push(&handler);
        }
    }
    Ok(out)
}

#[wasm_bindgen(js_name = registerLoadRouter, skip_typescript)]
pub fn register_load_router(router: JsValue) -> Result<(), JsValue> {
    register(&LOAD_ROUTERS, router, "registerLoadRouter")
}

#[wasm_bindgen(js_name = registerSaveRouter, skip_typescript)]
pub fn register_save_router(router: JsValue) -> Result<(), JsValue> {
    register(&SAVE_ROUTERS, router, "registerSaveRouter")
}

#[wasm_bindgen(js_name = getLoadHandlers, skip_typescript)]
pub fn get_load_handlers(url: JsValue, load_options: JsValue) -> Result<Array, JsValue> {
    handlers(&LOAD_ROUTERS, &url, &load_options)
}

#[wasm_bindgen(js_name = getSaveHandlers, skip_typescript)]
pub fn get_save_handlers(url: JsValue) -> Result<Array, JsValue> {
    handlers(&SAVE_ROUTERS, &url, &JsValue::UNDEFINED)
}

/// The single handler for `url` that has `method`.
fn single(found: Array, url: &JsValue, method: &str) -> Result<JsValue, JsValue> {
    // JSON.stringify(undefined) is no string: then the type's name.
    let url_text = url
        .as_string()
        .or_else(|| js_sys::JSON::stringify(url).ok().and_then(|s| s.as_string()))
        .unwrap_or_else(|| type_name(url));
    match found.length() {
        0 => Err(Error::new(Code::NoHandler, format!("no {method} handler is registered for URL '{url_text}'")).into()),
        1 => {
            let handler = found.get(0);
            if get(&handler, method).is_function() {
                Ok(handler)
            } else {
                Err(Error::new(Code::NotSupported, format!("the handler for URL '{url_text}' cannot {method}")).into())
            }
        }
        n => Err(Error::new(
            Code::MultipleHandlers,
            format!("{n} {method} handlers match URL '{url_text}'; expected exactly one"),
        )
        .into()),
    }
}

async fn call(handler: &JsValue, method: &str, arg: &JsValue) -> Result<JsValue, JsValue> {
    let f: Function = get(handler, method).unchecked_into();
    JsFuture::from(Promise::resolve(&f.call1(handler, arg)?)).await
}

/// `load(url, options?)`.
#[wasm_bindgen(js_name = load, skip_typescript)]
pub async fn load(url: JsValue, options: JsValue) -> Result<JsValue, JsValue> {
    let handler = single(get_load_handlers(url.clone(), options)?, &url, "load")?;
    call(&handler, "load", &JsValue::UNDEFINED).await
}

/// `save(artifacts, url)`.
#[wasm_bindgen(js_name = save, skip_typescript)]
pub async fn save(artifacts: JsValue, url: JsValue) -> Result<JsValue, JsValue> {
    let handler = single(get_save_handlers(url.clone())?, &url, "save")?;
    call(&handler, "save", &artifacts).await
}
