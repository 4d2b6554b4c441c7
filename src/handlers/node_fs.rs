//! `fileSystem(path)` and `file://` (Node): model folders on disk.
//!
//! The Node primitives come through a small JS port (`node-fs.js`, given to
//! `registerFileSystem` by the Node entry), so the single wasm build still
//! loads in browsers. Everything else is here: path rules, checks, and the
//! atomic save (write into `<dir>.ma-tmp-*` beside the target, then swap it
//! in by rename; an interrupted swap is repaired on the next use).

use crate::format::Code;
use std::cell::RefCell;
use std::rc::Rc;

use futures_util::future::LocalBoxFuture;
use futures_util::stream::{self, FuturesUnordered, StreamExt, TryStreamExt};
use js_sys::{Array, ArrayBuffer, Function, Object, Promise, Uint8Array};
use sha2::{Digest, Sha256};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use super::fetch::Progress;
use super::options::Options as Common;
use super::order::{in_turn, Access, Claim, Medium, Place};
use super::save_weights::SaveWeights;
use super::shards::{self as shard_path, Chunks, ShardSource, Shards};
use crate::bindings::artifacts::{
    artifacts_for_model_json, binary_form_model, get_weight_specs, model_json_from_text, sharded_model_json,
};
use crate::bindings::error::{Error, Result};
use crate::bindings::js::{
    get, handler_paths, integer_option, json_text, present, set, stringified_byte_length, type_name,
};
use crate::format::codec::ByteSource;
use crate::format::model_json::ModelJson;
use crate::format::model_json::DEFAULT_MAX_MODEL_JSON_BYTES;
use crate::format::paths::contained_path;
use crate::format::plan::WeightPlan;
use crate::format::shards::{ShardFile, DEFAULT_SHARD_SIZE};
use crate::format::spec::{ManifestGroup, MAX_SAFE_INTEGER};
use crate::format::FormatError;

type JsResult<T> = std::result::Result<T, JsValue>;

/// Largest ArrayBuffer a file is read into; bigger files become several.
const MAX_PIECE: f64 = (1u64 << 30) as f64;
/// Weight files read or written at once.
const FILES_AT_ONCE: usize = 16;
/// Bytes per read when streaming a file.
const STREAM_CHUNK: u64 = 4 << 20;
const MODEL_JSON: &str = "model.json";
const TMP_MARK: &str = ".ma-tmp-";
const OLD_MARK: &str = ".ma-old-";

thread_local! {
    static PORT: RefCell<Option<JsValue>> = const { RefCell::new(None) };
}

/// Installs the Node file-system port (called by the Node entry).
#[wasm_bindgen(js_name = registerFileSystem, skip_typescript)]
pub fn register_file_system(port: JsValue) {
    PORT.with(|p| *p.borrow_mut() = Some(port));
}

fn port() -> Result<JsValue> {
    PORT.with(|p| p.borrow().clone())
        .ok_or_else(|| Error::new(Code::NotSupported, "file:// and fileSystem() are available in Node only"))
}

/// The Node file system, through the port.
struct Fs {
    port: JsValue,
}

impl Fs {
    fn new() -> Result<Self> {
        Ok(Fs { port: port()? })
    }

    fn sync(&self, name: &str, args: &[&JsValue]) -> JsValue {
        let f: Function = get(&self.port, name).unchecked_into();
        let list: Array = args.iter().map(|a| (*a).clone()).collect();
        f.apply(&self.port, &list).unwrap_or(JsValue::UNDEFINED)
    }

    fn text(&self, name: &str, args: &[&JsValue]) -> String {
        self.sync(name, args).as_string().unwrap_or_default()
    }

    fn resolve(&self, p: &str) -> String {
        self.text("resolve", &[&p.into()])
    }
    fn dirname(&self, p: &str) -> String {
        self.text("dirname", &[&p.into()])
    }
    fn basename(&self, p: &str) -> String {
        self.text("basename", &[&p.into()])
    }
    fn join(&self, a: &str, b: &str) -> String {
        self.text("join", &[&a.into(), &b.into()])
    }
    fn suffix(&self) -> String {
        self.text("randomSuffix", &[])
    }

    /// Calls an async port function; errors name `path` and what was done.
    async fn call(&self, name: &str, args: &[&JsValue], path: &str, doing: &str) -> Result<JsValue> {
        let f: Function = get(&self.port, name).unchecked_into();
        let list: Array = args.iter().map(|a| (*a).clone()).collect();
        let promise = f.apply(&self.port, &list).map_err(|e| fs_error(e, path, doing))?;
        JsFuture::from(Promise::resolve(&promise)).await.map_err(|e| fs_error(e, path, doing))
    }

    /// What is at `path` (following symlinks), or `None` when nothing is.
    async fn stat(&self, path: &str) -> Result<Option<Entry>> {
        Entry::of(self.call("stat", &[&path.into()], path, "reading").await?)
    }

    /// What `path` itself is (a symlink is not followed).
    async fn lstat(&self, path: &str) -> Result<Option<Entry>> {
        Entry::of(self.call("lstat", &[&path.into()], path, "reading").await?)
    }

    /// `path` with every symlink resolved (for a path that does not exist
    /// yet, its nearest existing ancestor's).
    async fn realpath(&self, path: &str) -> Result<String> {
        Ok(self.call("realpath", &[&path.into()], path, "reading").await?.as_string().unwrap_or_default())
    }

