//! Small conversions between JS values and the format core.

use std::future::Future;
use std::pin::Pin;

use js_sys::{Array, ArrayBuffer, Function, Object, Promise, Uint8Array, JSON};
use serde_json::Value;
use sha2::{Digest, Sha256};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::error::{Error, Result};
use crate::format::codec::ByteSource;
use crate::format::composite::ShardIndex;

#[wasm_bindgen(module = "/src/glue.js")]
extern "C" {
    /// `obj[key]`, undefined when `obj` is not an object (or its getter
    /// throws): one crossing, where is_object, is_function, the key's
    /// string and `Reflect.get` took four.
    #[wasm_bindgen(js_name = field)]
    pub fn get(obj: &JsValue, key: &str) -> JsValue;
    /// `obj[key] = value` on an object we created, in one crossing.
    #[wasm_bindgen(js_name = setField)]
    pub fn set(obj: &Object, key: &str, value: &JsValue);
}

/// `future_to_promise` through one boxed instantiation: each generic one
/// carries its own task, waker and JSPI glue (~500 bytes of wasm), and every
/// handler method that returns a promise would add one.
pub fn promise(future: impl Future<Output = std::result::Result<JsValue, JsValue>> + 'static) -> Promise {
    boxed_promise(Box::pin(future))
}

fn boxed_promise(future: Pin<Box<dyn Future<Output = std::result::Result<JsValue, JsValue>>>>) -> Promise {
    wasm_bindgen_futures::future_to_promise(future)
}

/// `obj[method]()`, awaited (a non-promise result is taken as is).
pub async fn call_method(obj: &JsValue, method: &str) -> std::result::Result<JsValue, JsValue> {
    let f: Function = get(obj, method)
        .dyn_into()
        .map_err(|_| JsValue::from(Error::invalid_argument(format!("{} has no {method}()", type_name(obj)))))?;
    JsFuture::from(Promise::resolve(&f.call0(obj)?)).await
}

/// An optional integer option `options[key]` within `min..=max`.
pub fn integer_option(options: &JsValue, key: &str, min: u64, max: u64) -> Result<Option<u64>> {
    let v = get(options, key);
    if !present(&v) {
        return Ok(None);
    }
    v.as_f64().filter(|n| n.fract() == 0.0 && *n >= min as f64 && *n <= max as f64).map(|n| Some(n as u64)).ok_or_else(
        || {
            Error::invalid_argument(format!(
                "option {key} must be an integer from {min} to {max}, got {}",
                describe_value(&v)
            ))
        },
    )
}

/// An optional function option `options[key]`.
pub fn function_option(options: &JsValue, key: &str) -> Result<Option<Function>> {
    let v = get(options, key);
    if !present(&v) {
        return Ok(None);
    }
    v.dyn_into::<Function>()
        .map(Some)
        .map_err(|v| Error::invalid_argument(format!("option {key} must be a function, got {}", type_name(&v))))
}

/// A value as error messages show it: numbers and strings themselves,
/// anything else by its type.
fn describe_value(v: &JsValue) -> String {
    match (v.as_f64(), v.as_string()) {
        (Some(n), _) => JSON::stringify(v).ok().and_then(|s| s.as_string()).unwrap_or_else(|| format!("{}", n as i64)),
        (_, Some(s)) => format!("'{s}'"),
        _ => type_name(v),
    }
}

/// `string` or `[string, string]` (the two-file binary form) of a handler's
/// path argument; `what` names the paths in the errors ("URL paths for http").
pub fn handler_paths(path: &JsValue, what: &str) -> Result<Vec<String>> {
    let paths: Vec<String> = if Array::is_array(path) {
        let items = Array::from(path);
        if items.length() != 2 {
            return Err(Error::invalid_argument(format!(
                "{what} must have a length of 2, (actual length is {}).",
                items.length()
            )));
        }
        items.iter().map(|p| p.as_string().unwrap_or_default()).collect()
    } else {
        vec![path.as_string().unwrap_or_default()]
    };
    if paths.iter().any(|p| p.is_empty() || p == "file://") {
        return Err(Error::invalid_argument(format!("{what} must not be null, undefined or empty.")));
    }
    Ok(paths)
}

