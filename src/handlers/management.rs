//! `listModels`, `removeModel`, `copyModel`, `moveModel` across schemes.
//! Unlike tf.io, `moveModel` removes the source only after the copy has been
//! saved and read back identical. Each takes its turns in the stores it
//! touches when called (see `order`), so un-awaited calls run in call order.

use crate::format::Code;
use std::rc::Rc;

use js_sys::Promise;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[cfg(feature = "node")]
use super::node_fs;
use super::options::Signal;
use super::order::{in_turn, Access, Claim, Medium, Place, Turn};
use super::save_weights::SaveWeights;
use super::{indexed_db, local_storage, opfs, router};
use crate::bindings::error::{Error, Result};
use crate::bindings::js::{get, present, type_name};
use crate::format::shards::DEFAULT_SHARD_SIZE;
use sha2::{Digest, Sha256};

type JsResult<T> = std::result::Result<T, JsValue>;

#[wasm_bindgen]
extern "C" {
    /// The platform's URL parser (normalizes `./`, `../`, case of the host...).
    type Url;
    #[wasm_bindgen(constructor, catch, js_class = "URL")]
    fn new(url: &str) -> JsResult<Url>;
    #[wasm_bindgen(method, getter)]
    fn href(this: &Url) -> String;
}

/// `scheme` and the rest of `scheme://rest`.
fn split_url(url: &JsValue, what: &str) -> Result<(String, String)> {
    let text = url
        .as_string()
        .ok_or_else(|| Error::invalid_argument(format!("{what} must be a URL string, got {}", type_name(url))))?;
    // A byte search: `split_once("://")` brings str's two-way searcher (2 KB of wasm).
    match text.as_bytes().windows(3).position(|w| w == b"://") {
        Some(at) if at > 0 => Ok((text[..at].to_owned(), text[at + 3..].to_owned())),
        _ => Err(Error::invalid_argument(format!(
            "the URL '{text}' has no scheme; use file://, indexeddb://, localstorage://, opfs://, http:// or https://"
        ))),
    }
}

/// The turn an operation on the model at `url` takes: none for URLs that
/// are not an ordered store's (http, a user's scheme) or not URLs at all
/// (the operation then fails on its own).
fn claims(url: &JsValue, access: Access) -> Vec<Claim> {
    let Ok((scheme, path)) = split_url(url, "URL") else { return Vec::new() };
    match scheme.as_str() {
        "indexeddb" => vec![indexed_db::claim(&path, access)],
        "localstorage" => vec![local_storage::claim(&path, access)],
        "opfs" => vec![opfs::claim(&path, access)],
        #[cfg(feature = "node")]
        "file" => node_fs::claim(&path, access).into_iter().collect(),
        _ => Vec::new(),
    }
}

/// Schemes whose stores can list and remove models.
fn removable(scheme: &str) -> bool {
    matches!(scheme, "indexeddb" | "localstorage" | "opfs") || (cfg!(feature = "node") && scheme == "file")
}

/// Removes a model from the store its URL names.
async fn remove_from(scheme: &str, path: &str) -> Result<JsValue> {
    match scheme {
        "file" => remove_file(path).await,
        "indexeddb" => indexed_db::remove(path).await,
        "localstorage" => local_storage::remove(path),
        "opfs" => opfs::remove(path).await,
        _ => Err(Error::new(Code::NotSupported, format!("models cannot be removed from {scheme}:// URLs"))),
    }
}

/// Lists the models under a `file://` root (Node build only).
async fn list_files(path: &str) -> Result<JsValue> {
    #[cfg(feature = "node")]
    return node_fs::list(path).await;
    #[cfg(not(feature = "node"))]
    return Err(no_files(path));
}

/// Removes a `file://` model (Node build only).
async fn remove_file(path: &str) -> Result<JsValue> {
    #[cfg(feature = "node")]
    return node_fs::remove(path).await;
    #[cfg(not(feature = "node"))]
    return Err(no_files(path));
}

