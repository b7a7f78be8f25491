// Llama speed for `pnpm bench` (scripts/bench.mjs): forward tokens/s, and generation tokens/s with and
// without the KV cache at 128 new tokens, for the embedded stories260K and a random hidden-512, 8-layer
// model. Standalone: `node packages/llama/bench/generate.mjs [runs]` after `pnpm build`.
import * as tf from '@tensorflow/tfjs-core';
import { llamaConfig, randomLlama } from '@smoa/llama';
import { embeddedModelDir, loadLlama } from '@smoa/llama/node';
import { timeIt } from '../../../bench/stats.mjs';

export const name = 'llama';

const NEW_TOKENS = 128;

/** Median seconds of fn over `runs` runs after a warm-up (fn itself unless a cheaper one is given). */
const time = async (fn, runs, warmUpWith = fn) => (await timeIt(fn, { runs, warmUpWith })).ms / 1000;

async function measure(label, model, runs, params) {
  const V = model.config.vocabSize;
  const records = [];
  const forwardShapes = [[1, 128], [4, 128]];
  for (const [B, T] of forwardShapes) {
    const ids = tf.tensor2d(Int32Array.from({ length: B * T }, (_, i) => (i * 7919) % V), [B, T], 'int32');
    const s = await time(async () => {
      const logits = model.forward(ids);
      await logits.data();
      logits.dispose();
    }, runs);
    ids.dispose();
    records.push({ name: `llama.${label}.forward`, value: (B * T) / s, unit: 'tokens/s', params: { ...params, batch: B, seq: T } });
  }
  const gen = (useCache, maxNewTokens = NEW_TOKENS) => () => model.generate([[1]], { maxNewTokens, eosTokenId: [], useCache });
  // Side by side in one run so the ratio compares like with like. A short generation warms up the
  // kernels as well as a full one does.
  const cached = await time(gen(true), runs, gen(true, 8));
  const recompute = await time(gen(false), runs, gen(false, 8));
  const common = { ...params, batch: 1, prompt: 1, newTokens: NEW_TOKENS, greedy: true };
  records.push(
    { name: `llama.${label}.generate.cached`, value: NEW_TOKENS / cached, unit: 'tokens/s', params: common },
    { name: `llama.${label}.generate.recompute`, value: NEW_TOKENS / recompute, unit: 'tokens/s', params: common },
    { name: `llama.${label}.generate.cache-speedup`, value: recompute / cached, unit: 'x', params: { ...common, target: '>= 5' } },
  );
  return records;
}

export async function run({ runs = 5, log = () => {} } = {}) {
  const records = [];
  const { model: stories } = await loadLlama(embeddedModelDir());
  records.push(...(await measure('stories260K', stories, runs, { params: stories.numParameters() })));
  log(records);
  stories.dispose();

  const config = llamaConfig({ vocabSize: 32000, hiddenSize: 512, numHiddenLayers: 8, numAttentionHeads: 8 });
  const random = randomLlama(config, { seed: 1 });
  records.push(
    ...(await measure('random-h512-l8', random, runs, {
      params: random.numParameters(),
      hidden: 512,
      layers: 8,
      heads: 8,
      intermediate: config.intermediateSize,
      vocab: config.vocabSize,
    })),
  );
  random.dispose();
  return records;
}

// Run directly: print the records.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { initBackend } = await import('@smoa/backend');
  const info = await initBackend();
  console.error(`backend ${info.name}, threads ${info.threads}, simd ${info.simd}`);
  const log = (rs) => console.error(rs.map((r) => `${r.name} ${r.value.toFixed(2)} ${r.unit}`).join('\n'));
  for (const r of await run({ runs: Number(process.argv[2] ?? 5), log })) console.log(JSON.stringify(r));
}