/// `value != null` in JavaScript.
pub fn present(value: &JsValue) -> bool {
    !value.is_null() && !value.is_undefined()
}

/// A JS value as JSON (through `JSON.stringify`, which is much faster than
/// walking the object property by property from wasm).
pub fn to_json(value: &JsValue, what: &str) -> Result<Value> {
    let text = JSON::stringify(value)
        .map_err(|e| Error::invalid_argument(format!("{what} cannot be serialized to JSON")).with_cause(e))?;
    let text = text.as_string().unwrap_or_default();
    // Lone surrogates (valid in JS strings) become U+FFFD in the Rust copy.
    let text = crate::format::json::replace_lone_surrogates(&text);
    serde_json::from_str(&text).map_err(|e| Error::invalid_argument(format!("{what} is not JSON data: {e}")))
}

/// JSON back to a JS value (key order kept).
pub fn from_json(value: &Value) -> JsValue {
    // Our own JSON text always parses (no `expect`: its Debug formatting costs wasm bytes).
    JSON::parse(&crate::format::json::stringify(value)).unwrap_or(JsValue::NULL)
}

/// `JSON.stringify(value)` as Rust text, or `E_INVALID_ARGUMENT` naming
/// `what` when it cannot be written as JSON (a cycle, a BigInt, nothing).
pub fn json_text(value: &JsValue, what: &str) -> Result<String> {
    match JSON::stringify(value) {
        Ok(text) if text.is_string() => Ok(text.as_string().unwrap_or_default()),
        Ok(_) => Err(Error::invalid_argument(format!("{what} is missing or cannot be written as JSON"))),
        Err(e) => Err(Error::invalid_argument(format!("{what} cannot be written as JSON")).with_cause(e)),
    }
}

