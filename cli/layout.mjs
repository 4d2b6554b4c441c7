// Where each weight's stored bytes are inside the concatenated weight data,
// the shards of a manifest, and totals by dtype / quantization.
import * as ma from './ma.mjs';

export function elementCount(shape) {
  return (shape ?? []).reduce((a, d) => a * d, 1);
}

/** The composite view of artifacts.weightData (one buffer or shards). */
export function compositeOf(weightData) {
  if (weightData == null) return new ma.CompositeArrayBuffer([]);
  return new ma.CompositeArrayBuffer(weightData);
}

/**
 * [{index, name, dtype, shape, group, quantization, elements, offset,
 * byteLength}] in spec order: offsets and sizes are the core's
 * (ma.getWeightLayout), with string weights measured in `weightData` (an
 * ArrayBuffer or shards; none: strings cannot be measured); byteLength is
 * null from the first weight that cannot be measured on, and offset null
 * after it.
 */
export function weightLayout(specs, weightData) {
  return ma.getWeightLayout(specs, weightData ?? undefined).map(({offset, byteLength}, index) => {
    const spec = specs[index];
    return {
      index, name: spec.name, dtype: spec.dtype, shape: spec.shape,
      ...(spec.group ? {group: spec.group} : {}),
      ...(spec.quantization ? {quantization: spec.quantization} : {}),
      elements: elementCount(spec.shape), offset, byteLength,
    };
  });
}

/** Totals {key: {weights, bytes}} by `keyOf(entry)`. */
export function totalsBy(layout, keyOf) {
  const out = {};
  for (const w of layout) {
    const k = keyOf(w);
    out[k] ??= {weights: 0, bytes: 0};
    out[k].weights += 1;
    out[k].bytes = out[k].bytes === null || w.byteLength === null ? null : out[k].bytes + w.byteLength;
  }
  return out;
}

/** [{group, path, byteLength, sha256?}] for a manifest; sizes from the loaded shards when there is one buffer per path. */
export function shardList(manifest, weightData) {
  const shards = [];
  (manifest ?? []).forEach((g, gi) => g.paths.forEach((p, pi) => {
    const entry = {group: gi + 1, path: p, byteLength: null};
    if (Array.isArray(g.sha256) && typeof g.sha256[pi] === 'string') entry.sha256 = g.sha256[pi];
    shards.push(entry);
  }));
  if (Array.isArray(weightData) && weightData.length === shards.length) {
    weightData.forEach((b, i) => { shards[i].byteLength = b.byteLength; });
  } else if (weightData instanceof ArrayBuffer && shards.length === 1) {
    shards[0].byteLength = weightData.byteLength;
  }
  return shards;
}

const DT = {DT_FLOAT: 'float32', DT_INT32: 'int32', DT_BOOL: 'bool', DT_STRING: 'string', DT_COMPLEX64: 'complex64',
  DT_HALF: 'float16', DT_INT64: 'int64', DT_UINT8: 'uint8', DT_INT8: 'int8', DT_DOUBLE: 'float64'};

/** Signature inputs/outputs as [{name, dtype, shape}] (graph models' `signature`). */
export function signatureTensors(signature) {
  const list = (m) => Object.entries(m ?? {}).map(([key, t]) => ({
    name: t?.name ?? key,
    dtype: DT[t?.dtype] ?? t?.dtype ?? null,
    shape: t?.tensorShape?.unknownRank ? null : (t?.tensorShape?.dim ?? []).map(d => Number(d.size ?? -1)),
  }));
  return {inputs: list(signature?.inputs), outputs: list(signature?.outputs)};
}

/** 'graph' / 'keras' / 'binary' / 'none' / 'unknown'. */
export function topologyKind(topology) {
  if (topology == null) return 'none';
  if (topology instanceof ArrayBuffer || ArrayBuffer.isView(topology)) return 'binary GraphDef';
  if (Array.isArray(topology.node) || topology.versions || topology.library) return 'graph (GraphDef JSON)';
  if (topology.class_name || topology.model_config || topology.config) return 'keras (layers)';
  return 'unknown';
}
