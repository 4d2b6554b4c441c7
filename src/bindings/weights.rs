//! decodeWeights, decodeWeightsStream, encodeWeights, CompositeArrayBuffer.
//!
//! Weight bytes stay in JS buffers: unquantized weights are copied JS to JS;
//! only quantized weights pass through wasm memory, in bounded chunks.

use std::cell::RefCell;

use js_sys::{Array, ArrayBuffer, Float32Array, Function, Int32Array, Object, Promise, Uint8Array};
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::error::{Error, Result};
use super::js::{byte_view, get, present, set, to_json, type_name, JsComposite};
use crate::format::codec::{encode_strings, layout, layout_all, ByteSource, Conversion, WeightLayout};
use crate::format::composite::slice_bounds;
use crate::format::spec::{parse_specs, DType, WeightSpec};
use crate::format::FormatError;

/// Values converted per step: bounds wasm memory whatever the tensor size.
const CHUNK_VALUES: usize = 64 * 1024;

thread_local! {
    /// Reused conversion buffers: stored bytes in, values out.
    static SCRATCH: RefCell<(Vec<u8>, Vec<f32>, Vec<i32>)> = RefCell::new(Default::default());
}

/// Validated specs from a JS array.
pub fn specs_from_js(specs: &JsValue) -> Result<Vec<WeightSpec>> {
    if !Array::is_array(specs) {
        return Err(Error::invalid_argument(format!("weight specs must be an array, got {}", type_name(specs))));
    }
    Ok(parse_specs(&to_json(specs, "weight specs")?)?)
}

fn too_large(spec: &WeightSpec) -> Error {
    let mut e = Error::new(
        "E_NOT_SUPPORTED",
        format!("weight '{}' has {} values, more than one typed array can hold", spec.name, spec.size),
    );
    e.weight = Some(spec.name.clone());
    e
}

/// The typed array of one weight, read from `src` at `at`.
fn decode_data(src: &JsComposite, spec: &WeightSpec, at: &WeightLayout) -> Result<JsValue> {
    let conversion = Conversion::of(spec);
    if let Some(ranges) = &at.strings {
        return Ok(ranges.iter().map(|&(s, e)| Uint8Array::new(&src.slice(s, e))).collect::<Array>().into());
    }
    let n = u32::try_from(spec.size).map_err(|_| too_large(spec))?;
    if conversion == Conversion::Copy {
        if at.stored_bytes > u64::from(u32::MAX) {
            return Err(too_large(spec));
        }
        let kind = match spec.dtype {
            DType::Float32 | DType::Complex64 => 0,
            DType::Int32 => 1,
            _ => 2,
        };
        let mut pieces = src.index.pieces(at.offset, at.end());
        return Ok(match (pieces.next(), pieces.next()) {
            // Within one buffer (the common case): one call copies and wraps.
            (Some(p), None) => copy_typed(kind, &src.parts[p.part], p.start as u32, p.end as u32),
            _ => {
                let joined = Uint8Array::new(&src.slice(at.offset, at.end()));
                copy_typed(kind, &joined, 0, joined.length())
            }
        });
    }
    let width = spec.stored_value_bytes().unwrap_or(1) as usize;
    let int_output = matches!(conversion, Conversion::AffineI32 { .. });
    SCRATCH.with(|scratch| {
        let (bytes, floats, ints) = &mut *scratch.borrow_mut();
        if bytes.is_empty() {
            bytes.resize(CHUNK_VALUES * 2, 0);
            floats.resize(CHUNK_VALUES, 0.0);
            ints.resize(CHUNK_VALUES, 0);
        }
        // Converts values `done..done + count` into the scratch buffers and
        // returns a view of them. SAFETY: every view is consumed (copied
        // into a JS array) before wasm memory can grow.
        let mut convert = |done: usize, count: usize| -> JsValue {
            let stored = &mut bytes[..count * width];
            src.read(at.offset + (done * width) as u64, stored);
            if int_output {
                conversion.to_i32(stored, &mut ints[..count]);
                unsafe { Int32Array::view(&ints[..count]) }.into()
            } else {
                conversion.to_f32(stored, &mut floats[..count]);
                unsafe { Float32Array::view(&floats[..count]) }.into()
            }
        };
        let n = n as usize;
        if n <= CHUNK_VALUES {
            // One chunk: a single copy out of wasm memory makes the array.
            let view = convert(0, n);
            return Ok(if int_output {
                view.unchecked_into::<Int32Array>().slice(0, n as u32).into()
            } else {
                view.unchecked_into::<Float32Array>().slice(0, n as u32).into()
            });
        }
        let out: JsValue = if int_output {
            Int32Array::new_with_length(n as u32).into()
        } else {
            Float32Array::new_with_length(n as u32).into()
        };
        let mut done = 0;
        while done < n {
            let count = CHUNK_VALUES.min(n - done);
            let view = convert(done, count);
            if int_output {
                out.unchecked_ref::<Int32Array>().set(view.unchecked_ref::<Int32Array>(), done as u32);
            } else {
                out.unchecked_ref::<Float32Array>().set(view.unchecked_ref::<Float32Array>(), done as u32);
            }
            done += count;
        }
        Ok(out)
    })
}

