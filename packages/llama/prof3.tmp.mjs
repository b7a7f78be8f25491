import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@smoa/backend';
import { llamaConfig, randomLlama } from '@smoa/llama';
import { loadLlama, embeddedModelDir } from '@smoa/llama/node';
await initBackend();
const cpu = async (f) => { const c = process.cpuUsage(); await f(); const d = process.cpuUsage(c); return (d.user + d.system) / 1000; };
const config = llamaConfig({ vocabSize: 32000, hiddenSize: 512, numHiddenLayers: 8, numAttentionHeads: 8 });
const big = randomLlama(config, { seed: 1 });
const { model: small } = await loadLlama(embeddedModelDir());
const N = 32;
for (const [name, m] of [['stories', small], ['h512', big]]) {
  for (const T of [1, 64]) {
    const ids = tf.zeros([1, T], 'int32');
    await cpu(async () => { const l = m.forward(ids); await l.data(); l.dispose(); });
    console.log(name, 'forward T', T, (await cpu(async () => { const l = m.forward(ids); await l.data(); l.dispose(); })).toFixed(1), 'ms cpu');
  }
  for (const transposedWeights of [false, true]) {
    await m.generate([[1]], { maxNewTokens: 4, eosTokenId: [], transposedWeights });
    console.log(name, 'gen cached, transposed', transposedWeights, ((await cpu(() => m.generate([[1]], { maxNewTokens: N, eosTokenId: [], transposedWeights }))) / N).toFixed(1), 'ms cpu/token');
  }
  console.log(name, 'gen recompute', ((await cpu(() => m.generate([[1]], { maxNewTokens: N, eosTokenId: [], useCache: false }))) / N).toFixed(1), 'ms cpu/token');
}
