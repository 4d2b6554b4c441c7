// Type declarations for model-artifacts. The model types are field for field
// those of TensorFlow.js 4.22 (`tf.io`), so handlers and artifacts pass
// between the two packages unchanged.

// ---------------------------------------------------------------- model types

/** Weight dtypes a manifest may declare. */
export type DataType = 'float32' | 'int32' | 'bool' | 'string' | 'complex64';

/** Quantized storage dtypes. */
export type QuantizationDType = 'uint8' | 'uint16' | 'float16';

/** `'model'` weights, or `'optimizer'` state saved with `includeOptimizer`. */
export type WeightGroup = 'model' | 'optimizer';

/** One entry of a weights manifest. */
export interface WeightsManifestEntry {
  name: string;
  shape: number[];
  dtype: DataType;
  group?: WeightGroup;
  quantization?: {
    scale?: number;
    min?: number;
    dtype: QuantizationDType;
    /** Written by the converter; ignored when decoding. */
    original_dtype?: string;
  };
}

/** A group of weights stored together in `paths`, in order. */
export interface WeightsManifestGroupConfig {
  paths: string[];
  weights: WeightsManifestEntry[];
}

export type WeightsManifestConfig = WeightsManifestGroupConfig[];

/** One ArrayBuffer, or the shards in manifest order. */
export type WeightData = ArrayBuffer | ArrayBuffer[];

export interface TrainingConfig {
  optimizer_config: {};
  loss: string | string[] | {[key: string]: string};
  metrics?: string[] | {[key: string]: string};
  weighted_metrics?: string[];
  sample_weight_mode?: string;
  loss_weights?: number[] | {[key: string]: number};
}

/** The serialized artifacts of a model: topology and weights. */
export interface ModelArtifacts {
  modelTopology?: {} | ArrayBuffer;
  trainingConfig?: TrainingConfig;
  weightSpecs?: WeightsManifestEntry[];
  weightData?: WeightData;
  getWeightStream?: () => ReadableStream<ArrayBuffer>;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  signature?: {};
  userDefinedMetadata?: {[key: string]: {}};
  modelInitializer?: {};
  initializerSignature?: {};
}

/** The model.json file. */
export interface ModelJSON {
  modelTopology: {};
  trainingConfig?: TrainingConfig;
  weightsManifest: WeightsManifestConfig;
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  signature?: {};
  userDefinedMetadata?: {[key: string]: {}};
  modelInitializer?: {};
  initializerSignature?: {};
}

export interface ModelArtifactsInfo {
  dateSaved: Date;
  modelTopologyType: 'JSON' | 'GraphDef';
  modelTopologyBytes?: number;
  weightSpecsBytes?: number;
  weightDataBytes?: number;
}

export interface SaveResult {
  modelArtifactsInfo: ModelArtifactsInfo;
  responses?: Response[];
  errors?: Array<{} | string>;
}

export type LoadHandler = () => Promise<ModelArtifacts>;
export type SaveHandler = (modelArtifacts: ModelArtifacts) => Promise<SaveResult>;

export interface IOHandler {
  save?: SaveHandler;
  load?: LoadHandler;
}

export interface IOHandlerSync {
  save?: (modelArtifacts: ModelArtifacts) => SaveResult;
  load?: () => ModelArtifacts;
}

/** Progress details passed as the second argument of `onProgress`:
 * `'model'` while model.json is fetched, `'weights'` while weight bytes
 * arrive. `totalBytes` is the weight bytes the manifest needs (0 when it
 * cannot be known in advance, e.g. string weights). */
export interface ProgressDetails {
  phase: 'model' | 'weights';
  loadedBytes: number;
  totalBytes: number;
}

export type OnProgressCallback = (fraction: number, details?: ProgressDetails) => void;