// Building each result object in one JS call instead of a property set per
// field keeps per-weight overhead low for models with many small weights.
#[wasm_bindgen(inline_js = r#"
const DTYPES = ['float32', 'int32', 'bool', 'complex64', 'string'];
const ARRAYS = [Float32Array, Int32Array, Uint8Array];
export function copyTyped(kind, bytes, start, end) {
  return new ARRAYS[kind](bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + end));
}
export function putTensor(out, name, dtype, shape, data) {
  out[name] = { name, dtype: DTYPES[dtype], shape: Array.from(shape), data };
}
"#)]
extern "C" {
    /// A typed array (0: Float32Array, 1: Int32Array, 2: Uint8Array) over a
    /// copy of `bytes[start..end]`.
    #[wasm_bindgen(js_name = copyTyped)]
    fn copy_typed(kind: u8, bytes: &Uint8Array, start: u32, end: u32) -> JsValue;
    #[wasm_bindgen(js_name = putTensor)]
    fn put_tensor_js(out: &Object, name: &str, dtype: u8, shape: &[f64], data: &JsValue);
}

/// `out[spec.name] = {name, dtype, shape, data}`.
fn put_tensor(out: &Object, spec: &WeightSpec, data: &JsValue) {
    let dtype = match spec.dtype {
        DType::Float32 => 0,
        DType::Int32 => 1,
        DType::Bool => 2,
        DType::Complex64 => 3,
        DType::String => 4,
    };
    let shape: Vec<f64> = spec.shape.iter().map(|&d| d as f64).collect();
    put_tensor_js(out, &spec.name, dtype, &shape, data);
}

/// `decodeWeights(weightData, specs)`: every weight, in order, as typed
/// arrays. All specs are located (and checked against the data) before any
/// output is allocated. Bytes after the last weight are ignored, as in tf.io.
#[wasm_bindgen(js_name = decodeWeights, skip_typescript)]
pub fn decode_weights(weight_data: JsValue, specs: JsValue) -> std::result::Result<Object, JsValue> {
    let specs = specs_from_js(&specs)?;
    let src = JsComposite::from_js(&weight_data, "weightData")?;
    let layouts = layout_all(&specs, &src).map_err(Error::from)?;
    let out = Object::new();
    for (spec, at) in specs.iter().zip(&layouts) {
        let data = decode_data(&src, spec, at)?;
        put_tensor(&out, spec, &data);
    }
    Ok(out)
}

/// Reads a `ReadableStream` chunk by chunk.
struct StreamReader {
    reader: JsValue,
    done: bool,
}

impl StreamReader {
    fn new(stream: &JsValue) -> Result<Self> {
        let get_reader = get(stream, "getReader");
        let Some(get_reader) = get_reader.dyn_ref::<Function>() else {
            return Err(Error::invalid_argument(format!("expected a ReadableStream, got {}", type_name(stream))));
        };
        let reader = get_reader
            .call0(stream)
            .map_err(|e| Error::new("E_STREAM", "the weight stream cannot be read (is it locked?)").with_cause(e))?;
        Ok(StreamReader { reader, done: false })
    }

