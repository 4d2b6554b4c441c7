//! `weightsLoaderFactory` and `loadWeights`: fetch only the manifest groups
//! that hold the requested weights, then decode each group with its own
//! specs (so string weights decode correctly, unlike tf.io).

use crate::format::Code;
use std::rc::Rc;

use js_sys::{Array, Function, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::fetch::{Progress, Transport};
use super::http::HttpShards;
use super::limits::DEFAULT_TIMEOUT_MS;
use super::options::Signal;
use super::shards::Shards;
use crate::bindings::error::Error;
use crate::bindings::js::{get, present, set, to_json, type_name};
use crate::bindings::weights::decode_weights;
use crate::format::plan::WeightPlan;
use crate::format::spec::{parse_manifest, ManifestGroup};

type JsResult<T> = std::result::Result<T, JsValue>;

/// How weight files are fetched.
#[derive(Clone)]
enum Fetcher {
    /// The caller's `(urls) => Promise<ArrayBuffer[]>`.
    Js(Function),
    /// Ours, with status, size and retry handling.
    Transport(Rc<Transport>),
}

impl Fetcher {
    /// The files of `groups` at `urls`, one buffer each, in order; ours
    /// through the shard path (budgets, sha256, group sizes).
    async fn fetch(&self, groups: &[&ManifestGroup], urls: Vec<String>) -> JsResult<Array> {
        match self {
            Fetcher::Js(f) => {
                let n = urls.len();
                let list: Array = urls.into_iter().map(JsValue::from).collect();
                let result = JsFuture::from(Promise::resolve(&f.call1(&JsValue::NULL, &list)?)).await?;
                if !Array::is_array(&result) || Array::from(&result).length() as usize != n {
                    return Err(Error::invalid_argument("fetchWeights must resolve to one ArrayBuffer per URL").into());
                }
                Ok(result.into())
            }
            Fetcher::Transport(transport) => {
                let plan = WeightPlan::new(groups.iter().copied(), urls).map_err(Error::from)?;
                let progress = Progress::new(None, 0, plan.files.len());
                let source = HttpShards::over(transport.clone(), &plan, progress.clone());
                let shards = Shards { source, plan, progress, signal: Signal::none() };
                Ok(shards.load_all(6).await?)
            }
        }
    }
}

async fn load_groups(fetcher: Fetcher, manifest: JsValue, prefix: JsValue, names: JsValue) -> JsResult<JsValue> {
    let groups = parse_manifest(&to_json(&manifest, "weightsManifest")?).map_err(Error::from)?;
    let prefix = prefix.as_string().unwrap_or_default();
    let wanted: Option<Vec<String>> = if present(&names) {
        if !Array::is_array(&names) {
            return Err(Error::invalid_argument(format!(
                "weightNames must be an array of strings, got {}",
                type_name(&names)
            ))
            .into());
        }
        Some(Array::from(&names).iter().map(|n| n.as_string().unwrap_or_default()).collect())
    } else {
        None
    };
    if let Some(wanted) = &wanted {
        let all: Vec<&str> = groups.iter().flat_map(|g| g.specs.iter().map(|s| s.name.as_str())).collect();
        let missing: Vec<&str> = wanted.iter().map(String::as_str).filter(|n| !all.contains(n)).collect();
        if !missing.is_empty() {
            return Err(Error::new(
                Code::WeightNotFound,
                format!(
                    "Could not find weights in manifest with names: {}. Manifest JSON has weights with names: {}.",
                    missing.join(", "),
                    all.join(", ")
                ),
            )
            .into());
        }
    }
    let chosen = |g: &ManifestGroup| wanted.as_ref().is_none_or(|w| g.specs.iter().any(|s| w.contains(&s.name)));
    let selected: Vec<&ManifestGroup> = groups.iter().filter(|g| chosen(g)).collect();
    // tf.io: prefix + (prefix ends with "/" ? "" : "/") + path, so "" gives "/path".
    let join = if prefix.ends_with('/') { "" } else { "/" };
    let urls: Vec<String> =
        selected.iter().flat_map(|g| g.paths.iter().map(|p| format!("{prefix}{join}{p}"))).collect();
    let buffers = fetcher.fetch(&selected, urls).await?;
    let out = Object::new();
    let mut at = 0;
    let manifest_js = Array::from(&manifest);
    for (index, group) in groups.iter().enumerate() {
        if !chosen(group) {
            continue;
        }
        let n = group.paths.len() as u32;
        let group_buffers = buffers.slice(at, at + n);
        at += n;
        // The caller's spec objects: their numbers are exactly as given.
        let specs = get(&manifest_js.get(index as u32), "weights");
        let decoded = decode_weights(group_buffers.into(), specs)?;
        for spec in &group.specs {
            if wanted.as_ref().is_none_or(|w| w.contains(&spec.name)) {
                set(&out, &spec.name, &get(&decoded, &spec.name));
            }
        }
    }
    Ok(out.into())
}

/// `weightsLoaderFactory(fetchWeights)`.
#[wasm_bindgen(js_name = weightsLoaderFactory, skip_typescript)]
pub fn weights_loader_factory(fetch_weights: JsValue) -> JsResult<JsValue> {
    let f = fetch_weights.dyn_into::<Function>().map_err(|v| {
        Error::invalid_argument(format!("weightsLoaderFactory expects a function, got {}", type_name(&v)))
    })?;
    let loader = Closure::<dyn FnMut(JsValue, JsValue, JsValue) -> Promise>::new(move |manifest, prefix, names| {
        crate::bindings::js::promise(load_groups(Fetcher::Js(f.clone()), manifest, prefix, names))
    });
    Ok(loader.into_js_value())
}

/// `loadWeights(manifest, filePathPrefix?, weightNames?, requestInit?)`.
#[wasm_bindgen(js_name = loadWeights, skip_typescript)]
pub fn load_weights(manifest: JsValue, prefix: JsValue, names: JsValue, request_init: JsValue) -> Promise {
    crate::bindings::js::promise(async move {
        let transport = Transport {
            fetch: Transport::fetch_or_global(&JsValue::UNDEFINED)?,
            request_init,
            signal: Signal::none(),
            retries: 3,
            timeout_ms: DEFAULT_TIMEOUT_MS,
        };
        load_groups(Fetcher::Transport(Rc::new(transport)), manifest, prefix, names).await
    })
}