export interface LoadOptions {
  requestInit?: RequestInit;
  onProgress?: OnProgressCallback;
  fetchFunc?: typeof fetch;
  strict?: boolean;
  weightPathPrefix?: string;
  fromTFHub?: boolean;
  weightUrlConverter?: (weightFileName: string) => Promise<string>;
  streamWeights?: boolean;
  /** Cancels the operation; it then rejects with code `E_ABORTED`. */
  signal?: AbortSignal;
  /** Most requests in flight at once. */
  concurrency?: number;
  /** Retries of a failed request. */
  retries?: number;
  /** Stall timeout in ms (default 30000; 0 turns it off). A request whose
   * response headers, or whose body, bring less than 1 KiB in this much
   * time spent waiting for them is stalled: it is stopped and retried (with
   * `retries`), then fails with `E_TIMEOUT`. Time the consumer of a weight
   * stream does not read does not count. Applies to model.json and every
   * shard. */
  timeout?: number;
  /** Most bytes model.json (also the manifest and model.pb of the
   * `[model.pb, manifest]` form) may have; default 268435456 (256 MiB).
   * Over it: `E_TOO_LARGE`, from a file's size or a Content-Length before
   * the body is read, else as soon as the body passes the cap. */
  maxModelJSONBytes?: number;
}

export type IORouter = (url: string | string[], loadOptions?: LoadOptions) => IOHandler | null;

// ------------------------------------------------------------------- tensors

/** Typed arrays accepted as weight data. */
export type TypedArray =
  | Float32Array | Int32Array | Uint8Array | Uint8ClampedArray | Int8Array
  | Uint16Array | Int16Array | Uint32Array | Float64Array;

/** A decoded weight. `data` is a `Float32Array` for float32 (also after
 * dequantization), `Int32Array` for int32, `Uint8Array` of 0/1 for bool,
 * interleaved `Float32Array` (re, im) for complex64, `Uint8Array[]` for
 * string. */
export interface DecodedTensor {
  name: string;
  dtype: DataType;
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array | Uint8Array[];
}

export type NamedTensorMap = {[name: string]: DecodedTensor};

/** Bytes accepted wherever weight data is read: one buffer or view, or a
 * list of them (shards, in order). */
export type WeightDataInput = ArrayBuffer | TypedArray | Array<ArrayBuffer | TypedArray>;

/** A tensor to encode: plain `{dtype, shape, data}` or a TensorFlow.js
 * `Tensor` (anything with `dataSync`). String data may be `string[]` (UTF-8
 * encoded) or `Uint8Array[]`. */
export type EncodableTensor =
  | {dtype: DataType; shape: number[]; data: TypedArray | number[] | boolean[] | string[] | Uint8Array[]}
  | {dtype: string; shape: number[]; dataSync(): unknown; data(): Promise<unknown>; bytes?(): Promise<unknown>};

export type NamedEncodableMap = {[name: string]: EncodableTensor};
export type NamedEncodable = {name: string; tensor: EncodableTensor};

// ------------------------------------------------------------------- errors

/** Stable codes carried by `ModelArtifactsError.code`. */
export type ErrorCode =
  | 'E_INVALID_JSON'
  | 'E_INVALID_MODEL_JSON'
  | 'E_INVALID_WEIGHT_SPEC'
  | 'E_UNSUPPORTED_DTYPE'
  | 'E_UNSUPPORTED_QUANTIZATION'
  | 'E_INVALID_QUANTIZATION'
  | 'E_SHAPE_OVERFLOW'
  | 'E_WEIGHT_DATA_TOO_SHORT'
  | 'E_STRING_OVERRUN'
  | 'E_BINARY_TOPOLOGY'
  | 'E_INVALID_ARGUMENT'
  | 'E_NO_HANDLER'
  | 'E_MULTIPLE_HANDLERS'
  | 'E_NOT_SUPPORTED'
  | 'E_STREAM'
  | 'E_HTTP_STATUS'
  | 'E_NETWORK'
  | 'E_ABORTED'
  | 'E_INTEGRITY'
  | 'E_SIZE_MISMATCH'
  | 'E_TIMEOUT'
  | 'E_WEIGHT_NOT_FOUND'
  | 'E_NOT_FOUND'
  | 'E_UNSAFE_PATH'
  | 'E_SAME_MODEL'
  | 'E_TOO_LARGE'
  | 'E_FS'
  | 'E_QUOTA_EXCEEDED'
  | 'E_STORAGE'
  | 'E_WASM_INIT';