/// UTF-8 length of `JSON.stringify(value)`, as TensorFlow.js measures it.
pub fn stringified_byte_length(value: &JsValue, what: &str) -> Result<u64> {
    let text = JSON::stringify(value)
        .map_err(|e| Error::invalid_argument(format!("{what} cannot be serialized to JSON")).with_cause(e))?;
    Ok(text.as_string().map_or(0, |s| s.len() as u64))
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `Uint8Array`, for a constructor call that may throw (js-sys's may not).
    #[wasm_bindgen(js_name = Uint8Array)]
    type CheckedUint8Array;
    /// `new Uint8Array(buffer, offset, length)`: throws on a detached buffer
    /// (one transferred to a worker).
    #[wasm_bindgen(catch, constructor, js_class = "Uint8Array")]
    fn new(buffer: &JsValue, offset: u32, length: u32) -> std::result::Result<CheckedUint8Array, JsValue>;
}

/// A byte view of an ArrayBuffer or ArrayBufferView (respecting the view's
/// offset and length).
pub fn byte_view(value: &JsValue, what: &str) -> Result<Uint8Array> {
    let length = |v: &JsValue| get(v, "byteLength").as_f64().unwrap_or(0.0) as u32;
    let (buffer, offset) = if value.is_instance_of::<ArrayBuffer>() {
        (value.clone(), 0)
    } else if ArrayBuffer::is_view(value) {
        (get(value, "buffer"), get(value, "byteOffset").as_f64().unwrap_or(0.0) as u32)
    } else if get(value, "byteLength").as_f64().is_some() && value.is_object() {
        // SharedArrayBuffer or an ArrayBuffer from another realm.
        (value.clone(), 0)
    } else {
        return Err(Error::invalid_argument(format!(
            "{what} must be an ArrayBuffer or a typed array, got {}",
            type_name(value)
        )));
    };
    CheckedUint8Array::new(&buffer, offset, length(value)).map(JsCast::unchecked_into).map_err(|e| {
        Error::invalid_argument(format!(
            "{what} cannot be read (a detached ArrayBuffer, e.g. transferred to a worker?)"
        ))
        .with_cause(e)
    })
}

/// The bytes of a view as an ArrayBuffer of their own: the view's buffer
/// when it covers all of it, else a copy of just those bytes.
pub fn exact_buffer(view: &Uint8Array) -> ArrayBuffer {
    let buffer = view.buffer();
    if view.byte_offset() == 0 && view.byte_length() == buffer.byte_length() {
        buffer
    } else {
        view.slice(0, view.length()).buffer()
    }
}

/// Byte views of `WeightData` (one buffer or view, or an array of them).
pub fn byte_views(value: &JsValue, what: &str) -> Result<Vec<Uint8Array>> {
    if Array::is_array(value) {
        let items: Array = value.clone().unchecked_into();
        items.iter().enumerate().map(|(i, v)| byte_view(&v, &format!("{what}[{i}]"))).collect()
    } else if present(value) {
        Ok(vec![byte_view(value, what)?])
    } else {
        Ok(Vec::new())
    }
}

/// A short description of a JS value's type for error messages.
pub fn type_name(value: &JsValue) -> String {
    if value.is_null() {
        "null".into()
    } else if Array::is_array(value) {
        "an array".into()
    } else if value.is_object() {
        let ctor = get(&get(value, "constructor"), "name");
        ctor.as_string().map_or("an object".into(), |n| format!("a {n}"))
    } else {
        value.js_typeof().as_string().unwrap_or_default()
    }
}

/// JS buffers seen as one byte range.
pub struct JsComposite {
    pub parts: Vec<Uint8Array>,
    pub index: ShardIndex,
}

impl JsComposite {
    pub fn new(parts: Vec<Uint8Array>) -> Self {
        let index = ShardIndex::new(parts.iter().map(|p| u64::from(p.length())));
        JsComposite { parts, index }
    }

    pub fn from_js(value: &JsValue, what: &str) -> Result<Self> {
        Ok(Self::new(byte_views(value, what)?))
    }

    /// Copies `start..end` into `dst` at `dst_offset`, JS to JS.
    pub fn copy_to_js(&self, start: u64, end: u64, dst: &Uint8Array, dst_offset: u32) {
        let mut at = dst_offset;
        for p in self.index.pieces(start, end) {
            let piece = self.parts[p.part].subarray(p.start as u32, p.end as u32);
            dst.set(&piece, at);
            at += (p.end - p.start) as u32;
        }
    }

    /// `start..end` as views into the parts, no copy.
    pub fn views(&self, start: u64, end: u64) -> Array {
        self.index
            .pieces(start, end)
            .map(|p| JsValue::from(self.parts[p.part].subarray(p.start as u32, p.end as u32)))
            .collect()
    }

    /// A fresh ArrayBuffer holding `start..end`.
    pub fn slice(&self, start: u64, end: u64) -> ArrayBuffer {
        let mut pieces = self.index.pieces(start, end);
        if let (Some(p), None) = (pieces.next(), pieces.next()) {
            // One piece: let the engine copy in one call.
            return self.parts[p.part].slice(p.start as u32, p.end as u32).buffer();
        }
        let out = Uint8Array::new_with_length((end - start) as u32);
        self.copy_to_js(start, end, &out, 0);
        out.buffer()
    }
}

impl JsComposite {
    /// SHA-256 of `start..end` (copied into wasm a MiB at a time).
    pub fn sha256(&self, start: u64, end: u64) -> [u8; 32] {
        let mut hasher = Sha256::new();
        self.hash_range(&mut hasher, start, end);
        hasher.finalize().into()
    }

    /// Feeds every byte to `hasher`.
    pub fn hash_into(&self, hasher: &mut Sha256) {
        self.hash_range(hasher, 0, self.byte_length());
    }

    fn hash_range(&self, hasher: &mut Sha256, start: u64, end: u64) {
        let mut buf = vec![0u8; (1 << 20).min((end - start) as usize)];
        let mut at = start;
        while at < end {
            let n = ((end - at) as usize).min(buf.len());
            self.read(at, &mut buf[..n]);
            hasher.update(&buf[..n]);
            at += n as u64;
        }
    }
}

impl ByteSource for JsComposite {
    fn byte_length(&self) -> u64 {
        self.index.byte_length()
    }

    fn read(&self, start: u64, dst: &mut [u8]) {
        let mut at = 0usize;
        for p in self.index.pieces(start, start + dst.len() as u64) {
            let n = (p.end - p.start) as usize;
            self.parts[p.part].subarray(p.start as u32, p.end as u32).copy_to(&mut dst[at..at + n]);
            at += n;
        }
    }
}
