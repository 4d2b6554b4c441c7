//! decodeWeights, decodeWeightsStream, encodeWeights, CompositeArrayBuffer.
//!
//! Weight bytes stay in JS buffers: unquantized weights are copied JS to JS;
//! only quantized weights pass through wasm memory, in bounded chunks.

use crate::format::Code;
use std::cell::RefCell;

use js_sys::{Array, ArrayBuffer, Float32Array, Function, Int32Array, Object, Promise, Uint8Array};
use serde_json::{json, Value};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::error::{Error, Result};
use super::js::{byte_view, get, present, promise, set, to_json, type_name, JsComposite};
use crate::format::codec::{encode_strings, layout, layout_all, ByteSource, Conversion, WeightLayout};
use crate::format::composite::slice_bounds;
use crate::format::spec::{parse_specs, DType, Quantization, WeightSpec};
use crate::format::FormatError;

/// Values converted per step: bounds wasm memory (4 MiB of float32 scratch)
/// whatever the tensor size, and lets most tensors leave wasm in one copy.
const CHUNK_VALUES: usize = 1 << 20;
/// Bytes a stream decode reads past its last weight to see the stream end.
const TRAILING_BYTES_READ: u64 = 64 * 1024;
/// Stored bytes of consecutive quantized weights read into wasm at once, so
/// models with many small weights cross the boundary once per window.
const WINDOW_BYTES: usize = 2 << 20;

/// Stored bytes read into wasm memory: a window over the source.
#[derive(Default)]
struct Window {
    start: u64,
    /// Valid bytes at the front of `bytes` (which only grows, so it is not
    /// zero-filled again on every refill).
    len: usize,
    bytes: Vec<u8>,
}

impl Window {
    /// Bytes `start..start + len` of `src`, reading ahead up to `limit`
    /// (the end of the run of quantized weights being decoded).
    fn get(&mut self, src: &JsComposite, start: u64, len: usize, limit: u64) -> &[u8] {
        if start < self.start || start + len as u64 > self.start + self.len as u64 {
            let want = (len.max(WINDOW_BYTES) as u64).min(limit - start) as usize;
            grow(&mut self.bytes, want);
            src.read(start, &mut self.bytes[..want]);
            (self.start, self.len) = (start, want);
        }
        let at = (start - self.start) as usize;
        &self.bytes[at..at + len]
    }

    /// Forgets what it holds (the source changes).
    fn reset(&mut self) {
        (self.start, self.len) = (0, 0);
    }
}

/// Makes `buf` at least `len` long, never shrinking it.
fn grow<T: Default + Clone>(buf: &mut Vec<T>, len: usize) {
    if buf.len() < len {
        buf.resize(len, T::default());
    }
}