/** Every error this package throws. */
export class ModelArtifactsError extends Error {
  readonly name: 'ModelArtifactsError';
  readonly code: ErrorCode;
  /** The weight the error is about, when there is one. */
  readonly weight?: string;
  /** The URL the error is about (http errors, and the wasm `init` tried). */
  readonly url?: string;
  /** The HTTP status that failed the request (`E_HTTP_STATUS`, `E_WASM_INIT`). */
  readonly status?: number;
  /** The file or folder the error is about (`file://` errors). */
  readonly path?: string;
  /** Bytes a storage write needed (`E_QUOTA_EXCEEDED`; for localStorage,
   * UTF-16 bytes of its keys and values). */
  readonly needed?: number;
  /** Bytes the origin had left by `navigator.storage.estimate()`
   * (`E_QUOTA_EXCEEDED` in IndexedDB). Browsers may pad the quota they
   * report, so treat it as an upper bound. */
  readonly available?: number;
  readonly cause?: unknown;
}

// ------------------------------------------------------------------ start-up

// Node's types (and ES libs without `dom`) do not declare WebAssembly; this
// empty interface is the DOM lib's, and merges with it where it exists.
declare global {
  namespace WebAssembly {
    interface Module {}
  }
}

/** What `init` can start the wasm from: its URL, the response or bytes of
 * the file, or a compiled module (or a promise of any of these). */
export type WasmSource =
  | string | URL | Request | Response | ArrayBuffer | ArrayBufferView | WebAssembly.Module
  | Promise<string | URL | Request | Response | ArrayBuffer | ArrayBufferView | WebAssembly.Module>;

/** Starts the WebAssembly module; resolves once the package is usable.
 * `model-artifacts` starts itself at import, so there this resolves at once;
 * `model-artifacts/init` (browsers) waits for this call, from `wasm` or by
 * default from `model_artifacts_bg.wasm` beside the package's glue. Later
 * calls share the first start-up; after a failure a call tries again. A
 * failure is an `E_WASM_INIT` error whose `url` (and `status`) name what was
 * tried. In Node the package always starts from its own file; `wasm` is
 * ignored. */
export function init(wasm?: WasmSource): Promise<void>;

// ---------------------------------------------------------- format functions

export function getModelArtifactsInfoForJSON(modelArtifacts: ModelArtifacts): ModelArtifactsInfo;
export function getModelArtifactsForJSON(
  modelJSON: ModelJSON,
  loadWeights: (weightsManifest: WeightsManifestConfig) => Promise<[WeightsManifestEntry[], WeightData]>,
): Promise<ModelArtifacts>;
export function getModelArtifactsForJSONSync(
  modelJSON: ModelJSON, weightSpecs?: WeightsManifestEntry[], weightData?: WeightData): ModelArtifacts;
export function getModelJSONForModelArtifacts(
  artifacts: ModelArtifacts, manifest: WeightsManifestConfig): ModelJSON;
export function getWeightSpecs(weightsManifest: WeightsManifestConfig): WeightsManifestEntry[];
/** Where one weight's stored bytes are in the weight data. */
export interface WeightLayoutEntry {
  name: string;
  /** Byte offset in the concatenated weight data; null after a weight that cannot be measured. */
  offset: number | null;
  /** Stored bytes (quantized size where quantized); null from the first weight that cannot be measured. */
  byteLength: number | null;
}
/**
 * Where each weight's stored bytes are, in spec order, by the rules decoding uses.
 * String weights are measured through their length prefixes in `weightData`; without it,
 * or where the data ends too soon, `byteLength` is null from that weight on.
 * @example getWeightLayout([{name: 'w', shape: [2, 3], dtype: 'float32', quantization: {dtype: 'float16'}}])
 *   // [{name: 'w', offset: 0, byteLength: 12}]
 */