    /// A regular file's text as a JS string (it goes to `JSON.parse`, not
    /// through wasm memory), refused past `max_bytes`.
    async fn read_text(&self, path: &str, max_bytes: u64) -> Result<JsValue> {
        self.call("readText", &[&path.into(), &(max_bytes as f64).into()], path, "reading").await
    }

    async fn list(&self, dir: &str) -> Result<Vec<(String, bool)>> {
        let entries = self.call("list", &[&dir.into()], dir, "listing").await?;
        Ok(Array::from(&entries)
            .iter()
            .map(|e| (get(&e, "name").as_string().unwrap_or_default(), get(&e, "dir").is_truthy()))
            .collect())
    }

    async fn rename(&self, from: &str, to: &str) -> Result<()> {
        self.call("rename", &[&from.into(), &to.into()], to, "renaming into").await.map(drop)
    }

    /// Whether `path` is strictly inside the folder `dir` (both real paths).
    fn inside(&self, dir: &str, path: &str) -> bool {
        let sep = get(&self.port, "sep").as_string().unwrap_or_else(|| "/".into());
        let prefix = if dir.ends_with(&sep) { dir.to_owned() } else { format!("{dir}{sep}") };
        path.starts_with(&prefix) && path.len() > prefix.len()
    }

    /// A name for this process's temporary folders: its pid, so that other
    /// processes can tell a live save from a killed one, and a random part.
    fn mark(&self) -> String {
        format!("{}-{}", self.sync("pid", &[]).as_f64().unwrap_or(0.0), self.suffix())
    }

    /// Whether a temporary folder named with `mark` belongs to a save that
    /// is no longer running (its process is gone). Names without a pid come
    /// from older versions and count as abandoned.
    fn abandoned(&self, mark: &str) -> bool {
        match mark.split_once('-').and_then(|(pid, _)| pid.parse::<f64>().ok()) {
            Some(pid) => !self.sync("alive", &[&pid.into()]).is_truthy(),
            None => true,
        }
    }

    async fn remove_tree(&self, path: &str) -> Result<()> {
        self.call("removeTree", &[&path.into()], path, "removing").await.map(drop)
    }
}

/// What the port's `stat`/`lstat` say is at a path.
struct Entry {
    kind: String,
    size: u64,
}

impl Entry {
    fn of(s: JsValue) -> Result<Option<Entry>> {
        if !present(&s) {
            return Ok(None);
        }
        Ok(Some(Entry {
            kind: get(&s, "kind").as_string().unwrap_or_default(),
            size: get(&s, "size").as_f64().unwrap_or(0.0) as u64,
        }))
    }
    fn is_file(&self) -> bool {
        self.kind == "file"
    }
    fn is_dir(&self) -> bool {
        self.kind == "dir"
    }
}

/// A port (Node) error as ours: ENOENT is `E_NOT_FOUND`, a file that is not
/// regular `E_UNSAFE_PATH`, one over a size limit `E_TOO_LARGE`, the rest
/// `E_FS`.
fn fs_error(e: JsValue, path: &str, doing: &str) -> Error {
    let errno = get(&e, "code").as_string().unwrap_or_default();
    // Something missing is "not found" when reading; when writing it is a
    // file-system failure (e.g. a parent that cannot be created).
    let code = match errno.as_str() {
        "ENOENT" if matches!(doing, "reading" | "listing") => Code::NotFound,
        "ENOTREG" => Code::UnsafePath,
        "ETOOBIG" => Code::TooLarge,
        _ => Code::Fs,
    };
    let detail = get(&e, "message").as_string().unwrap_or_else(|| type_name(&e));
    Error::new(code, format!("{doing} {path} failed: {detail}")).with_path(path).with_cause(e)
}

/// The Node error code (`ENOENT`, `ENOTEMPTY`...) behind a port error.
fn errno(e: &Error) -> String {
    get(&e.cause, "code").as_string().unwrap_or_default()
}

/// `file://x` or a plain path.
fn strip_scheme(url: &str) -> &str {
    url.strip_prefix("file://").unwrap_or(url)
}

/// The router for `file://` URLs (active once the Node port is installed);
/// a bad option is an error, a bad path no handler.
pub fn file_router(url: &JsValue, options: &JsValue) -> Result<Option<JsValue>> {
    if PORT.with(|p| p.borrow().is_none()) {
        return Ok(None);
    }
    let is_file = |v: &JsValue| v.as_string().is_some_and(|s| s.starts_with("file://"));
    let matches = if Array::is_array(url) { Array::from(url).iter().all(|u| is_file(&u)) } else { is_file(url) };
    if !matches {
        return Ok(None);
    }
    let options = Options::parse(options)?;
    Ok(handler(url, options).ok().map(JsValue::from))
}

/// The turn of an operation on the file-system location `path` (it
/// overlaps the folders around it and those inside it; see `order`).
pub fn claim(path: &str, access: Access) -> Result<Claim> {
    let fs = Fs::new()?;
    Ok((Place::model(Medium::File, &fs.resolve(strip_scheme(path))), access))
}

/// Validated options of a file-system handler: the shared ones and those
/// of files.
struct Options {
    common: Common,
    shard_size: u64,
    single_file: bool,
    hashes: bool,
    stream_weights: bool,
    max_model_json_bytes: u64,
}