    async fn call(&self, method: &str) -> Result<JsValue> {
        let f: Function = get(&self.reader, method).unchecked_into();
        let promise: Promise = f
            .call0(&self.reader)
            .map_err(|e| Error::new("E_STREAM", format!("reading the weight stream failed: {method}")).with_cause(e))?
            .unchecked_into();
        JsFuture::from(promise)
            .await
            .map_err(|e| Error::new("E_STREAM", "reading the weight stream failed").with_cause(e))
    }

    /// The next non-empty chunk, or `None` at the end.
    async fn next(&mut self) -> Result<Option<Uint8Array>> {
        while !self.done {
            let result = self.call("read").await?;
            if get(&result, "done").is_truthy() {
                self.done = true;
                break;
            }
            let chunk = byte_view(&get(&result, "value"), "a weight stream chunk")?;
            if chunk.length() > 0 {
                return Ok(Some(chunk));
            }
        }
        Ok(None)
    }

    /// Stops the source (we have every byte we need) and releases the lock.
    async fn finish(mut self) {
        if !self.done {
            self.done = true;
            let _ = self.call("cancel").await;
        }
        if let Some(release) = get(&self.reader, "releaseLock").dyn_ref::<Function>() {
            let _ = release.call0(&self.reader);
        }
    }
}

/// `decodeWeightsStream(stream, specs)`: like decodeWeights, pulling chunks
/// only as far as the next weight needs. Linear in the input: chunks are
/// kept as they arrive and each weight is copied out of them once.
#[wasm_bindgen(js_name = decodeWeightsStream, skip_typescript)]
pub async fn decode_weights_stream(stream: JsValue, specs: JsValue) -> std::result::Result<Object, JsValue> {
    let specs = specs_from_js(&specs)?;
    let mut reader = StreamReader::new(&stream)?;
    let out = Object::new();
    let result: Result<()> = async {
        let mut pending: Vec<Uint8Array> = Vec::new();
        // Absolute stream offset of pending[0], and of the next weight.
        let (mut base, mut cursor) = (0u64, 0u64);
        for spec in &specs {
            loop {
                let src = JsComposite::new(pending.clone());
                match layout(spec, cursor - base, &src) {
                    Ok(at) => {
                        let data = decode_data(&src, spec, &at)?;
                        put_tensor(&out, spec, &data);
                        cursor = base + at.end();
                        break;
                    }
                    Err(e @ (FormatError::WeightDataTooShort { .. } | FormatError::StringOverrun { .. })) => {
                        let need = match e {
                            FormatError::WeightDataTooShort { end, .. } => base + end,
                            _ => base + src.byte_length() + 1,
                        };
                        let mut have = base + src.byte_length();
                        while have < need {
                            match reader.next().await? {
                                Some(chunk) => {
                                    have += u64::from(chunk.length());
                                    pending.push(chunk);
                                }
                                None => return Err(e.into()),
                            }
                        }
                    }
                    Err(e) => return Err(e.into()),
                }
            }
            // Drop the chunks this weight used up.
            while let Some(first) = pending.first() {
                let len = u64::from(first.length());
                if base + len > cursor {
                    break;
                }
                base += len;
                pending.remove(0);
            }
        }
        Ok(())
    }
    .await;
    reader.finish().await;
    result?;
    Ok(out)
}

/// One tensor to encode, resolved to its spec and bytes.
struct Encodable {
    spec: Value,
    bytes: EncodedBytes,
}

enum EncodedBytes {
    View(Uint8Array),
    Owned(Vec<u8>),
}

impl EncodedBytes {
    fn len(&self) -> u64 {
        match self {
            EncodedBytes::View(v) => u64::from(v.length()),
            EncodedBytes::Owned(v) => v.len() as u64,
        }
    }
}