export function getWeightLayout(specs: WeightsManifestEntry[], weightData?: WeightData): WeightLayoutEntry[];
/** Parses and validates model.json text (compact or spaced). */
export function parseModelJSON(text: string): ModelJSON;

export function encodeWeights(
  tensors: NamedEncodableMap | NamedEncodable[], group?: WeightGroup,
): Promise<{data: ArrayBuffer; specs: WeightsManifestEntry[]}>;
export function decodeWeights(
  weightData: WeightDataInput, specs: WeightsManifestEntry[]): NamedTensorMap;
export interface DecodeStreamOptions {
  /** Receives each tensor as soon as it is decoded; tensors given to it are
   * not kept in the returned map, so memory stays bounded by the largest
   * tensor. */
  onTensor?: (tensor: DecodedTensor) => void;
}
export function decodeWeightsStream(
  stream: ReadableStream<ArrayBuffer | ArrayBufferView>, specs: WeightsManifestEntry[],
  options?: DecodeStreamOptions): Promise<NamedTensorMap>;
export function concatenateArrayBuffers(buffers: WeightDataInput): ArrayBuffer;
export function isHTTPScheme(url: string): boolean;

/** Several buffers seen as one. Unlike TensorFlow.js, a TypedArray's
 * byteOffset/byteLength are respected and empty buffers are harmless. */
export class CompositeArrayBuffer {
  constructor(buffers?: WeightDataInput);
  readonly byteLength: number;
  /** A copy of bytes `start..end` (NaN counts as 0; clamped to the data). */
  slice(start?: number, end?: number): ArrayBuffer;
  static join(buffers?: WeightDataInput): ArrayBuffer;
}

// -------------------------------------------------------------- beyond tf.io

export interface QuantizeOptions {
  dtype: QuantizationDType;
  /** Names or glob patterns (`*`, `?`) of the weights to quantize; all
   * float32 weights when omitted. */
  weights?: string | string[];
}

/** Quantizes float32 weights with the TensorFlow.js converter's rules. */
export function quantizeArtifacts(artifacts: ModelArtifacts, options: QuantizeOptions): ModelArtifacts;

export interface ShardOptions {
  /** Default 4194304 (4 MiB), the converter's. */
  shardSizeBytes?: number;
  /** Add `sha256: [hex per path]` to the manifest group (verified by the
   * `http`, `loadWeights`, `fileSystem` and `browserFiles` loads;
   * TensorFlow.js ignores it). */
  hashes?: boolean;
}

/** Splits the weights into converter-named shard files. */
export function shardArtifacts(artifacts: ModelArtifacts, options?: ShardOptions): {
  modelJSON: ModelJSON;
  files: Array<{path: string; data: ArrayBuffer}>;
};

// ------------------------------------------------------------------ handlers

/** Loads model.json and its weights over HTTP(S), and saves with a multipart
 * request (fields `model.json` and `model.weights.bin`, as TensorFlow.js).
 * Beyond tf.io: checks every response's status and the bytes of every
 * shard, retries network errors, 5xx and 429 (`retries`, default 3, with
 * backoff and `Retry-After`), resumes cut bodies with `Range`, limits
 * parallel requests (`concurrency`, default 6), reports byte progress, and
 * stops on `signal`. A manifest group may carry `sha256: [hex per path]`;
 * shards are then verified as they arrive (`E_INTEGRITY`). A save takes
 * weights that exist only as `getWeightStream()`: they are collected into
 * the upload's Blob and counted against the specs before anything is sent.
 * `path` may be `[modelPbUrl, weightsManifestUrl]` for a binary topology. */
export function http(path: string | string[], loadOptions?: LoadOptions): IOHandler;
/** Alias of `http`. */
export function browserHTTPRequest(path: string | string[], loadOptions?: LoadOptions): IOHandler;