impl Options {
    fn parse(options: &JsValue) -> Result<Self> {
        let shard_size = integer_option(options, "shardSizeBytes", 1, 1 << 31)?.unwrap_or(DEFAULT_SHARD_SIZE);
        Ok(Options {
            common: Common::parse(options)?,
            shard_size,
            single_file: get(options, "singleWeightsFile").is_truthy(),
            hashes: get(options, "hashes").is_truthy(),
            stream_weights: get(options, "streamWeights").is_truthy(),
            max_model_json_bytes: integer_option(options, "maxModelJSONBytes", 1, MAX_SAFE_INTEGER)?
                .unwrap_or(DEFAULT_MAX_MODEL_JSON_BYTES),
        })
    }
}

/// The IOHandler `fileSystem()` returns.
#[wasm_bindgen(skip_typescript)]
pub struct FileSystemHandler {
    inner: Rc<Inner>,
}

struct Inner {
    paths: Vec<String>,
    options: Options,
}

#[wasm_bindgen]
impl FileSystemHandler {
    pub fn load(&self) -> Promise {
        let inner = self.inner.clone();
        let claims = inner.paths.iter().map(|p| claim(p, Access::Read)).collect::<Result<Vec<_>>>();
        let signal = inner.options.common.signal.clone();
        in_turn(claims.unwrap_or_default(), signal, move |_| async move { inner.load().await })
    }

    pub fn save(&self, artifacts: JsValue) -> Promise {
        let inner = self.inner.clone();
        let claims = inner.paths.iter().map(|p| claim(p, Access::Write)).collect::<Result<Vec<_>>>();
        let signal = inner.options.common.signal.clone();
        in_turn(claims.unwrap_or_default(), signal, move |_| async move { inner.save(artifacts).await })
    }
}

/// `fileSystem(path, options)`.
#[wasm_bindgen(js_name = fileSystem, skip_typescript)]
pub fn file_system(path: JsValue, options: JsValue) -> JsResult<FileSystemHandler> {
    port()?;
    let options = Options::parse(&options)?;
    Ok(handler(&path, options)?)
}

fn handler(path: &JsValue, options: Options) -> Result<FileSystemHandler> {
    let paths = handler_paths(path, "file paths")?;
    Ok(FileSystemHandler {
        inner: Rc::new(Inner { paths: paths.iter().map(|p| strip_scheme(p).to_owned()).collect(), options }),
    })
}

/// A model found on disk: its model.json and folder as the caller spelled
/// them (what is read and named in errors, so a runtime that grants access
/// by path, like Deno, sees those paths), and the folder's real path (what
/// containment is checked against).
struct Located {
    pub model_json: String,
    pub dir: String,
    pub real_dir: String,
}

/// Finds the model.json that `path` names (the file, or a folder holding
/// one), first repairing an interrupted save of that folder.
async fn locate(fs: &Fs, path: &str) -> Result<Located> {
    let path = fs.resolve(path);
    let folder_like = !path.ends_with(".json");
    let folder = if folder_like { path.clone() } else { fs.dirname(&path) };
    recover(fs, &folder).await?;
    let (model_json, dir, real_dir) = match fs.stat(&path).await? {
        Some(e) if e.is_file() => {
            let dir = fs.dirname(&path);
            let real_dir = fs.realpath(&dir).await?;
            (path.clone(), dir, real_dir)
        }
        Some(e) if e.is_dir() => {
            let real = fs.realpath(&path).await?;
            let model_json = fs.join(&path, MODEL_JSON);
            if fs.stat(&model_json).await?.is_some() && !fs.inside(&real, &fs.realpath(&model_json).await?) {
                return Err(Error::new(
                    Code::UnsafePath,
                    format!("{model_json} is a symlink out of the model folder {real}; refusing to read it"),
                )
                .with_path(&model_json));
            }
            (model_json, path.clone(), real)
        }
        Some(e) => return Err(not_regular(&path, &e)),
        None => return Err(Error::new(Code::NotFound, format!("there is no model at {path}")).with_path(&path)),
    };
    match fs.stat(&model_json).await? {
        Some(e) if e.is_file() => Ok(Located { dir, model_json, real_dir }),
        Some(e) => Err(not_regular(&model_json, &e)),
        None => Err(Error::new(Code::NotFound, format!("{model_json} does not exist")).with_path(&model_json)),
    }
}

/// A FIFO, device or socket where a file should be: never opened, since
/// reading one can hang or never end. (A folder is a plain mistake.)
fn not_regular(path: &str, entry: &Entry) -> Error {
    if entry.is_dir() {
        return Error::new(Code::Fs, format!("reading {path} failed: EISDIR: it is a folder, not a file"))
            .with_path(path);
    }
    Error::new(Code::UnsafePath, format!("{path} is a {}, not a regular file; refusing to open it", entry.kind))
        .with_path(path)
}

/// The model folder a `file://` location names, as a real path: the folder
/// of the model.json a source names, or the folder a save would write.
/// Two spellings of one folder (`m/`, `./m`, `x/../m`, a symlink) give one
/// answer.
pub async fn location(path: &str, is_source: bool) -> Result<String> {
    let fs = Fs::new()?;
    let real = fs.realpath(&fs.resolve(path)).await?;
    match locate(&fs, path).await {
        // A save target is a folder, unless it names a model.json itself.
        Ok(found) if is_source || fs.realpath(&found.model_json).await? == real => Ok(found.real_dir),
        _ => Ok(real),
    }
}

