//! Format functions over whole artifacts: model.json <-> ModelArtifacts,
//! ModelArtifactsInfo, quantizeArtifacts, shardArtifacts.

use crate::format::Code;
use js_sys::{Array, ArrayBuffer, Date, Function, Object, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::error::{Error, Result};
use super::js::{
    from_json, get, integer_option, present, promise, set, stringified_byte_length, to_json, type_name, JsComposite,
};
use super::weights::specs_from_js;
use crate::format::codec::{layout, layout_all};
use crate::format::integrity::to_hex;
use crate::format::model_json::ModelJson;
use crate::format::pattern;
use crate::format::quantize::{quantize, Segment};
use crate::format::shards::{self, ShardFile, DEFAULT_SHARD_SIZE};
use crate::format::spec::QuantDType;

type JsResult<T> = std::result::Result<T, JsValue>;

#[wasm_bindgen]
extern "C" {
    /// `JSON.parse` of a JS string as it is (no copy through Rust).
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    pub(crate) fn json_parse(text: &JsValue) -> JsResult<JsValue>;
}

/// Optional artifact fields copied when `!= null`, in TensorFlow.js's order.
const OPTIONAL_FIELDS: [&str; 4] = ["signature", "userDefinedMetadata", "modelInitializer", "initializerSignature"];

fn binary_topology(what: &str) -> Error {
    Error::new(
        Code::BinaryTopology,
        format!("{what}: expected a JSON model topology, received an ArrayBuffer (binary GraphDef)"),
    )
}

fn object_arg(value: &JsValue, what: &str) -> Result<()> {
    if value.is_object() && !Array::is_array(value) {
        Ok(())
    } else {
        Err(Error::invalid_argument(format!("{what} must be an object, got {}", type_name(value))))
    }
}

/// `getModelArtifactsInfoForJSON(artifacts)`.
#[wasm_bindgen(js_name = getModelArtifactsInfoForJSON, skip_typescript)]
pub fn get_model_artifacts_info_for_json(artifacts: JsValue) -> Result<Object> {
    object_arg(&artifacts, "modelArtifacts")?;
    let topology = get(&artifacts, "modelTopology");
    if topology.is_instance_of::<ArrayBuffer>() {
        return Err(binary_topology("getModelArtifactsInfoForJSON"));
    }
    let bytes_of = |key: &str| -> Result<u64> {
        let v = get(&artifacts, key);
        if present(&v) {
            stringified_byte_length(&v, key)
        } else {
            Ok(0)
        }
    };
    let info = Object::new();
    set(&info, "dateSaved", &Date::new_0());
    set(&info, "modelTopologyType", &"JSON".into());
    set(&info, "modelTopologyBytes", &(bytes_of("modelTopology")? as f64).into());
    set(&info, "weightSpecsBytes", &(bytes_of("weightSpecs")? as f64).into());
    let data = JsComposite::from_js(&get(&artifacts, "weightData"), "weightData")?;
    set(&info, "weightDataBytes", &(data.index.byte_length() as f64).into());
    Ok(info)
}

/// `getModelArtifactsForJSONSync(modelJSON, weightSpecs?, weightData?)`:
/// the caller's specs are validated here.
#[wasm_bindgen(js_name = getModelArtifactsForJSONSync, skip_typescript)]
pub fn get_model_artifacts_for_json_sync(
    model_json: JsValue,
    weight_specs: JsValue,
    weight_data: JsValue,
) -> Result<Object> {
    let out = artifacts_for_model_json(model_json, weight_specs.clone(), weight_data)?;
    if present(&get(&out, "weightSpecs")) {
        specs_from_js(&weight_specs)?;
    }
    Ok(out)
}

/// The artifacts of `model_json` with these weights, for a handler whose
/// specs were validated when its model.json was parsed (not parsed again).
pub fn artifacts_for_model_json(model_json: JsValue, weight_specs: JsValue, weight_data: JsValue) -> Result<Object> {
    object_arg(&model_json, "modelJSON")?;
    let field = |k: &str| get(&model_json, k);
    let manifest = field("weightsManifest");
    if !present(&field("modelTopology")) && !present(&manifest) {
        return Err(Error::new(
            Code::InvalidModelJson,
            "modelJSON contains neither 'modelTopology' nor 'weightsManifest'",
        ));
    }
    let out = Object::new();
    for key in ["modelTopology", "format", "generatedBy", "convertedBy"] {
        set(&out, key, &field(key));
    }
    if present(&field("trainingConfig")) {
        set(&out, "trainingConfig", &field("trainingConfig"));
    }
    if present(&manifest) {
        if !present(&weight_specs) {
            return Err(Error::invalid_argument("modelJSON has weightsManifest but weightSpecs is null"));
        }
        if !present(&weight_data) {
            return Err(Error::invalid_argument("modelJSON has weightsManifest but weightData is null"));
        }
        set(&out, "weightSpecs", &weight_specs);
        set(&out, "weightData", &weight_data);
    }
    for key in OPTIONAL_FIELDS {
        if present(&field(key)) {
            set(&out, key, &field(key));
        }
    }
    Ok(out)
}

/// `getModelArtifactsForJSON(modelJSON, loadWeights)` (through `js::promise`,
/// as every async export).
#[wasm_bindgen(js_name = getModelArtifactsForJSON, skip_typescript)]
pub fn get_model_artifacts_for_json_js(model_json: JsValue, load_weights: JsValue) -> Promise {
    promise(async move { Ok(get_model_artifacts_for_json(model_json, load_weights).await?.into()) })
}

pub async fn get_model_artifacts_for_json(model_json: JsValue, load_weights: JsValue) -> Result<Object> {
    object_arg(&model_json, "modelJSON")?;
    let manifest = get(&model_json, "weightsManifest");
    let (mut specs, mut data) = (JsValue::UNDEFINED, JsValue::UNDEFINED);
    if present(&manifest) {
        let Some(loader) = load_weights.dyn_ref::<Function>() else {
            return Err(Error::invalid_argument("loadWeights must be a function"));
        };
        let called = loader.call1(&JsValue::NULL, &manifest).map_err(Error::thrown)?;
        let result = JsFuture::from(Promise::resolve(&called)).await.map_err(Error::thrown)?;
        if !Array::is_array(&result) {
            return Err(Error::invalid_argument("loadWeights must resolve to [weightSpecs, weightData]"));
        }
        let pair: Array = result.unchecked_into();
        (specs, data) = (pair.get(0), pair.get(1));
    }
    get_model_artifacts_for_json_sync(model_json, specs, data)
}

/// `getModelJSONForModelArtifacts(artifacts, manifest)`.
#[wasm_bindgen(js_name = getModelJSONForModelArtifacts, skip_typescript)]
pub fn get_model_json_for_model_artifacts(artifacts: JsValue, manifest: JsValue) -> Result<Object> {
    object_arg(&artifacts, "modelArtifacts")?;
    let field = |k: &str| get(&artifacts, k);
    let out = Object::new();
    for key in ["modelTopology", "format", "generatedBy", "convertedBy"] {
        set(&out, key, &field(key));
    }
    set(&out, "weightsManifest", &manifest);
    for key in OPTIONAL_FIELDS.into_iter().chain(["trainingConfig"]) {
        if present(&field(key)) {
            set(&out, key, &field(key));
        }
    }
    Ok(out)
}

/// `getWeightSpecs(manifest)`: the groups' weights, flattened in order
/// (the same objects, not copies).
#[wasm_bindgen(js_name = getWeightSpecs, skip_typescript)]
pub fn get_weight_specs(manifest: JsValue) -> Result<Array> {
    if !Array::is_array(&manifest) {
        return Err(Error::invalid_argument(format!("weightsManifest must be an array, got {}", type_name(&manifest))));
    }
    let out = Array::new();
    for (i, group) in Array::from(&manifest).iter().enumerate() {
        let weights = get(&group, "weights");
        if !Array::is_array(&weights) {
            return Err(Error::new(Code::InvalidModelJson, format!("weightsManifest[{i}] has no 'weights' array")));
        }
        for w in Array::from(&weights).iter() {
            out.push(&w);
        }
    }
    Ok(out)
}

/// `getWeightLayout(specs, weightData?)`: where each weight's stored bytes
/// are, `[{name, offset, byteLength}]` in spec order, by the same rules as
/// decoding (the CLI and the demo show it). String weights are measured
/// through their length prefixes in `weightData`. From the first weight that
/// cannot be measured (a string weight without `weightData`, or data that
/// ends too soon) on, `byteLength` is null, and so is every later `offset`.
#[wasm_bindgen(js_name = getWeightLayout, skip_typescript)]
pub fn get_weight_layout(specs: JsValue, weight_data: JsValue) -> Result<Array> {
    let specs = specs_from_js(&specs)?;
    let data = if present(&weight_data) { Some(JsComposite::from_js(&weight_data, "weightData")?) } else { None };
    let out = Array::new();
    let mut offset = Some(0u64);
    for spec in &specs {
        let byte_length = offset.and_then(|at| match &data {
            Some(data) => layout(spec, at, data).ok().map(|l| l.stored_bytes),
            None => spec.stored_bytes(),
        });
        let entry = Object::new();
        set(&entry, "name", &spec.name.as_str().into());
        set(&entry, "offset", &offset.map_or(JsValue::NULL, |n| (n as f64).into()));
        set(&entry, "byteLength", &byte_length.map_or(JsValue::NULL, |n| (n as f64).into()));
        out.push(&entry);
        offset = offset.zip(byte_length).map(|(at, n)| at + n);
    }
    Ok(out)
}

/// `parseModelJSON(text)`: parses and validates model.json text.
#[wasm_bindgen(js_name = parseModelJSON, skip_typescript)]
pub fn parse_model_json(text: JsValue) -> Result<JsValue> {
    string_arg(&text, "parseModelJSON")?;
    Ok(model_json_from_text(&text, "model.json")?.0)
}

/// model.json text as TensorFlow.js reads it, `JSON.parse`'s own objects
/// (any nesting depth, any string, numbers exactly), and its validated
/// manifest. Only the manifest crosses into Rust; the topology never does.
/// `source` names the file or URL in errors.
pub fn model_json_from_text(text: &JsValue, source: &str) -> Result<(JsValue, ModelJson)> {
    let js = json_parse(text).map_err(|e| {
        let detail = get(&e, "message").as_string().unwrap_or_default();
        Error::new(Code::InvalidJson, format!("invalid JSON in {source}: {detail}")).with_cause(e)
    })?;
    if !js.is_object() || Array::is_array(&js) {
        return Err(Error::new(
            Code::InvalidModelJson,
            format!("{source}: model JSON must be an object, got {}", type_name(&js)),
        ));
    }
    let manifest = get(&js, "weightsManifest");
    let manifest = if present(&manifest) { Some(to_json(&manifest, "weightsManifest")?) } else { None };
    let model = ModelJson::from_parts(present(&get(&js, "modelTopology")), manifest.as_ref(), source)?;
    Ok((js, model))
}

/// The binary form, `[model.pb, weights_manifest.json]`, as one model: the
/// bare manifest's text (named `source` in errors) read as a model.json that
/// holds only it, with the GraphDef bytes as its topology. (http and
/// `file://` read the two files their own way.)
pub fn binary_form_model(topology: &JsValue, manifest_text: &str, source: &str) -> Result<(JsValue, ModelJson)> {
    let text = format!("{{\"weightsManifest\":{manifest_text}}}");
    let (js, model) = model_json_from_text(&text.into(), source)?;
    set(js.unchecked_ref(), "modelTopology", topology);
    Ok((js, model))
}

/// `isHTTPScheme(url)`: `/^https?:\/\//`.
#[wasm_bindgen(js_name = isHTTPScheme, skip_typescript)]
pub fn is_http_scheme(url: JsValue) -> Result<bool> {
    let url = string_arg(&url, "isHTTPScheme")?;
    Ok(url.starts_with("http://") || url.starts_with("https://"))
}

fn string_arg(value: &JsValue, what: &str) -> Result<String> {
    value
        .as_string()
        .ok_or_else(|| Error::invalid_argument(format!("{what} expects a string, got {}", type_name(value))))
}

fn weights_of(artifacts: &JsValue, what: &str) -> Result<(JsValue, JsComposite)> {
    object_arg(artifacts, "modelArtifacts")?;
    let specs = get(artifacts, "weightSpecs");
    let data = get(artifacts, "weightData");
    if !present(&specs) || (!present(&data) && Array::from(&specs).length() > 0) {
        return Err(Error::invalid_argument(format!(
            "{what} needs weightSpecs and weightData (artifacts loaded with streamWeights have no weightData)"
        )));
    }
    Ok((specs, JsComposite::from_js(&data, "weightData")?))
}

/// Checks that `specs` (when given) decode from `data`, so that no
/// undecodable model is saved.
#[inline(never)]
pub fn check_layout(specs: &JsValue, data: &JsComposite) -> Result<()> {
    if present(specs) {
        layout_all(&specs_from_js(specs)?, data)?;
    }
    Ok(())
}

/// The model.json of `artifacts` saved as the weight files `files`, as
/// `shardArtifacts`, `fileSystem().save` and OPFS write it: one group
/// listing every file, with their sha256 where given. The caller checked
/// the weights against the specs first (`SaveWeights`), so no undecodable
/// model is written; without specs (a topology-only model) the manifest is
/// still loadable.
#[inline(never)]
pub fn sharded_model_json(
    artifacts: &JsValue,
    specs: &JsValue,
    files: &[ShardFile],
    hashes: Option<&[[u8; 32]]>,
) -> Result<Object> {
    let group = Object::new();
    set(&group, "paths", &files.iter().map(|f| JsValue::from_str(&f.path)).collect::<Array>());
    set(&group, "weights", &if present(specs) { specs.clone() } else { Array::new().into() });
    if let Some(hashes) = hashes {
        set(&group, "sha256", &hashes.iter().map(|h| JsValue::from_str(&to_hex(h))).collect::<Array>());
    }
    get_model_json_for_model_artifacts(artifacts.clone(), Array::of1(&group).into())
}

/// `quantizeArtifacts(artifacts, {dtype, weights?})`.
#[wasm_bindgen(js_name = quantizeArtifacts, skip_typescript)]
pub fn quantize_artifacts(artifacts: JsValue, options: JsValue) -> Result<Object> {
    let dtype = match get(&options, "dtype").as_string().as_deref() {
        Some("float16") => QuantDType::Float16,
        Some("uint8") => QuantDType::Uint8,
        Some("uint16") => QuantDType::Uint16,
        _ => {
            return Err(Error::invalid_argument(
                "quantizeArtifacts: options.dtype must be 'float16', 'uint8' or 'uint16'",
            ))
        }
    };
    let patterns = weight_patterns(&get(&options, "weights"))?;
    let (specs_js, src) = weights_of(&artifacts, "quantizeArtifacts")?;
    let specs = to_json(&specs_js, "weightSpecs")?;
    let specs = specs.as_array().cloned().unwrap_or_default();
    if let Some(patterns) = &patterns {
        for p in patterns {
            if !specs.iter().any(|s| s["name"].as_str().is_some_and(|n| pattern::matches(p, n))) {
                return Err(Error::invalid_argument(format!("quantizeArtifacts: no weight matches '{p}'")));
            }
        }
    }
    let select = |name: &str| patterns.as_ref().is_none_or(|ps| ps.iter().any(|p| pattern::matches(p, name)));
    let result = quantize(&specs, &src, dtype, select).map_err(Error::from)?;
    let total: u64 = result
        .segments
        .iter()
        .map(|s| match s {
            Segment::Source { start, end } => end - start,
            Segment::Bytes(b) => b.len() as u64,
        })
        .sum();
    let data =
        Uint8Array::new_with_length(u32::try_from(total).map_err(|_| {
            Error::new(Code::NotSupported, format!("{total} bytes of weights do not fit one ArrayBuffer"))
        })?);
    let mut at = 0u32;
    for segment in &result.segments {
        match segment {
            Segment::Source { start, end } => {
                src.copy_to_js(*start, *end, &data, at);
                at += (end - start) as u32;
            }
            Segment::Bytes(bytes) => {
                data.subarray(at, at + bytes.len() as u32).copy_from(bytes);
                at += bytes.len() as u32;
            }
        }
    }
    // Untouched specs stay the caller's objects (numbers exactly as given);
    // quantized ones are new.
    let originals = Array::from(&specs_js);
    let new_specs: Array = result
        .specs
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let original = originals.get(i as u32);
            if !result.quantized.contains(&i) {
                return original;
            }
            // The caller's name itself (the Rust copy may have lost a lone surrogate).
            let quantized = from_json(spec);
            set(quantized.unchecked_ref(), "name", &get(&original, "name"));
            quantized
        })
        .collect();
    let out = Object::assign(&Object::new(), artifacts.unchecked_ref());
    set(&out, "weightSpecs", &new_specs);
    set(&out, "weightData", &data.buffer());
    Ok(out)
}