/** Options of `browserIndexedDB`. */
export interface IndexedDBOptions {
  /** Weights larger than this many bytes are stored as chunk records in the
   * database `model-artifacts` (commit-last) instead of TensorFlow.js's
   * layout; default 268435456 (256 MiB). tfjs's `indexeddb://` handler
   * cannot read chunked models; `tf.loadGraphModel(browserIndexedDB(path))`
   * can. */
  chunkThreshold?: number;
  /** Bytes per chunk transaction; default 67108864 (64 MiB). */
  chunkSize?: number;
  /** `load()` resolves with `getWeightStream()` instead of `weightData`
   * (chunked models read one chunk at a time). */
  streamWeights?: boolean;
  /** Aborts a save (`E_ABORTED`; nothing of it becomes visible) or a load
   * (checked between transactions). Once a chunked save's last chunk is
   * written, its commit is no longer stopped. */
  signal?: AbortSignal;
  /** Progress of a save or load by weight bytes, one step per transaction,
   * as `LoadOptions.onProgress`: never backwards, exactly 1 once the save
   * has committed or the load has all its bytes. */
  onProgress?: OnProgressCallback;
}

/** IndexedDB, in TensorFlow.js's layout (database `tensorflowjs` v1, stores
 * `models_store` and `model_info_store`): what either library saves, the other
 * loads. Both records are written in one transaction, the caller's artifacts
 * are not changed, and weights are stored as their shards. Models above
 * `chunkThreshold` are stored in chunks (see `IndexedDBOptions`). A save
 * takes weights that exist only as `getWeightStream()`: past
 * `chunkThreshold` (or with a `string` weight) written a chunk at a time,
 * else joined into one record; a stream that does not match the specs is
 * `E_SIZE_MISMATCH` and stores nothing. A full
 * quota is `E_QUOTA_EXCEEDED` and leaves the previous model whole. Works in
 * windows, workers and Node with an IndexedDB (e.g. `fake-indexeddb`). Also
 * reached through `indexeddb://` URLs. */
export function browserIndexedDB(modelPath: string, options?: IndexedDBOptions): IOHandler;

/** Options of `browserOPFS`. */
export interface OPFSOptions {
  /** `load()` resolves with `getWeightStream()` instead of `weightData`. */
  streamWeights?: boolean;
  /** Aborts a save (`E_ABORTED`; the model saved before stays) or a load
   * (checked between files). */
  signal?: AbortSignal;
  /** Progress of a save or load by weight bytes, one step per file. */
  onProgress?: OnProgressCallback;
}

/** The origin private file system (`navigator.storage.getDirectory()`): a
 * folder per model under `model-artifacts/` (the path percent-encoded)
 * holding model.json and 4 MiB weight files. Saves are commit-last: the
 * weight files are written first, under names of their own save, then
 * model.json, which the browser swaps in whole; until then the model saved
 * before is what loads, and its files are removed only after. An
 * interrupted save leaves the previous model whole; its files are removed
 * by a later save of that path once they are an hour old. A full quota is
 * `E_QUOTA_EXCEEDED`; a weight file changed or removed behind the package's
 * back is `E_SIZE_MISMATCH` or `E_WEIGHT_NOT_FOUND`. Where there is no OPFS
 * (Node, WebKitGTK, private browsing in some browsers) a save or load is
 * `E_NOT_SUPPORTED` (or the browser's own error, as `E_STORAGE`). A save
 * takes weights that exist only as `getWeightStream()` (a `streamWeights`
 * load's, or your own) and writes them a file at a time; a stream that ends
 * short or runs past the specs is `E_SIZE_MISMATCH`. Also reached through
 * `opfs://` URLs. */
export function browserOPFS(modelPath: string, options?: OPFSOptions): IOHandler;