/// Repairs what an interrupted save of `dir` left: if the swap stopped
/// between its two renames, the previous model is renamed back; leftovers
/// of a finished swap are removed.
async fn recover(fs: &Fs, dir: &str) -> Result<()> {
    let parent = fs.dirname(dir);
    let old_prefix = format!("{}{OLD_MARK}", fs.basename(dir));
    let Ok(entries) = fs.list(&parent).await else { return Ok(()) };
    // A swap still running in another process is left to finish.
    let olds: Vec<String> = entries
        .into_iter()
        .filter(|(n, d)| *d && n.starts_with(&old_prefix) && fs.abandoned(&n[old_prefix.len()..]))
        .map(|(n, _)| n)
        .collect();
    let mut olds = oldest_first(fs, &parent, olds).await?;
    if olds.is_empty() {
        return Ok(());
    }
    if fs.lstat(dir).await?.is_none() {
        let newest = olds.pop().expect("not empty");
        fs.rename(&fs.join(&parent, &newest), dir).await?;
    }
    for old in olds {
        fs.remove_tree(&fs.join(&parent, &old)).await?;
    }
    Ok(())
}

/// `names` (entries of `parent`) from oldest to newest by modification time.
async fn oldest_first(fs: &Fs, parent: &str, names: Vec<String>) -> Result<Vec<String>> {
    let mut dated = Vec::new();
    for name in names {
        let s = fs.call("stat", &[&fs.join(parent, &name).as_str().into()], parent, "reading").await?;
        dated.push((get(&s, "mtimeMs").as_f64().unwrap_or(0.0), name));
    }
    dated.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    Ok(dated.into_iter().map(|(_, n)| n).collect())
}

/// One weight file of a model on disk.
struct WeightFile {
    /// As the manifest names it (made relative), and as a full path.
    rel: String,
    path: String,
    group: usize,
    /// Its size, `None` when it is missing.
    size: Option<u64>,
}

/// The files of a manifest, each checked to stay inside the real folder
/// `dir`, by its text and through symlinks, and to be a regular file (a
/// FIFO or a device is refused before it is opened).
async fn weight_files(
    fs: &Fs,
    dir: &str,
    real_dir: &str,
    groups: &[ManifestGroup],
) -> Result<(WeightPlan, Vec<WeightFile>)> {
    let mut rels = Vec::new();
    for p in groups.iter().flat_map(|g| &g.paths) {
        rels.push(contained_path(p).ok_or_else(|| {
            Error::new(
                Code::UnsafePath,
                format!("weight path '{p}' leaves the model folder {dir}; refusing to read it"),
            )
            .with_path(p)
        })?);
    }
    let plan = WeightPlan::new(groups, rels.iter().map(|rel| fs.join(dir, rel)))?;
    let files = plan.files.iter().zip(rels).map(|(planned, rel)| WeightFile {
        rel,
        path: planned.name.clone(),
        group: planned.group,
        size: None,
    });
    // A few files at a time, each with as few calls as it needs.
    let files = stream::iter(files.map(|mut file| async move {
        file.size = checked_size(fs, real_dir, &file).await?;
        Ok::<_, Error>(file)
    }))
    .buffered(FILES_AT_ONCE)
    .try_collect()
    .await?;
    Ok((plan, files))
}

/// The size of a weight file once it is known to be a regular file inside
/// the real folder `real_dir`, or `None` when it is missing. A plain file right in the folder
/// needs one `lstat`; a symlink, or a path through sub-folders (any of which
/// may be a symlink), is resolved to its real path first.
async fn checked_size(fs: &Fs, real_dir: &str, file: &WeightFile) -> Result<Option<u64>> {
    let path = &file.path;
    match fs.lstat(path).await? {
        None => return Ok(None),
        Some(e) if e.is_file() && !file.rel.contains('/') => return Ok(Some(e.size)),
        Some(_) => {}
    }
    let Some(entry) = fs.stat(path).await? else { return Ok(None) };
    let real = fs.realpath(path).await?;
    if !fs.inside(real_dir, &real) {
        return Err(Error::new(
            Code::UnsafePath,
            format!("weight path '{}' leads through a symlink to {real}, outside the model folder {real_dir}; refusing to read it", file.rel),
        )
        .with_path(path));
    }
    if !entry.is_file() {
        return Err(not_regular(path, &entry));
    }
    Ok(Some(entry.size))
}

/// A located model as read for listing, removing or replacing it: its
/// model.json as JavaScript reads it, its weight plan, and its
/// weight files (checked and sized).
struct OnDisk {
    js: JsValue,
    weights: WeightPlan,
    files: Vec<WeightFile>,
}

async fn read_model(fs: &Fs, found: &Located) -> Result<OnDisk> {
    let text = fs.read_text(&found.model_json, DEFAULT_MAX_MODEL_JSON_BYTES).await?;
    let (js, model) = model_json_from_text(&text, &found.model_json).map_err(|e| e.with_path(&found.model_json))?;
    let groups = model.manifest.as_deref().unwrap_or_default();
    let (weights, files) = weight_files(fs, &found.dir, &found.real_dir, groups).await?;
    Ok(OnDisk { js, weights, files })
}

