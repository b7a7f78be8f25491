// Training-step micro-benchmark: SMoA versus LoRA at equal trainable parameters, forward + backward,
// on the active tfjs backend (wasm by default). Run: node bench/step.mjs (after `pnpm build`).
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@smoa/backend';
import { createAdapter } from '../dist/index.js';
import { median } from '../../../bench/stats.mjs';

// x is a (frozen) variable whose gradient is taken too: inside a network every adapted projection but
// the first must pass dy W back to the layer below, for LoRA and SMoA alike.
function stepTime(layer, x, repeats) {
  const step = () => {
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(layer.apply(x))), [...layer.trainableVariables, x]);
    value.dataSync();
    value.dispose();
    tf.dispose(grads);
  };
  step();
  const times = [];
  for (let i = 0; i < repeats; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** Records {name, value, unit, params}: median step time of each method and the SMoA / LoRA ratio. */
export async function run({ tokens = 512, repeats = 7, shapes = [[512, 512], [512, 1376]], loraRank = 8, numBlocks = 2 } = {}) {
  const info = await initBackend();
  const records = [];
  for (const [out, inn] of shapes) {
    const weight = tf.randomNormal([out, inn], 0, 1 / Math.sqrt(inn));
    const x = tf.variable(tf.randomNormal([tokens, inn]), false);
    const lora = createAdapter({ method: 'lora', r: loraRank }, { weight });
    // Same trainable budget: SMoA's K blocks cost r (out + in) / K, so r_SMoA = K r_LoRA.
    const smoa = createAdapter({ method: 'smoa', r: loraRank * numBlocks, numBlocks }, { weight });
    const params = { backend: info.name, out, in: inn, tokens, trainable: lora.numTrainableParams };
    if (smoa.numTrainableParams !== lora.numTrainableParams) throw new Error('budgets differ');
    const tl = stepTime(lora, x, repeats);
    const ts = stepTime(smoa, x, repeats);
    records.push({ name: `adapters.step.lora.${out}x${inn}`, value: tl, unit: 'ms', params });
    records.push({ name: `adapters.step.smoa.${out}x${inn}`, value: ts, unit: 'ms', params: { ...params, numBlocks } });
    records.push({ name: `adapters.step.smoa_over_lora.${out}x${inn}`, value: ts / tl, unit: 'ratio', params: { ...params, target: 1.3 } });
    lora.dispose();
    smoa.dispose();
    tf.dispose([weight, x]);
  }
  return records;
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(JSON.stringify(await run(), null, 1));