/** localStorage, in TensorFlow.js's layout (five keys under
 * `tensorflowjs_models/<path>/`, weights in base64). A failed save (quota:
 * `E_QUOTA_EXCEEDED`) puts back what was stored at that path before. Pages
 * only (workers have no localStorage). Also `localstorage://` URLs. */
export function browserLocalStorage(modelPath: string, options?: {signal?: AbortSignal}): IOHandler;

/** Saves by downloading `<prefix>.json` and `<prefix>.weights.bin` (the
 * latter only when there are weights); `prefix` defaults to `'model'`.
 * Pages only. Also `downloads://prefix` URLs (save only). */
export function browserDownloads(fileNamePrefix?: string, options?: {signal?: AbortSignal}): IOHandler;

/** Loads from `File`s, e.g. an `<input type=file multiple>`'s `files`:
 * the first is model.json, the others its weight files, matched to the
 * manifest's paths by basename. Invalid JSON, missing, duplicate or extra
 * files and wrong sizes are typed errors; sizes are checked before any file
 * is read (weight files: `E_SIZE_MISMATCH`; a model.json over 256 MiB:
 * `E_TOO_LARGE`), and a weight file that does not match a `sha256` the
 * manifest lists is `E_INTEGRITY`. `onProgress` reports the weight bytes
 * read; `signal` stops between files. */
export function browserFiles(
  files: ArrayLike<File>,
  options?: {signal?: AbortSignal; onProgress?: OnProgressCallback},
): IOHandler;

/** This origin's storage as `navigator.storage` reports it, or undefined
 * where it does not. */
export function storageEstimate(): Promise<{usage: number; quota: number; persisted: boolean} | undefined>;
/** Asks the browser to keep this origin's storage under storage pressure
 * (`navigator.storage.persist()`); resolves to whether it agreed. Call it
 * before saving large models you cannot download again. */
export function requestPersistentStorage(): Promise<boolean>;

/** Options of `fileSystem` (Node). Loading takes the `LoadOptions` that apply
 * to files (`onProgress`, `streamWeights`, `signal`); `signal` also stops a
 * save (`E_ABORTED`, checked between files; the previous model is kept). */
export interface FileSystemOptions extends LoadOptions {
  /** Shard size when saving; default 4194304 (4 MiB), converter file names
   * `group1-shard{i}of{n}.bin`. */
  shardSizeBytes?: number;
  /** Save one `weights.bin`, as tfjs-node does, instead of shards. */
  singleWeightsFile?: boolean;
  /** Save `sha256` per shard in the manifest (checked on load). */
  hashes?: boolean;
}

/** Node only: a model folder on disk (`file://dir` or a plain path) as an
 * IOHandler. Load from `…/model.json` (or `[model.pb, weights_manifest.json]`);
 * save into a folder, atomically: files are written into a temporary folder
 * beside it and swapped in by rename, so a failed or killed save leaves the
 * previous model whole, and concurrent saves each swap in a whole model.
 * Weight paths that leave the model folder, by their text or through a
 * symlink, and weight files that are not regular files (FIFOs, devices,
 * sockets) are refused (`E_UNSAFE_PATH`) before anything is opened; every
 * file's size is checked against the manifest before it is read. A save
 * takes weights that exist only as `getWeightStream()` and writes them in
 * 4 MiB pieces (`E_SIZE_MISMATCH` when the stream does not match the
 * specs). Registered for `file://` URLs in Node. */
export function fileSystem(path: string | string[], options?: FileSystemOptions): IOHandler;

/** Options of `save(artifacts, url, options)` and `getSaveHandlers(url,
 * options)`, given to the save routers: each store takes its own
 * (`chunkThreshold` for `indexeddb://`, `shardSizeBytes` for `file://`...),
 * every one `signal` and `onProgress`. A bad option is `E_INVALID_ARGUMENT`
 * naming it, whichever store the URL is. */
export interface SaveOptions extends IndexedDBOptions, FileSystemOptions {}