async fn resolve_tensor(name: &str, tensor: &JsValue) -> Result<Encodable> {
    if !tensor.is_object() {
        return Err(Error::invalid_argument(format!("tensor '{name}' must be an object, got {}", type_name(tensor))));
    }
    let dtype_js = get(tensor, "dtype");
    let dtype_name = dtype_js.as_string().unwrap_or_else(|| type_name(&dtype_js));
    let spec_json = json!({"name": name, "shape": to_json(&get(tensor, "shape"), "shape")?, "dtype": dtype_name});
    let spec = WeightSpec::from_json(&spec_json)?;
    // A TensorFlow.js Tensor: ask it for its values.
    let data = if get(tensor, "dataSync").is_function() {
        let method = if spec.dtype == DType::String { "bytes" } else { "data" };
        let f: Function = get(tensor, method).unchecked_into();
        let promise = f
            .call0(tensor)
            .map_err(|e| Error::invalid_argument(format!("tensor '{name}'.{method}() failed")).with_cause(e))?;
        JsFuture::from(Promise::resolve(&promise))
            .await
            .map_err(|e| Error::invalid_argument(format!("tensor '{name}'.{method}() failed")).with_cause(e))?
    } else {
        get(tensor, "data")
    };
    let bytes = if spec.dtype == DType::String {
        if !Array::is_array(&data) {
            return Err(Error::invalid_argument(format!("string tensor '{name}' needs an array of strings or Uint8Arrays")));
        }
        let items: Array = data.unchecked_into();
        let elements = items
            .iter()
            .map(|v| match v.as_string() {
                Some(s) => Ok(s.into_bytes()),
                None => byte_view(&v, &format!("an element of string tensor '{name}'")).map(|b| b.to_vec()),
            })
            .collect::<Result<Vec<_>>>()?;
        if elements.len() as u64 != spec.size {
            return Err(Error::invalid_argument(format!(
                "string tensor '{name}' has {} elements but its shape needs {}",
                elements.len(),
                spec.size
            )));
        }
        EncodedBytes::Owned(encode_strings(elements.iter().map(Vec::as_slice)))
    } else {
        let typed = typed_values(spec.dtype, &data)
            .ok_or_else(|| Error::invalid_argument(format!("tensor '{name}' has no typed-array or array 'data'")))?;
        let view = byte_view(&typed, name)?;
        let want = spec.stored_bytes().unwrap_or(0);
        if u64::from(view.length()) != want {
            return Err(Error::invalid_argument(format!(
                "tensor '{name}' has {} bytes of {} data but its shape needs {want}",
                view.length(),
                spec.dtype.as_str()
            )));
        }
        EncodedBytes::View(view)
    };
    Ok(Encodable { spec: spec_json, bytes })
}

/// `data` as the typed array that stores `dtype` (converting plain arrays
/// and other typed arrays by value, as `Float32Array.from` would).
fn typed_values(dtype: DType, data: &JsValue) -> Option<JsValue> {
    if !data.is_object() {
        return None;
    }
    Some(match dtype {
        DType::Float32 | DType::Complex64 if data.is_instance_of::<Float32Array>() => data.clone(),
        DType::Int32 if data.is_instance_of::<Int32Array>() => data.clone(),
        DType::Bool if data.is_instance_of::<Uint8Array>() => data.clone(),
        DType::Float32 | DType::Complex64 => Float32Array::new(data).into(),
        DType::Int32 => Int32Array::new(data).into(),
        _ => Uint8Array::new(&Array::from(data).map(&mut |v, _, _| JsValue::from(u8::from(v.is_truthy())))).into(),
    })
}

