//! `weightsLoaderFactory` and `loadWeights`: fetch only the manifest groups
//! that hold the requested weights, then decode each group with its own
//! specs (so string weights decode correctly, unlike tf.io).

use crate::format::Code;
use std::rc::Rc;

use futures_util::stream::{self, StreamExt, TryStreamExt};
use js_sys::{Array, Function, Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::fetch::{Progress, ShardReader, Transport};
use super::limits::{Budget, DEFAULT_TIMEOUT_MS};
use crate::bindings::error::Error;
use crate::bindings::js::{get, present, set, to_json, type_name};
use crate::bindings::weights::decode_weights;
use crate::format::spec::{group_name, parse_manifest};

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
    /// One buffer per URL; ours stop a body once its group's budget is passed.
    async fn fetch(&self, urls: Vec<String>, budgets: Vec<Option<Rc<Budget>>>) -> JsResult<Array> {
        match self {
            Fetcher::Js(f) => {
                let list: Array = urls.iter().map(|u| JsValue::from_str(u)).collect();
                let result = JsFuture::from(Promise::resolve(&f.call1(&JsValue::NULL, &list)?)).await?;
                if !Array::is_array(&result) || Array::from(&result).length() as usize != urls.len() {
                    return Err(Error::invalid_argument("fetchWeights must resolve to one ArrayBuffer per URL").into());
                }
                Ok(result.into())
            }
            Fetcher::Transport(transport) => {
                let progress = Progress::new(None, 0, urls.len());
                let buffers: Vec<JsValue> = stream::iter(urls.into_iter().zip(budgets).map(|(url, budget)| {
                    let reader = ShardReader::new(transport.clone(), url, progress.clone(), None).with_budget(budget);
                    async move {
                        let mut reader = reader;
                        Ok::<_, JsValue>(JsValue::from(reader.read_all().await?))
                    }
                }))
                .buffered(6)
                .try_collect()
                .await?;
                Ok(buffers.into_iter().collect())
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
    let selected: Vec<_> =
        groups.iter().filter(|g| wanted.as_ref().is_none_or(|w| g.specs.iter().any(|s| w.contains(&s.name)))).collect();
    // tf.io: prefix + (prefix ends with "/" ? "" : "/") + path, so "" gives "/path".
    let join = if prefix.ends_with('/') { "" } else { "/" };
    let urls: Vec<String> =
        selected.iter().flat_map(|g| g.paths.iter().map(|p| format!("{prefix}{join}{p}"))).collect();
    let mut budgets = Vec::with_capacity(urls.len());
    let mut at = 0;
    for (g, group) in groups.iter().enumerate().filter(|(_, g)| selected.iter().any(|s| std::ptr::eq(*s, *g))) {
        let group_urls: Vec<&str> = urls[at..at + group.paths.len()].iter().map(String::as_str).collect();
        let budget =
            group.stored_bytes().map_err(Error::from)?.map(|need| Budget::group(&group_name(g, &group_urls), need));
        budgets.extend(std::iter::repeat_n(budget, group.paths.len()));
        at += group.paths.len();
    }
    let buffers = fetcher.fetch(urls, budgets).await?;
    let out = Object::new();
    let mut at = 0;
    let manifest_js = Array::from(&manifest);
    for (index, group) in groups.iter().enumerate() {
        if !selected.iter().any(|g| std::ptr::eq(*g, group)) {
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
            signal: super::options::Signal::none(),
            retries: 3,
            timeout_ms: DEFAULT_TIMEOUT_MS,
        };
        load_groups(Fetcher::Transport(Rc::new(transport)), manifest, prefix, names).await
    })
}