/** Operations on the stores (`indexeddb://`, `localstorage://`, `opfs://`, `file://`:
 * handlers' `load`/`save`, `load`, `save` and the four functions below) run
 * in the order they are called, as in tf.io: `removeModel(url)` not awaited,
 * then `await listModels()`, does not list `url`. A later reader waits for
 * earlier writers of its model (or store, when it lists), a writer for
 * everything earlier; a failed or aborted operation gives up its turn. */

/** Models in the stores that can list: in browsers IndexedDB,
 * localStorage and OPFS; `listModels('file:///some/folder')` lists the model folders
 * directly under that folder (Node). Keys are URLs. */
export function listModels(root?: string): Promise<{[url: string]: ModelArtifactsInfo}>;
/** Removes a stored model. For `file://`: model.json and the weight files
 * that verifiably belong to it (listed, inside the folder, regular, and of
 * the sizes the manifest needs; a symlink is removed, never its target),
 * then the folder when it is empty. Other files are left in place. */
export function removeModel(url: string): Promise<ModelArtifactsInfo>;
/** Loads from any URL with a load handler (including `http(s)://`) and saves
 * to any URL with a save handler. Onto the same model, however spelled
 * (`file://` folders through their real path; IndexedDB and localStorage
 * keys are exact strings, as in tf.io), it rejects with `E_SAME_MODEL` and
 * changes nothing. Into `opfs://`, `indexeddb://` and `file://` the weights
 * are streamed, a file or chunk at a time, whatever the model's size. */
export function copyModel(sourceURL: string, destURL: string): Promise<ModelArtifactsInfo>;
/** Copies, checks the copy (read back: topology, specs, and the SHA-256 of
 * the weights), and only then removes the source (tf.io removes
 * first). The source must be removable (`file://`, `indexeddb://`,
 * `localstorage://`, `opfs://`). */
export function moveModel(sourceURL: string, destURL: string): Promise<ModelArtifactsInfo>;

/** tf.io's `weightsLoaderFactory`: loads only the groups holding the
 * requested weights (string weights decoded correctly). */
export function weightsLoaderFactory(
  fetchWeights: (fetchUrls: string[]) => Promise<ArrayBuffer[]>,
): (manifest: WeightsManifestConfig, filePathPrefix?: string, weightNames?: string[]) => Promise<NamedTensorMap>;
/** tf.io's `loadWeights`, over `fetch` with this package's checks (status,
 * each group's byte count, the `sha256` a manifest group lists). */
export function loadWeights(
  manifest: WeightsManifestConfig, filePathPrefix?: string, weightNames?: string[], requestInit?: RequestInit,
): Promise<NamedTensorMap>;

export function fromMemory(
  modelArtifacts: {} | ModelArtifacts, weightSpecs?: WeightsManifestEntry[], weightData?: WeightData,
  trainingConfig?: TrainingConfig): IOHandler;
export function fromMemorySync(
  modelArtifacts: {} | ModelArtifacts, weightSpecs?: WeightsManifestEntry[], weightData?: WeightData,
  trainingConfig?: TrainingConfig): IOHandlerSync;
export function withSaveHandler(saveHandler: (artifacts: ModelArtifacts) => Promise<SaveResult>): IOHandler;
export function withSaveHandlerSync(saveHandler: (artifacts: ModelArtifacts) => SaveResult): IOHandlerSync;

export function registerLoadRouter(loadRouter: IORouter): void;
export function registerSaveRouter(saveRouter: IORouter): void;
export function getLoadHandlers(url: string | string[], loadOptions?: LoadOptions): IOHandler[];
export function getSaveHandlers(url: string | string[], saveOptions?: SaveOptions): IOHandler[];
/** Loads through the one handler registered for `url`. */
export function load(url: string | string[], options?: LoadOptions): Promise<ModelArtifacts>;
/** Saves through the one handler registered for `url`; `options` go to the
 * save routers (see `SaveOptions`). */
export function save(artifacts: ModelArtifacts, url: string, options?: SaveOptions): Promise<SaveResult>;
