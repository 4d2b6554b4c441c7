//! The router registry: URL -> handlers, and `load` / `save` through the one
//! handler a URL selects.

use crate::format::Code;
use std::cell::RefCell;

use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;

use crate::bindings::error::{Error, Result};
use crate::bindings::js::{get, present, type_name};

/// A router: the caller's JS function, or one of ours.
#[derive(Clone)]
enum Router {
    Js(Function),
    /// `Ok(None)` when the URL is not its scheme's (or the store is missing
    /// here); an error when it is, but an option is bad.
    Builtin(fn(&JsValue, &JsValue) -> Result<Option<JsValue>>),
}

/// The routers every registry starts with, as tf.io registers its own at
/// import time (user routers come after them).
fn builtin(save: bool) -> Vec<Router> {
    let mut routers = vec![
        Router::Builtin(super::http::http_router),
        Router::Builtin(super::indexed_db::indexed_db_router),
        Router::Builtin(super::local_storage::local_storage_router),
        Router::Builtin(super::opfs::opfs_router),
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

fn register(registry: &'static Registry, router: JsValue, what: &str) -> std::result::Result<(), JsValue> {
    let router = router
        .dyn_into::<Function>()
        .map_err(|r| Error::invalid_argument(format!("{what} expects a function, got {}", type_name(&r))))?;
    registry.with(|r| r.borrow_mut().push(Router::Js(router)));
    Ok(())
}

type JsResult<T> = std::result::Result<T, JsValue>;

/// Every router's non-null answer, in registration order. A bad option
/// given to a router whose scheme matched is that router's error (as in
/// tf.io, where a router's exception reaches the caller), not "no handler".
fn handlers(registry: &'static Registry, url: &JsValue, options: &JsValue) -> JsResult<Array> {
    let routers = registry.with(|r| r.borrow().clone());
    let out = Array::new();
    for router in routers {
        let handler = match router {
            Router::Js(f) => f.call2(&JsValue::NULL, url, options)?,
            Router::Builtin(f) => f(url, options)?.unwrap_or(JsValue::NULL),
        };
        if present(&handler) {
            out.push(&handler);
        }
    }
    Ok(out)
}

#[wasm_bindgen(js_name = registerLoadRouter, skip_typescript)]
pub fn register_load_router(router: JsValue) -> JsResult<()> {
    register(&LOAD_ROUTERS, router, "registerLoadRouter")
}

#[wasm_bindgen(js_name = registerSaveRouter, skip_typescript)]
pub fn register_save_router(router: JsValue) -> JsResult<()> {
    register(&SAVE_ROUTERS, router, "registerSaveRouter")
}

#[wasm_bindgen(js_name = getLoadHandlers, skip_typescript)]
pub fn get_load_handlers(url: JsValue, load_options: JsValue) -> JsResult<Array> {
    handlers(&LOAD_ROUTERS, &url, &load_options)
}

#[wasm_bindgen(js_name = getSaveHandlers, skip_typescript)]
pub fn get_save_handlers(url: JsValue, save_options: JsValue) -> JsResult<Array> {
    handlers(&SAVE_ROUTERS, &url, &save_options)
}

/// The single handler for `url` that has `method`.
fn single(found: Array, url: &JsValue, method: &str) -> JsResult<JsValue> {
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

/// `handler[method](arg)`, called now: a store handler takes its turn in
/// the call order at once (see `order`).
fn call(handler: &JsValue, method: &str, arg: &JsValue) -> JsResult<Promise> {
    let f: Function = get(handler, method).unchecked_into();
    Ok(Promise::resolve(&f.call1(handler, arg)?))
}

/// The load of `url` by its one handler, started now.
pub fn start_load(url: JsValue, options: JsValue) -> JsResult<Promise> {
    let handler = single(get_load_handlers(url.clone(), options)?, &url, "load")?;
    call(&handler, "load", &JsValue::UNDEFINED)
}

/// The save to `url` by its one handler, started now.
pub fn start_save(artifacts: JsValue, url: JsValue, options: JsValue) -> JsResult<Promise> {
    let handler = single(get_save_handlers(url.clone(), options)?, &url, "save")?;
    call(&handler, "save", &artifacts)
}

/// `load(url, options?)`; not async, so that it takes its place in the call
/// order when called (a bad URL or option still rejects).
#[wasm_bindgen(js_name = load, skip_typescript)]
pub fn load(url: JsValue, options: JsValue) -> Promise {
    start_load(url, options).unwrap_or_else(|e| Promise::reject(&e))
}

/// `save(artifacts, url, options?)`: the options go to the save routers.
#[wasm_bindgen(js_name = save, skip_typescript)]
pub fn save(artifacts: JsValue, url: JsValue, options: JsValue) -> Promise {
    start_save(artifacts, url, options).unwrap_or_else(|e| Promise::reject(&e))
}