/// The weight files that are verifiably the model's: those of groups whose
/// files are all there (inside the folder, regular) and hold exactly the
/// bytes the group's weights need. So a hostile model.json that lists some
/// other file of the folder (`thesis.docx`) does not make a save or a
/// remove delete it.
fn own_files(on_disk: &OnDisk) -> Vec<&WeightFile> {
    let verified: Vec<bool> = (on_disk.weights.needed.iter().enumerate())
        .map(|(g, need)| {
            let mine = || on_disk.files.iter().filter(|f| f.group == g);
            let held: u64 = mine().filter_map(|f| f.size).sum();
            mine().all(|f| f.size.is_some()) && need.is_none_or(|need| need == held)
        })
        .collect();
    on_disk.files.iter().filter(|f| verified[f.group]).collect()
}

/// Checks, before anything is read, that every file is there and that
/// each group's files hold the bytes its weights need.
async fn check_sizes(fs: &Fs, plan: &WeightPlan, files: &[WeightFile]) -> Result<()> {
    if let Some(missing) = files.iter().find(|f| f.size.is_none()) {
        // Opening it says why (ENOENT, ENOTDIR...).
        fs.call("readRange", &[&missing.path.as_str().into(), &0.into(), &0.into()], &missing.path, "reading").await?;
        return Err(Error::new(Code::NotFound, format!("{} does not exist", missing.path)).with_path(&missing.path));
    }
    let sizes: Vec<u64> = files.iter().map(|f| f.size.unwrap_or(0)).collect();
    for (g, got) in plan.held(&sizes).into_iter().enumerate() {
        check_group(plan, g, got)?;
    }
    Ok(())
}

/// Checks group `g`'s files held `got` bytes, as its specs need.
fn check_group(plan: &WeightPlan, g: usize, got: u64) -> Result<()> {
    plan.check_group(g, got).map_err(|e| {
        let e = Error::from(e);
        match plan.only_file(g) {
            Some(path) => e.with_path(path),
            None => e,
        }
    })
}

impl Inner {
    /// `E_ABORTED` once the signal is aborted: checked before each step.
    fn check_load(&self) -> Result<()> {
        let path = self.paths.join(", ");
        self.options.common.signal.check(|| format!("loading {path} was aborted")).map_err(|e| e.with_path(&path))
    }

    fn check_save(&self, dir: &str) -> Result<()> {
        let signal = &self.options.common.signal;
        signal.check(|| format!("saving {dir} was aborted; what was there is kept")).map_err(|e| e.with_path(dir))
    }

    async fn load(&self) -> Result<JsValue> {
        self.check_load()?;
        let fs = Fs::new()?;
        let (model_json, model, dir, real_dir) = if self.paths.len() == 2 {
            self.load_binary_form(&fs).await?
        } else {
            let found = locate(&fs, &self.paths[0]).await?;
            let text = fs.read_text(&found.model_json, self.options.max_model_json_bytes).await?;
            let (js, model) =
                model_json_from_text(&text, &found.model_json).map_err(|e| e.with_path(&found.model_json))?;
            (js, model, found.dir, found.real_dir)
        };
        let Some(groups) = &model.manifest else {
            return artifacts_for_model_json(model_json, JsValue::UNDEFINED, JsValue::UNDEFINED).map(JsValue::from);
        };
        let specs: JsValue = get_weight_specs(get(&model_json, "weightsManifest"))?.into();
        self.check_load()?;
        let (weights, files) = weight_files(&fs, &dir, &real_dir, groups).await?;
        check_sizes(&fs, &weights, &files).await?;
        self.check_load()?;
        let progress = Progress::new(self.options.common.on_progress.clone(), weights.total_bytes(), files.len());
        let source = Rc::new(Files { fs, files, progress: progress.clone() });
        let shards = Rc::new(Shards { source, plan: weights, progress, signal: self.options.common.signal.clone() });
        shard_path::artifacts(model_json, specs, move || shards.clone(), self.options.stream_weights, FILES_AT_ONCE)
            .await
    }

    /// `[model.pb, weights_manifest.json]`: binary topology + bare manifest.
    async fn load_binary_form(&self, fs: &Fs) -> Result<(JsValue, ModelJson, String, String)> {
        let (pb, manifest_path) = (fs.resolve(&self.paths[0]), fs.resolve(&self.paths[1]));
        let pb_size = match fs.stat(&pb).await? {
            Some(e) if e.is_file() => e.size,
            Some(e) => return Err(not_regular(&pb, &e)),
            None => return Err(Error::new(Code::NotFound, format!("{pb} does not exist")).with_path(&pb)),
        };
        // The GraphDef is model.json's binary twin: the same cap holds.
        if pb_size > self.options.max_model_json_bytes {
            return Err(Error::new(
                Code::TooLarge,
                format!(
                    "{pb} is {pb_size} bytes, over the maxModelJSONBytes limit of {}",
                    self.options.max_model_json_bytes
                ),
            )
            .with_path(&pb));
        }
        let pieces = fs
            .call("readPieces", &[&pb.as_str().into(), &MAX_PIECE.into(), &(pb_size as f64).into()], &pb, "reading")
            .await?;
        let topology = crate::bindings::weights::concatenate_array_buffers(pieces)?;
        let text = fs.read_text(&manifest_path, self.options.max_model_json_bytes).await?;
        let (js, model) = binary_form_model(&topology, &text.as_string().unwrap_or_default(), &manifest_path)
            .map_err(|e| e.with_path(&manifest_path))?;
        let dir = fs.dirname(&manifest_path);
        let real_dir = fs.realpath(&dir).await?;
        Ok((js, model, dir, real_dir))
    }