#[cfg(not(feature = "node"))]
fn no_files(path: &str) -> Error {
    Error::new(Code::NotSupported, format!("file://{path}: file:// URLs are available in Node only"))
}

#[wasm_bindgen(js_name = listModels, skip_typescript)]
pub fn list_models(root: JsValue) -> Promise {
    let claims = if present(&root) {
        claims(&root, Access::Read)
    } else {
        [Medium::IndexedDb, Medium::LocalStorage, Medium::Opfs].map(|m| (Place::store(m), Access::Read)).to_vec()
    };
    in_turn(claims, Signal::none(), move |_| list(root))
}

async fn list(root: JsValue) -> JsResult<JsValue> {
    if !present(&root) {
        // The browser stores that exist where this runs, localStorage
        // first as in tf.io.
        let out = local_storage::list();
        js_sys::Object::assign(&out, &indexed_db::list().await?);
        return Ok(js_sys::Object::assign(&out, &opfs::list().await?).into());
    }
    match split_url(&root, "listModels root")? {
        (scheme, path) if scheme == "file" => Ok(list_files(&path).await?),
        (scheme, _) => {
            Err(Error::new(Code::NotSupported, format!("models cannot be listed under {scheme}:// URLs")).into())
        }
    }
}

#[wasm_bindgen(js_name = removeModel, skip_typescript)]
pub fn remove_model(url: JsValue) -> Promise {
    in_turn(claims(&url, Access::Write), Signal::none(), move |_| async move {
        let (scheme, path) = split_url(&url, "removeModel URL")?;
        remove_from(&scheme, &path).await
    })
}

/// Where a URL's model lives, spelled one way: a `file://` folder through
/// its real path (so `m`, `m/`, `./m`, `x/../m` and a symlink to `m` are
/// one place), an http(s) URL as the URL parser writes it, and a browser
/// store's path as the exact key it is stored under (as in tf.io,
/// `indexeddb://a` and `indexeddb://a/` are two models).
async fn location(url: &JsValue, what: &str, is_source: bool) -> Result<(String, String)> {
    let (scheme, path) = split_url(url, what)?;
    let place = match scheme.as_str() {
        #[cfg(feature = "node")]
        "file" => node_fs::location(&path, is_source).await?,
        "http" | "https" => {
            let text = format!("{scheme}://{path}");
            Url::new(&text).map_or(text, |u| u.href())
        }
        _ => path,
    };
    let _ = is_source;
    Ok((scheme, place))
}

/// Refuses to copy or move a model onto itself, however it is spelled:
/// the save would replace the source, and a move would then remove it.
/// The destination's scheme.
async fn check_distinct(source: &JsValue, dest: &JsValue, op: &str) -> Result<String> {
    let from = location(source, "source URL", true).await?;
    let to = location(dest, "destination URL", false).await?;
    if from == to {
        let (s, d) = (source.as_string().unwrap_or_default(), dest.as_string().unwrap_or_default());
        return Err(Error::new(
            Code::SameModel,
            format!("{op}: '{s}' and '{d}' are the same model ({}://{}); nothing was changed", from.0, from.1),
        ));
    }
    Ok(to.0)
}

/// Loads `url` through its handler, inside `turn`, with `streamWeights`
/// where `stream` (stores that keep a model in one record ignore it).
async fn load_in(turn: &Turn, url: &JsValue, stream: bool) -> JsResult<JsValue> {
    let options = js_sys::Object::new();
    crate::bindings::js::set(&options, "streamWeights", &stream.into());
    JsFuture::from(turn.run(|| router::start_load(url.clone(), options.into()))?).await
}