/// `encodeWeights(tensors, group?)`: one ArrayBuffer with every tensor's
/// bytes in order, and their specs.
#[wasm_bindgen(js_name = encodeWeights, skip_typescript)]
pub async fn encode_weights(tensors: JsValue, group: JsValue) -> std::result::Result<Object, JsValue> {
    let entries: Vec<(String, JsValue)> = if Array::is_array(&tensors) {
        Array::from(&tensors)
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let name = get(&item, "name").as_string().ok_or_else(|| {
                    Error::invalid_argument(format!("tensors[{i}] needs a string 'name' and a 'tensor'"))
                })?;
                Ok((name, get(&item, "tensor")))
            })
            .collect::<Result<_>>()?
    } else if tensors.is_object() {
        Object::keys(tensors.unchecked_ref::<Object>())
            .iter()
            .map(|k| {
                let name = k.as_string().unwrap_or_default();
                let value = get(&tensors, &name);
                (name, value)
            })
            .collect()
    } else {
        return Err(Error::invalid_argument(format!("tensors must be an object or an array, got {}", type_name(&tensors))).into());
    };
    if present(&group) && !matches!(group.as_string().as_deref(), Some("model" | "optimizer")) {
        return Err(Error::invalid_argument("group must be 'model' or 'optimizer'").into());
    }
    let mut resolved = Vec::with_capacity(entries.len());
    for (name, tensor) in &entries {
        resolved.push(resolve_tensor(name, tensor).await?);
    }
    let total: u64 = resolved.iter().map(|r| r.bytes.len()).sum();
    let total = u32::try_from(total)
        .map_err(|_| Error::new("E_NOT_SUPPORTED", format!("{total} bytes of weights do not fit one ArrayBuffer")))?;
    let data = Uint8Array::new_with_length(total);
    let specs = Array::new();
    let mut at = 0u32;
    for r in &resolved {
        let len = r.bytes.len() as u32;
        match &r.bytes {
            EncodedBytes::View(v) => data.set(v, at),
            EncodedBytes::Owned(b) => data.subarray(at, at + len).copy_from(b),
        }
        at += len;
        let spec = super::js::from_json(&r.spec);
        if present(&group) {
            set(spec.unchecked_ref(), "group", &group);
        }
        specs.push(&spec);
    }
    let out = Object::new();
    set(&out, "data", &data.buffer());
    set(&out, "specs", &specs);
    Ok(out)
}

/// Several buffers seen as one (`tf.io.CompositeArrayBuffer`).
#[wasm_bindgen(js_name = CompositeArrayBuffer, skip_typescript)]
pub struct CompositeArrayBuffer {
    inner: JsComposite,
}

#[wasm_bindgen(js_class = CompositeArrayBuffer)]
impl CompositeArrayBuffer {
    #[wasm_bindgen(constructor)]
    pub fn new(buffers: JsValue) -> std::result::Result<CompositeArrayBuffer, JsValue> {
        Ok(CompositeArrayBuffer { inner: JsComposite::from_js(&buffers, "buffers")? })
    }

    #[wasm_bindgen(getter, js_name = byteLength)]
    pub fn byte_length(&self) -> f64 {
        self.inner.byte_length() as f64
    }

    /// A copy of `start..end`; NaN counts as 0, bounds are clamped.
    pub fn slice(&self, start: Option<f64>, end: Option<f64>) -> ArrayBuffer {
        let (s, e) = slice_bounds(start, end, self.inner.byte_length());
        if s == e {
            return ArrayBuffer::new(0);
        }
        self.inner.slice(s, e)
    }

    /// All buffers joined into one new ArrayBuffer.
    pub fn join(buffers: JsValue) -> std::result::Result<ArrayBuffer, JsValue> {
        let inner = JsComposite::from_js(&buffers, "buffers")?;
        let len = inner.byte_length();
        let out = Uint8Array::new_with_length(u32::try_from(len).map_err(|_| {
            Error::new("E_NOT_SUPPORTED", format!("{len} bytes do not fit one ArrayBuffer"))
        })?);
        inner.copy_to_js(0, len, &out, 0);
        Ok(out.buffer())
    }
}

/// `concatenateArrayBuffers(buffers)`: same as `CompositeArrayBuffer.join`.
#[wasm_bindgen(js_name = concatenateArrayBuffers, skip_typescript)]
pub fn concatenate_array_buffers(buffers: JsValue) -> std::result::Result<ArrayBuffer, JsValue> {
    CompositeArrayBuffer::join(buffers)
}