    async fn save(&self, artifacts: JsValue) -> Result<JsValue> {
        if self.paths.len() != 1 {
            return Err(Error::invalid_argument("fileSystem: cannot save to two paths; give one folder"));
        }
        let mut weights = SaveWeights::of(&artifacts, "fileSystem")?;
        let info = crate::bindings::artifacts::get_model_artifacts_info_for_json(artifacts.clone())?;
        let fs = Fs::new()?;
        let dir = fs.resolve(&self.paths[0]);
        self.check_save(&dir)?;
        recover(&fs, &dir).await?;
        match fs.stat(&dir).await? {
            Some(e) if e.is_dir() => self.check_replaceable(&fs, &dir).await?,
            Some(e) => {
                return Err(Error::invalid_argument(format!(
                    "{dir} exists as a {}; the path must be a folder or not exist",
                    e.kind
                ))
                .with_path(&dir))
            }
            None => {}
        }
        self.check_save(&dir)?;
        let parent = fs.dirname(&dir);
        fs.call("mkdirp", &[&parent.as_str().into()], &parent, "creating").await?;
        self.remove_stale_temps(&fs, &dir).await;
        let tmp = format!("{dir}{TMP_MARK}{}", fs.mark());
        fs.call("mkdirp", &[&tmp.as_str().into()], &tmp, "creating").await?;
        let written = async {
            let (files, hashes) = self.write_weights(&fs, &tmp, &dir, &mut weights).await?;
            weights.count_into(&info);
            let specs = get(&artifacts, "weightSpecs");
            let model_json = sharded_model_json(&artifacts, &specs, &files, hashes.as_deref())?;
            let text = json_text(&model_json, "the model's JSON (modelTopology, signature, metadata...)")?;
            // model.json last: a folder without it is never taken for a model.
            self.check_save(&dir)?;
            let target = fs.join(&tmp, MODEL_JSON);
            fs.call("writeFile", &[&target.as_str().into(), &Array::of1(&text.as_str().into())], &target, "writing")
                .await?;
            self.check_save(&dir)?;
            commit(&fs, &tmp, &dir).await
        }
        .await;
        if let Err(e) = written {
            weights.cancel();
            let _ = fs.remove_tree(&tmp).await;
            return Err(e);
        }
        let result = Object::new();
        set(&result, "modelArtifactsInfo", &info);
        Ok(result.into())
    }

    /// Writes the weight files into `tmp`: `weights.bin`, or the converter's
    /// `group1-shardKofN.bin` of `shardSizeBytes` (a stream of unknown
    /// length is written as `group1-shardK.part`, renamed once N is known).
    /// Files in memory are written several at once; a stream, a piece at a
    /// time, so it holds one piece in memory whatever the shard size. The
    /// files' names, and their sha256 with `hashes`.
    async fn write_weights(
        &self,
        fs: &Fs,
        tmp: &str,
        dir: &str,
        weights: &mut SaveWeights,
    ) -> Result<(Vec<ShardFile>, Option<Vec<[u8; 32]>>)> {
        let (single, size) = (self.options.single_file, self.options.shard_size);
        let file_size = if single { u64::MAX } else { size };
        let count = weights.total.map(|total| if single { 1 } else { total.div_ceil(size) });
        let name = |k: u64| match count {
            _ if single => "weights.bin".to_owned(),
            Some(n) => format!("group1-shard{k}of{n}.bin"),
            None => format!("group1-shard{k}.part"),
        };
        let in_memory = weights.in_memory();
        let progress = Progress::new(
            self.options.common.on_progress.clone(),
            weights.total.unwrap_or(0),
            count.map_or(usize::MAX, |n| n as usize),
        );
        let mut hashes = Vec::new();
        let mut hasher = Sha256::new();
        let mut writes = FuturesUnordered::new();
        // Files begun so far; the last one may still be growing.
        let mut files = 0u64;
        loop {
            let in_file = weights.given % file_size;
            let piece = if in_memory { file_size - in_file } else { (file_size - in_file).min(STREAM_CHUNK) };
            let Some(part) = weights.next(piece).await? else { break };
            self.check_save(dir)?;
            let starts = in_file == 0;
            if starts {
                if files > 0 {
                    hashes.push(std::mem::take(&mut hasher).finalize().into());
                }
                files += 1;
            }
            if self.options.hashes {
                part.hash_into(&mut hasher);
            }
            let ends = weights.given.is_multiple_of(file_size) || Some(weights.given) == weights.total;
            let target = fs.join(tmp, &name(files));
            let (progress, bytes) = (progress.clone(), part.byte_length());
            writes.push(async move {
                let (path, parts) = (target.as_str().into(), part.views(0, bytes));
                fs.call("writeFile", &[&path, &parts, &JsValue::from_bool(!starts)], &target, "writing").await?;
                let mut p = progress.borrow_mut();
                p.add_bytes(bytes);
                if ends {
                    p.file_done();
                }
                Ok::<_, Error>(())
            });
            // A stream's pieces are written in turn: the next may append to the same file.
            if writes.len() >= if in_memory { FILES_AT_ONCE } else { 1 } {
                writes.try_next().await?;
            }
        }
        while writes.try_next().await?.is_some() {}
        if files > 0 {
            hashes.push(hasher.finalize().into());
        }
        if count.is_none() {
            // The length is known now.
            let mut p = progress.borrow_mut();
            p.set_totals(weights.given, 0);
            p.file_done();
        }
        if single && files == 0 {
            // tfjs lists weights.bin even for a model without weight bytes.
            let target = fs.join(tmp, "weights.bin");
            fs.call("writeFile", &[&target.as_str().into(), &Array::new()], &target, "writing").await?;
            (files, hashes) = (1, vec![Sha256::new().finalize().into()]);
        }
        let written: Vec<ShardFile> = (1..=files)
            .map(|k| ShardFile {
                path: if count.is_some() || single { name(k) } else { format!("group1-shard{k}of{files}.bin") },
                start: (k - 1).saturating_mul(file_size),
                end: k.saturating_mul(file_size).min(weights.given),
            })
            .collect();
        if count.is_none() && !single {
            for (k, file) in (1..).zip(&written) {
                fs.rename(&fs.join(tmp, &name(k)), &fs.join(tmp, &file.path)).await?;
            }
        }
        Ok((written, self.options.hashes.then_some(hashes)))
    }

