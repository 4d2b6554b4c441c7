// Compiled by tests/js/types.test.mjs with `tsc --strict --noEmit`: the
// declarations must describe real use, and reject wrong use.
import * as ma from 'model-artifacts';
import * as manual from 'model-artifacts/init';
import type {
  ModelArtifacts, ModelJSON, WeightsManifestConfig, WeightsManifestEntry, IOHandler, SaveResult,
  NamedTensorMap, ErrorCode, LoadOptions, SaveOptions,
} from 'model-artifacts';

async function main(): Promise<void> {
  const modelJSON: ModelJSON = ma.parseModelJSON('{"modelTopology": {}, "weightsManifest": []}');
  const manifest: WeightsManifestConfig = modelJSON.weightsManifest;
  const specs: WeightsManifestEntry[] = ma.getWeightSpecs(manifest);
  const sizes: (number | null)[] = ma.getWeightLayout(specs, [new ArrayBuffer(8)]).map((w: ma.WeightLayoutEntry) => w.byteLength);
  void sizes;
  const artifacts: ModelArtifacts = await ma.getModelArtifactsForJSON(modelJSON, async (m) => [ma.getWeightSpecs(m), [new ArrayBuffer(0)]]);
  const sync: ModelArtifacts = ma.getModelArtifactsForJSONSync(modelJSON, specs, new ArrayBuffer(0));
  const info = ma.getModelArtifactsInfoForJSON(sync);
  const when: Date = info.dateSaved;
  const decoded: NamedTensorMap = ma.decodeWeights(artifacts.weightData!, specs);
  for (const t of Object.values(decoded)) {
    const shape: number[] = t.shape;
    if (t.dtype === 'string') { const s = t.data as Uint8Array[]; s.length; } else { (t.data as Float32Array).length; }
    shape.length;
  }
  const fromStream = await ma.decodeWeightsStream(new Response(new Uint8Array(8)).body!, specs);
  const {data, specs: encodedSpecs} = await ma.encodeWeights({w: {dtype: 'float32', shape: [2], data: new Float32Array(2)}}, 'model');
  const joined: ArrayBuffer = ma.concatenateArrayBuffers([data, new ArrayBuffer(4)]);
  const composite = new ma.CompositeArrayBuffer([new Uint8Array(4), new ArrayBuffer(2)]);
  const part: ArrayBuffer = composite.slice(1, 3);
  const n: number = composite.byteLength + ma.CompositeArrayBuffer.join([joined]).byteLength;
  const q: ModelArtifacts = ma.quantizeArtifacts(artifacts, {dtype: 'float16', weights: ['dense/*']});
  const {modelJSON: sharded, files} = ma.shardArtifacts(q, {shardSizeBytes: 4096});
  files.map((f) => [f.path, f.data.byteLength]);
  const handler: IOHandler = ma.fromMemory(artifacts);
  const loaded: ModelArtifacts = await handler.load!();
  const saver = ma.withSaveHandler(async (a): Promise<SaveResult> => ({modelArtifactsInfo: ma.getModelArtifactsInfoForJSON(a)}));
  const options: LoadOptions = {onProgress: (f, d) => d?.loadedBytes, concurrency: 4, retries: 2, signal: new AbortController().signal,
    timeout: 10_000, maxModelJSONBytes: 1 << 20};
  ma.registerLoadRouter((url) => (typeof url === 'string' && url.startsWith('mem://') ? handler : null));
  const viaRouter: ModelArtifacts = await ma.load('mem://x', options);
  const saved: SaveResult = await ma.save(viaRouter, 'mem://x');
  const saveOptions: SaveOptions = {signal: new AbortController().signal, onProgress: (f) => f, chunkThreshold: 1 << 20, shardSizeBytes: 4096};
  await ma.save(viaRouter, 'indexeddb://x', saveOptions);
  ma.getSaveHandlers('file://x', {hashes: true});
  ma.browserLocalStorage('tiny', {signal: new AbortController().signal});
  ma.browserOPFS('tiny', {streamWeights: true, onProgress: (fraction: number) => void fraction});
  const isHttp: boolean = ma.isHTTPScheme('https://x');
  try { ma.decodeWeights(new ArrayBuffer(0), specs); } catch (e) {
    if (e instanceof ma.ModelArtifactsError) { const code: ErrorCode = e.code; code; e.weight?.length; }
  }
  // Browser storage.
  const controller = new AbortController();
  const big: IOHandler = ma.browserIndexedDB('big', {chunkThreshold: 1 << 20, chunkSize: 1 << 18, signal: controller.signal, onProgress: (f) => f.toFixed(2)});
  const stored: SaveResult = await ma.browserLocalStorage('tiny').save!(artifacts);
  await ma.browserDownloads().save!(artifacts);
  const picked: ModelArtifacts = await ma.browserFiles([] as File[]).load!();
  const input = {} as HTMLInputElement;
  await ma.browserFiles(input.files!).load!();
  const estimate = await ma.storageEstimate();
  const room: number | undefined = estimate?.quota;
  const persisted: boolean = await ma.requestPersistentStorage();
  try { await big.save!(artifacts); } catch (e) {
    if (e instanceof ma.ModelArtifactsError && e.code === 'E_QUOTA_EXCEEDED') { const need: number | undefined = e.needed; need; e.available; }
  }
  // Explicit start-up, from either entry.
  await ma.init();
  await ma.init('/static/model_artifacts_bg.wasm');
  await manual.init(fetch(new URL('https://cdn.example/model_artifacts_bg.wasm')));
  await manual.init(new Uint8Array(8));
  try { await manual.init(new WebAssembly.Module(new Uint8Array(8))); } catch (e) {
    if (e instanceof manual.ModelArtifactsError && e.code === 'E_WASM_INIT') { e.url?.length; e.status; }
  }
  // @ts-expect-error init takes a URL, a response, bytes or a module (or nothing)
  ma.init(null);
  // @ts-expect-error timeout is a number of ms
  ma.http('https://x/model.json', {timeout: '30s'});
  const timedOut: ErrorCode = 'E_TIMEOUT';
  // @ts-expect-error a save's signal is an AbortSignal
  ma.save(artifacts, 'indexeddb://x', {signal: 'stop'});
  // @ts-expect-error chunkSize is a number of bytes
  ma.browserIndexedDB('x', {chunkSize: '64MiB'});
  [stored, picked, room, persisted, timedOut].length;
  // @ts-expect-error dtype must be one of the quantization dtypes
  ma.quantizeArtifacts(artifacts, {dtype: 'int8'});
  // @ts-expect-error getWeightSpecs takes a manifest, not a string
  ma.getWeightSpecs('manifest');
  [when, fromStream, encodedSpecs, part, n, sharded, loaded, saver, saved, isHttp].length;
}
main;
