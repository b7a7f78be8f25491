import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@smoa/backend';
import { loadLlama, embeddedModelDir } from '@smoa/llama/node';
await initBackend();
const { model } = await loadLlama(embeddedModelDir());
await model.generate([[1]], { maxNewTokens: 20 });
let t = performance.now();
await model.generate([[1]], { maxNewTokens: 128 });
console.log('cached ms/token', (performance.now() - t) / 128);
t = performance.now();
await model.generate([[1]], { maxNewTokens: 128, useCache: false });
console.log('recompute ms/token', (performance.now() - t) / 128);
// kernel count for one step
const prof = await tf.profile(async () => { await model.generate([[1, 400, 500]], { maxNewTokens: 2 }); });
const counts = {};
for (const k of prof.kernels) counts[k.name] = (counts[k.name] ?? 0) + 1;
console.log(prof.kernels.length, JSON.stringify(counts));