    /// A save replaces a folder only if it holds a model (or nothing), so
    /// no unrelated file is ever deleted: model.json and the weight files
    /// that verifiably belong to it (see `own_files`).
    async fn check_replaceable(&self, fs: &Fs, dir: &str) -> Result<()> {
        // Another process's save may swap the folder while it is looked at,
        // which shows files of one model beside the model.json of another:
        // a look that finds foreign files is taken again.
        let mut look = Ok(());
        for _ in 0..3 {
            look = self.replaceable_now(fs, dir).await;
            if look.is_ok() {
                break;
            }
        }
        look
    }

    async fn replaceable_now(&self, fs: &Fs, dir: &str) -> Result<()> {
        let entries = match fs.list(dir).await {
            Ok(entries) => entries,
            // Swapped away this moment: nothing of it will be replaced.
            Err(e) if e.code == Code::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        if entries.is_empty() {
            return Ok(());
        }
        let mut known = vec![MODEL_JSON.to_owned()];
        let found =
            Located { model_json: fs.join(dir, MODEL_JSON), dir: dir.to_owned(), real_dir: fs.realpath(dir).await? };
        if let Ok(on_disk) = read_model(fs, &found).await {
            known.extend(own_files(&on_disk).into_iter().map(|f| f.rel.clone()));
        }
        let foreign: Vec<&str> =
            entries.iter().map(|(n, _)| n.as_str()).filter(|n| !known.iter().any(|k| k == n)).collect();
        if foreign.is_empty() {
            return Ok(());
        }
        Err(Error::invalid_argument(format!(
            "{dir} holds files that are not part of a model ({}); refusing to replace it",
            foreign.join(", ")
        ))
        .with_path(dir))
    }

    /// Temporary folders of saves to `dir` that were killed half-way (a
    /// save still running in another process keeps its own).
    async fn remove_stale_temps(&self, fs: &Fs, dir: &str) {
        let parent = fs.dirname(dir);
        let prefix = format!("{}{TMP_MARK}", fs.basename(dir));
        if let Ok(entries) = fs.list(&parent).await {
            for (name, _) in
                entries.into_iter().filter(|(n, d)| *d && n.starts_with(&prefix) && fs.abandoned(&n[prefix.len()..]))
            {
                let _ = fs.remove_tree(&fs.join(&parent, &name)).await;
            }
        }
    }
}

/// Swaps the finished temporary folder in: what is at `dir` is moved aside
/// first and restored if the swap fails. Saves racing to one folder each
/// swap in whole (the last one wins), never a mix.
async fn commit(fs: &Fs, tmp: &str, dir: &str) -> Result<()> {
    for _ in 0..16 {
        let old = format!("{dir}{OLD_MARK}{}", fs.mark());
        let moved = match fs.lstat(dir).await? {
            None => false,
            Some(_) => match fs.rename(dir, &old).await {
                Ok(()) => true,
                // Another save moved it aside in between: look again.
                Err(e) if errno(&e) == "ENOENT" => continue,
                Err(e) => return Err(e),
            },
        };
        match fs.rename(tmp, dir).await {
            Ok(()) => {
                // The new model is in place; the old one is garbage now.
                if moved {
                    let _ = fs.remove_tree(&old).await;
                }
                return Ok(());
            }
            // Another save's model arrived in between: ours replaces it on
            // the next round, and the one moved aside is superseded.
            Err(e) if matches!(errno(&e).as_str(), "ENOTEMPTY" | "EEXIST") => {
                if moved {
                    let _ = fs.remove_tree(&old).await;
                }
            }
            Err(e) => {
                if moved {
                    fs.rename(&old, dir).await?;
                }
                return Err(e);
            }
        }
    }
    Err(Error::new(Code::Fs, format!("saving {dir}: other saves kept replacing it; this one was not applied"))
        .with_path(dir))
}

/// A model's weight files on disk, checked and sized (`check_sizes`).
struct Files {
    fs: Fs,
    files: Vec<WeightFile>,
    progress: Rc<RefCell<Progress>>,
}

impl ShardSource for Files {
    fn read(self: Rc<Self>, index: usize) -> LocalBoxFuture<'static, Result<Vec<ArrayBuffer>>> {
        Box::pin(async move {
            let file = &self.files[index];
            let expected = file.size.unwrap_or(0) as f64;
            let args = [&file.path.as_str().into(), &MAX_PIECE.into(), &expected.into()];
            let pieces = self.fs.call("readPieces", &args, &file.path, "reading").await?;
            let pieces: Vec<ArrayBuffer> = Array::from(&pieces).iter().map(JsCast::unchecked_into).collect();
            let size: u64 = pieces.iter().map(|p| u64::from(p.byte_length())).sum();
            self.progress.borrow_mut().add_bytes(size);
            Ok(pieces)
        })
    }

