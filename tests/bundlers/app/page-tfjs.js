// Real TensorFlow.js in a bundle: tf.loadGraphModel(http(url)) must predict
// exactly what tf.loadGraphModel(url) (tf.io.http) predicts.
import * as tf from '@tensorflow/tfjs';
import { http } from 'model-artifacts';

async function outputs(model, input) {
  const result = await model.executeAsync(input);
  const list = Array.isArray(result) ? result : [result];
  const out = list.map((t) => ({ shape: t.shape, data: Array.from(t.dataSync()) }));
  tf.dispose(list);
  return out;
}

try {
  await tf.setBackend('cpu');
  const url = new URL('/fixtures/human-selfie-f16/model.json', location.href).href;
  const ours = await tf.loadGraphModel(http(url));
  const theirs = await tf.loadGraphModel(url);
  const input = tf.randomUniform([1, 256, 256, 3], 0, 1, 'float32', 7);
  const got = await outputs(ours, input);
  const want = await outputs(theirs, input);
  window.__result = {
    shapes: got.map((o) => o.shape), wantShapes: want.map((o) => o.shape),
    values: got.reduce((n, o) => n + o.data.length, 0),
    differing: got.reduce((n, o, i) => n + o.data.filter((x, j) => !Object.is(x, want[i]?.data[j])).length, 0),
  };
} catch (err) {
  window.__result = { error: `${err?.name}: ${err?.code ?? ''} ${err?.message ?? err}` };
}