fn weight_patterns(value: &JsValue) -> Result<Option<Vec<String>>> {
    if !present(value) {
        return Ok(None);
    }
    let list: Vec<JsValue> =
        if Array::is_array(value) { Array::from(value).iter().collect() } else { vec![value.clone()] };
    list.iter()
        .map(|v| {
            v.as_string().ok_or_else(|| {
                Error::invalid_argument("quantizeArtifacts: options.weights must be a string or an array of strings")
            })
        })
        .collect::<Result<Vec<_>>>()
        .map(Some)
}

/// `shardArtifacts(artifacts, {shardSizeBytes})`: converter-named shard
/// files and the model.json that lists them.
#[wasm_bindgen(js_name = shardArtifacts, skip_typescript)]
pub fn shard_artifacts(artifacts: JsValue, options: JsValue) -> Result<Object> {
    let shard_size = integer_option(&options, "shardSizeBytes", 1, u64::from(u32::MAX))?.unwrap_or(DEFAULT_SHARD_SIZE);
    if get(&artifacts, "modelTopology").is_instance_of::<ArrayBuffer>() {
        return Err(binary_topology("shardArtifacts"));
    }
    let (specs, src) = weights_of(&artifacts, "shardArtifacts")?;
    check_layout(&specs, &src)?;
    let plan = shards::plan(src.index.byte_length(), shard_size, 1).map_err(Error::from)?;
    let hashes: Option<Vec<_>> =
        get(&options, "hashes").is_truthy().then(|| plan.iter().map(|f| src.sha256(f.start, f.end)).collect());
    let model_json = sharded_model_json(&artifacts, &specs, &plan, hashes.as_deref())?;
    let files: Array = plan
        .iter()
        .map(|f| {
            let file = Object::new();
            set(&file, "path", &f.path.as_str().into());
            set(&file, "data", &src.slice(f.start, f.end));
            JsValue::from(file)
        })
        .collect();
    let out = Object::new();
    set(&out, "modelJSON", &model_json);
    set(&out, "files", &files);
    Ok(out)
}