/// Reused wasm-side buffers: stored bytes in, converted values out.
#[derive(Default)]
struct Scratch {
    window: Window,
    floats: Vec<f32>,
    ints: Vec<i32>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

#[wasm_bindgen(module = "/src/glue.js")]
extern "C" {
    /// `[scale, min]` of every spec, as JS numbers.
    #[wasm_bindgen(js_name = quantParams)]
    fn quant_params(specs: &JsValue) -> Vec<f64>;
    /// `reader.cancel()`, its outcome ignored.
    #[wasm_bindgen(js_name = cancelReader)]
    pub fn cancel_reader(reader: &JsValue);
}

/// Validated specs from a JS array. Affine `scale`/`min` are the JS numbers
/// themselves: parsing their JSON text in wasm could be off by one ulp (see
/// Cargo.toml), and they must match what TensorFlow.js multiplies by.
pub fn specs_from_js(specs: &JsValue) -> Result<Vec<WeightSpec>> {
    if !Array::is_array(specs) {
        return Err(Error::invalid_argument(format!("weight specs must be an array, got {}", type_name(specs))));
    }
    let mut parsed = parse_specs(&to_json(specs, "weight specs")?)?;
    let exact = quant_params(specs);
    for (i, spec) in parsed.iter_mut().enumerate() {
        if let Some(Quantization::Affine { scale, min, .. }) = &mut spec.quantization {
            (*scale, *min) = (exact[2 * i], exact[2 * i + 1]);
        }
    }
    Ok(parsed)
}

fn too_large(spec: &WeightSpec) -> Error {
    let mut e = Error::new(
        Code::NotSupported,
        format!("weight '{}' has {} values, more than one typed array can hold", spec.name, spec.size),
    );
    e.weight = Some(spec.name.clone());
    e
}

// Each result entry is made by one JS call that also makes (or copies) its
// typed array: per-weight overhead is what dominates models with many small
// weights. Names, dtypes and shapes come from the caller's (validated) spec
// objects, so no strings cross the boundary.
#[wasm_bindgen(module = "/src/glue.js")]
extern "C" {
    /// `out[name]` over a copy of `bytes[start..end]` as array `kind`
    /// (0: Float32Array, 1: Int32Array, 2: Uint8Array).
    #[wasm_bindgen(js_name = putCopy)]
    fn put_copy(out: &Object, specs: &Array, i: u32, kind: u8, bytes: &Uint8Array, start: u32, end: u32);
    /// `out[name]` over `bytes` itself, as array `kind`.
    #[wasm_bindgen(js_name = putWrapped)]
    fn put_wrapped(out: &Object, specs: &Array, i: u32, kind: u8, bytes: &Uint8Array);
    /// `out[name]` over a copy of values in wasm memory.
    #[wasm_bindgen(js_name = putCopyOf)]
    fn put_copy_of_f32(out: &Object, specs: &Array, i: u32, values: &[f32]);
    #[wasm_bindgen(js_name = putCopyOf)]
    fn put_copy_of_i32(out: &Object, specs: &Array, i: u32, values: &[i32]);
    #[wasm_bindgen(js_name = putValue)]
    fn put_value(out: &Object, specs: &Array, i: u32, data: &JsValue);
    /// `out[name]` over views of `bytes` at `bounds` (start, end pairs).
    #[wasm_bindgen(js_name = putStrings)]
    fn put_strings(out: &Object, specs: &Array, i: u32, bytes: &Uint8Array, bounds: &[u32]);
}

/// Writes decoded weights into a result object.
struct Decoder<'a> {
    src: &'a JsComposite,
    specs: &'a Array,
    out: &'a Object,
}

impl Decoder<'_> {
    /// Decodes weight `i` located at `at`; `limit` bounds read-ahead.
    fn put(&self, i: u32, spec: &WeightSpec, at: &WeightLayout, limit: u64, scratch: &mut Scratch) -> Result<()> {
        let (src, specs, out) = (self.src, self.specs, self.out);
        if let Some(ranges) = &at.strings {
            if at.stored_bytes > u64::from(u32::MAX) {
                return Err(too_large(spec));
            }
            let bounds: Vec<u32> =
                ranges.iter().flat_map(|&(s, e)| [(s - at.offset) as u32, (e - at.offset) as u32]).collect();
            put_strings(out, specs, i, &Uint8Array::new(&src.slice(at.offset, at.end())), &bounds);
            return Ok(());
        }
        let n = usize::try_from(spec.size).ok().filter(|&n| n <= u32::MAX as usize).ok_or_else(|| too_large(spec))?;
        let conversion = Conversion::of(spec);
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
            match (pieces.next(), pieces.next()) {
                (Some(p), None) => put_copy(out, specs, i, kind, &src.parts[p.part], p.start as u32, p.end as u32),
                // Across buffers: join once, then wrap without another copy.
                _ => put_wrapped(out, specs, i, kind, &Uint8Array::new(&src.slice(at.offset, at.end()))),
            }
            return Ok(());
        }
        let width = spec.stored_value_bytes().unwrap_or(1) as usize;
        let int_output = matches!(conversion, Conversion::AffineI32 { .. });
        let chunk = CHUNK_VALUES.min(n);
        if int_output {
            grow(&mut scratch.ints, chunk);
        } else {
            grow(&mut scratch.floats, chunk);
        }
        // Converts values `done..done + count` into scratch.
        let convert = |scratch: &mut Scratch, done: usize, count: usize| {
            let start = at.offset + (done * width) as u64;
            let stored = scratch.window.get(src, start, count * width, limit);
            if int_output {
                conversion.to_i32(stored, &mut scratch.ints[..count]);
            } else {
                conversion.to_f32(stored, &mut scratch.floats[..count]);
            }
        };
        if n <= CHUNK_VALUES {
            // One chunk: one copy out of wasm memory makes the array.
            convert(scratch, 0, n);
            if int_output {
                put_copy_of_i32(out, specs, i, &scratch.ints[..n]);
            } else {
                put_copy_of_f32(out, specs, i, &scratch.floats[..n]);
            }
            return Ok(());
        }
        let target: JsValue = if int_output {
            Int32Array::new_with_length(n as u32).into()
        } else {
            Float32Array::new_with_length(n as u32).into()
        };
        let mut done = 0;
        while done < n {
            let count = CHUNK_VALUES.min(n - done);
            convert(scratch, done, count);
            // SAFETY: the views are consumed by `set` before wasm memory can grow.
            unsafe {
                if int_output {
                    target.unchecked_ref::<Int32Array>().set(&Int32Array::view(&scratch.ints[..count]), done as u32);
                } else {
                    target
                        .unchecked_ref::<Float32Array>()
                        .set(&Float32Array::view(&scratch.floats[..count]), done as u32);
                }
            }
            done += count;
        }
        put_value(out, specs, i, &target);
        Ok(())
    }
}