/// Loads `source` and saves it to `dest`, inside `turn`; the save's info.
async fn copy(turn: &Turn, source: &JsValue, dest: &JsValue, op: &str) -> JsResult<(JsValue, JsValue)> {
    // Saves to these take a `getWeightStream()`: the weights are streamed
    // across, a file at a time, instead of loaded whole.
    let streams = matches!(check_distinct(source, dest, op).await?.as_str(), "opfs" | "file" | "indexeddb");
    let artifacts = load_in(turn, source, streams).await?;
    let saving = turn.run(|| router::start_save(artifacts.clone(), dest.clone(), JsValue::UNDEFINED))?;
    let saved = JsFuture::from(saving).await?;
    Ok((artifacts, get(&saved, "modelArtifactsInfo")))
}

#[wasm_bindgen(js_name = copyModel, skip_typescript)]
pub fn copy_model(source: JsValue, dest: JsValue) -> Promise {
    let mut turns = claims(&source, Access::Read);
    turns.extend(claims(&dest, Access::Write));
    in_turn(turns, Signal::none(), move |turn: Rc<Turn>| async move {
        Ok::<_, JsValue>(copy(&turn, &source, &dest, "copyModel").await?.1)
    })
}

#[wasm_bindgen(js_name = moveModel, skip_typescript)]
pub fn move_model(source: JsValue, dest: JsValue) -> Promise {
    let mut turns = claims(&source, Access::Write);
    turns.extend(claims(&dest, Access::Write));
    in_turn(turns, Signal::none(), move |turn: Rc<Turn>| async move { move_in(&turn, &source, &dest).await })
}

async fn move_in(turn: &Turn, source: &JsValue, dest: &JsValue) -> JsResult<JsValue> {
    let (scheme, path) = split_url(source, "source URL")?;
    if !removable(&scheme) {
        return Err(Error::new(
            Code::NotSupported,
            format!("moveModel cannot remove a {scheme}:// source; use copyModel"),
        )
        .into());
    }
    let (original, info) = copy(turn, source, dest, "moveModel").await?;
    // Read back a file at a time, wherever it is (`differs` takes streams).
    let copied = load_in(turn, dest, true).await?;
    if let Some(detail) = differs(&original, &copied).await? {
        return Err(Error::new(
            Code::Integrity,
            format!(
                "the copy at {} differs from the source ({detail}); the source was kept",
                dest.as_string().unwrap_or_default()
            ),
        )
        .into());
    }
    remove_from(&scheme, &path).await?;
    Ok(info)
}

/// What differs between a saved copy, read back, and the original, if
/// anything: the topology or specs JSON, or the weight bytes (streamed
/// weights are read again).
async fn differs(a: &JsValue, b: &JsValue) -> Result<Option<&'static str>> {
    let json = |v: &JsValue, k: &str| js_sys::JSON::stringify(&get(v, k)).ok().and_then(|s| s.as_string());
    if json(a, "modelTopology") != json(b, "modelTopology") {
        return Ok(Some("topology"));
    }
    // Stores without weights may keep no specs or `[]` (localStorage).
    let specs = |v: &JsValue| json(v, "weightSpecs").filter(|s| s != "null").unwrap_or_else(|| "[]".into());
    if specs(a) != specs(b) {
        return Ok(Some("weight specs"));
    }
    Ok((digest(a).await? != digest(b).await?).then_some("weight bytes"))
}

/// The byte count and SHA-256 of artifacts' weights, a file at a time.
async fn digest(artifacts: &JsValue) -> Result<(u64, [u8; 32])> {
    let mut weights = SaveWeights::of(artifacts, "moveModel")?;
    let mut hasher = Sha256::new();
    while let Some(part) = weights.next(DEFAULT_SHARD_SIZE).await? {
        part.hash_into(&mut hasher);
    }
    Ok((weights.given, hasher.finalize().into()))
}

/// In the browser build, `fileSystem` exists only to say where it works.
#[cfg(not(feature = "node"))]
#[wasm_bindgen(js_name = fileSystem, skip_typescript)]
pub fn file_system(_path: JsValue, _options: JsValue) -> JsResult<JsValue> {
    Err(Error::new(Code::NotSupported, "fileSystem() is available in Node only").into())
}