    fn chunks(self: Rc<Self>, index: usize) -> Option<Box<dyn Chunks>> {
        Some(Box::new(FileChunks { files: self, index, offset: 0 }))
    }

    fn locate(&self, error: Error, path: &str) -> Error {
        error.with_path(path)
    }
}

/// A weight file in `STREAM_CHUNK` steps.
struct FileChunks {
    files: Rc<Files>,
    index: usize,
    offset: u64,
}

impl Chunks for FileChunks {
    fn next(&mut self) -> LocalBoxFuture<'_, Result<Option<Uint8Array>>> {
        Box::pin(async move {
            let file = &self.files.files[self.index];
            let args = [&file.path.as_str().into(), &(self.offset as f64).into(), &(STREAM_CHUNK as f64).into()];
            let chunk: Uint8Array =
                self.files.fs.call("readRange", &args, &file.path, "reading").await?.unchecked_into();
            if chunk.length() == 0 {
                return Ok(None);
            }
            let n = u64::from(chunk.length());
            // A file that grew since it was checked stops here.
            if self.offset + n > file.size.unwrap_or(0) {
                let what = format!("{} (grown since it was checked)", file.path);
                let error = FormatError::SizeMismatch { what, got: self.offset + n, need: file.size.unwrap_or(0) };
                return Err(Error::from(error).with_path(&file.path));
            }
            self.offset += n;
            self.files.progress.borrow_mut().add_bytes(n);
            Ok(Some(chunk))
        })
    }
}

/// `removeModel` for `file://`: the model's files, then its folder if empty.
pub async fn remove(path: &str) -> Result<JsValue> {
    let fs = Fs::new()?;
    let found = locate(&fs, path).await?;
    let on_disk = read_model(&fs, &found).await?;
    let info = folder_info(&fs, &found, &on_disk).await?;
    // Only files that verifiably belong to the model; a symlink is removed,
    // never what it points to.
    for file in own_files(&on_disk) {
        fs.call("removeFile", &[&file.path.as_str().into()], &file.path, "removing").await?;
    }
    fs.call("removeFile", &[&found.model_json.as_str().into()], &found.model_json, "removing").await?;
    fs.call("removeDirIfEmpty", &[&found.real_dir.as_str().into()], &found.real_dir, "removing").await?;
    Ok(info)
}

/// `ModelArtifactsInfo` of a model folder, from its model.json (byte
/// counts as TensorFlow.js measures them: of JavaScript's own parse) and
/// the sizes of its weight files.
async fn folder_info(fs: &Fs, found: &Located, on_disk: &OnDisk) -> Result<JsValue> {
    let js = &on_disk.js;
    let bytes_of = |v: JsValue, what: &str| if present(&v) { stringified_byte_length(&v, what) } else { Ok(0) };
    let manifest = get(js, "weightsManifest");
    let specs = if present(&manifest) { get_weight_specs(manifest)?.into() } else { JsValue::UNDEFINED };
    let data_bytes: u64 = on_disk.files.iter().filter_map(|f| f.size).sum();
    // When the model was saved: its model.json is written last.
    let stat = fs.call("stat", &[&found.model_json.as_str().into()], &found.model_json, "reading").await?;
    let out = Object::new();
    set(&out, "dateSaved", &js_sys::Date::new(&get(&stat, "mtimeMs")));
    set(&out, "modelTopologyType", &"JSON".into());
    set(&out, "modelTopologyBytes", &(bytes_of(get(js, "modelTopology"), "modelTopology")? as f64).into());
    set(&out, "weightSpecsBytes", &(bytes_of(specs, "weightSpecs")? as f64).into());
    set(&out, "weightDataBytes", &(data_bytes as f64).into());
    Ok(out.into())
}

/// `listModels('file://root')`: model folders directly under `root` (and
/// `root` itself when it holds one), keyed by `file://` URL.
pub async fn list(root: &str) -> Result<JsValue> {
    let fs = Fs::new()?;
    let root = fs.resolve(root);
    let out = Object::new();
    // Models whose save was interrupted mid-swap are repaired, then listed.
    for (name, is_dir) in fs.list(&root).await? {
        if let (true, Some((base, _))) = (is_dir, name.split_once(OLD_MARK)) {
            recover(&fs, &fs.join(&root, base)).await?;
        }
    }
    let mut dirs = vec![root.clone()];
    for (name, is_dir) in fs.list(&root).await? {
        if is_dir && !name.contains(TMP_MARK) && !name.contains(OLD_MARK) {
            dirs.push(fs.join(&root, &name));
        }
    }
    for dir in dirs {
        let model_json = fs.join(&dir, MODEL_JSON);
        if fs.stat(&model_json).await?.is_some_and(|e| e.is_file()) {
            let found = Located { model_json, real_dir: fs.realpath(&dir).await?, dir: dir.clone() };
            if let Ok(info) = async { folder_info(&fs, &found, &read_model(&fs, &found).await?).await }.await {
                set(&out, &format!("file://{dir}"), &info);
            }
        }
    }
    Ok(out.into())
}