/// `decodeWeights(weightData, specs)`: every weight, in order, as typed
/// arrays. All specs are located (and checked against the data) before any
/// output is allocated. Bytes after the last weight are ignored, as in tf.io.
#[wasm_bindgen(js_name = decodeWeights, skip_typescript)]
pub fn decode_weights(weight_data: JsValue, specs: JsValue) -> Result<Object> {
    let parsed = specs_from_js(&specs)?;
    let src = JsComposite::from_js(&weight_data, "weightData")?;
    let layouts = layout_all(&parsed, &src).map_err(Error::from)?;
    // Read-ahead limit per weight: the end of its run of quantized weights.
    let mut limits = vec![0u64; parsed.len()];
    let mut run_end = 0;
    for (i, (spec, at)) in parsed.iter().zip(&layouts).enumerate().rev() {
        let quantized = !matches!(Conversion::of(spec), Conversion::Copy | Conversion::Strings);
        run_end = if !quantized {
            0
        } else if run_end == 0 {
            at.end()
        } else {
            run_end
        };
        limits[i] = run_end.max(at.end());
    }
    let out = Object::new();
    let decoder = Decoder { src: &src, specs: specs.unchecked_ref(), out: &out };
    SCRATCH.with(|scratch| {
        let scratch = &mut *scratch.borrow_mut();
        scratch.window.reset();
        for (i, ((spec, at), limit)) in parsed.iter().zip(&layouts).zip(&limits).enumerate() {
            decoder.put(i as u32, spec, at, *limit, scratch)?;
        }
        scratch.window.reset();
        Ok::<_, Error>(())
    })?;
    Ok(out)
}

/// A JS error's message.
fn describe_js(error: &JsValue) -> String {
    get(error, "message").as_string().or_else(|| error.as_string()).unwrap_or_else(|| type_name(error))
}

/// Reads a `ReadableStream` chunk by chunk.
pub struct StreamReader {
    reader: JsValue,
    done: bool,
}

impl StreamReader {
    pub fn new(stream: &JsValue) -> Result<Self> {
        let get_reader = get(stream, "getReader");
        let Some(get_reader) = get_reader.dyn_ref::<Function>() else {
            return Err(Error::invalid_argument(format!("expected a ReadableStream, got {}", type_name(stream))));
        };
        let reader = get_reader
            .call0(stream)
            .map_err(|e| Error::new(Code::Stream, "the weight stream cannot be read (is it locked?)").with_cause(e))?;
        Ok(StreamReader { reader, done: false })
    }

    async fn call(&self, method: &str) -> Result<JsValue> {
        let f: Function = get(&self.reader, method).unchecked_into();
        let promise: Promise = f
            .call0(&self.reader)
            .map_err(|e| Error::new(Code::Stream, format!("reading the weight stream failed: {method}")).with_cause(e))?
            .unchecked_into();
        JsFuture::from(promise).await.map_err(|e| {
            // Our own errors (a weight stream's status, size, hash or abort
            // error) pass through as they are; others are wrapped.
            if get(&e, "name").as_string().as_deref() == Some("ModelArtifactsError") {
                Error::thrown(e)
            } else {
                Error::new(Code::Stream, format!("reading the weight stream failed: {}", describe_js(&e))).with_cause(e)
            }
        })
    }

    /// The next non-empty chunk, or `None` at the end.
    pub async fn next(&mut self) -> Result<Option<Uint8Array>> {
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

    /// Reads on past the last weight, so a source that verifies its data at
    /// the end (sizes, hashes, progress) gets to do so and can still fail the
    /// decode. Gives up after `limit` trailing bytes (extra data is ignored,
    /// as in tf.io).
    async fn drain(&mut self, limit: u64) -> Result<()> {
        let mut trailing = 0u64;
        while trailing <= limit {
            match self.next().await? {
                Some(chunk) => trailing += u64::from(chunk.length()),
                None => break,
            }
        }
        Ok(())
    }

    /// Stops the source (we have every byte we need, or a save failed)
    /// without waiting for it to stop, and releases the lock.
    pub fn stop(&mut self) {
        if !self.done {
            self.done = true;
            cancel_reader(&self.reader);
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
pub fn decode_weights_stream_js(stream: JsValue, specs: JsValue, options: JsValue) -> Promise {
    promise(async move { Ok(decode_weights_stream(stream, specs, options).await?.into()) })
}

pub async fn decode_weights_stream(stream: JsValue, specs: JsValue, options: JsValue) -> Result<Object> {
    let parsed = specs_from_js(&specs)?;
    let on_tensor = get(&options, "onTensor");
    let on_tensor: Option<Function> = if present(&on_tensor) {
        Some(on_tensor.dyn_into().map_err(|v| {
            Error::invalid_argument(format!("options.onTensor must be a function, got {}", type_name(&v)))
        })?)
    } else {
        None
    };
    let specs_js: &Array = specs.unchecked_ref();
    let mut reader = StreamReader::new(&stream)?;
    let out = Object::new();
    let result: Result<()> = async {
        let mut pending: Vec<Uint8Array> = Vec::new();
        // Absolute stream offset of pending[0], and of the next weight.
        let (mut base, mut cursor) = (0u64, 0u64);
        for (index, spec) in parsed.iter().enumerate() {
            loop {
                let src = JsComposite::new(pending.clone());
                match layout(spec, cursor - base, &src) {
                    Ok(at) => {
                        // Tensors handed to onTensor are not kept: memory stays
                        // bounded by the largest tensor.
                        let holder = if on_tensor.is_some() { Object::new() } else { out.clone() };
                        let decoder = Decoder { src: &src, specs: specs_js, out: &holder };
                        SCRATCH.with(|scratch| {
                            let scratch = &mut *scratch.borrow_mut();
                            scratch.window.reset();
                            let done = decoder.put(index as u32, spec, &at, at.end(), scratch);
                            scratch.window.reset();
                            done
                        })?;
                        if let Some(callback) = &on_tensor {
                            let tensor = get(&holder, &spec.name);
                            callback.call1(&JsValue::NULL, &tensor).map_err(Error::thrown)?;
                        }
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
        reader.drain(TRAILING_BYTES_READ).await
    }
    .await;
    reader.stop();
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
            return Err(Error::invalid_argument(format!(
                "string tensor '{name}' needs an array of strings or Uint8Arrays"
            )));
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
pub fn encode_weights_js(tensors: JsValue, group: JsValue) -> Promise {
    promise(async move { Ok(encode_weights(tensors, group).await?.into()) })
}

pub async fn encode_weights(tensors: JsValue, group: JsValue) -> Result<Object> {
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
        return Err(Error::invalid_argument(format!(
            "tensors must be an object or an array, got {}",
            type_name(&tensors)
        )));
    };
    if present(&group) && !matches!(group.as_string().as_deref(), Some("model" | "optimizer")) {
        return Err(Error::invalid_argument("group must be 'model' or 'optimizer'"));
    }
    let mut resolved = Vec::with_capacity(entries.len());
    for (name, tensor) in &entries {
        resolved.push(resolve_tensor(name, tensor).await?);
    }
    let total: u64 = resolved.iter().map(|r| r.bytes.len()).sum();
    let total = u32::try_from(total)
        .map_err(|_| Error::new(Code::NotSupported, format!("{total} bytes of weights do not fit one ArrayBuffer")))?;
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
    pub fn new(buffers: JsValue) -> Result<CompositeArrayBuffer> {
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
    pub fn join(buffers: JsValue) -> Result<ArrayBuffer> {
        let inner = JsComposite::from_js(&buffers, "buffers")?;
        let len = inner.byte_length();
        let out = Uint8Array::new_with_length(
            u32::try_from(len)
                .map_err(|_| Error::new(Code::NotSupported, format!("{len} bytes do not fit one ArrayBuffer")))?,
        );
        inner.copy_to_js(0, len, &out, 0);
        Ok(out.buffer())
    }
}

/// `concatenateArrayBuffers(buffers)`: same as `CompositeArrayBuffer.join`.
#[wasm_bindgen(js_name = concatenateArrayBuffers, skip_typescript)]
pub fn concatenate_array_buffers(buffers: JsValue) -> Result<ArrayBuffer> {
    CompositeArrayBuffer::join(buffers)
}
