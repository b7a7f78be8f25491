// Figures 1, 2 and 4: one training step (forward, backward, AdamW update) of a Llama-shaped model per
// adapter at equal trainable parameters, measured side by side in one process, each as a ratio to
// LoRA; the step's achieved throughput against the backend's own matmul throughput measured here too;
// and the step's peak tfjs memory and process RSS.
import * as tf from '@tensorflow/tfjs-core';
import { Linear, injectAdapter } from '@smoa/adapters';
import { LlamaForCausalLM } from '@smoa/llama';
import { AdamW, causalLmLossSum } from '@smoa/train';
import { timeIt } from './stats.mjs';

export const name = 'train-step';

// hidden 512, 4 layers, seq 128, batch 4, as the PyTorch reference (LoRA r16: 569 ms/step on this CPU).
export const SHAPE = { hidden: 512, layers: 4, heads: 8, intermediate: 1376, vocab: 32000, seq: 128, batch: 4 };
const TARGETS = ['q_proj', 'k_proj', 'v_proj', 'up_proj', 'down_proj'];

// Equal trainable budget: LoRA r16 spends 16 (in + out) per target; SMoA and MELoRA with K = 2 spend
// r (in + out) / K, so r = 32; HiRA r16 matches LoRA exactly; DoRA adds its magnitude vector (out).
export const ADAPTERS = [
  { label: 'LoRA r16', config: { method: 'lora', r: 16 } },
  { label: 'SMoA r32 K2', config: { method: 'smoa', r: 32, numBlocks: 2 } },
  { label: 'HiRA r16', config: { method: 'hira', r: 16 } },
  { label: 'MELoRA r32 K2', config: { method: 'melora', r: 32, numBlocks: 2 } },
  { label: 'DoRA r16', config: { method: 'dora', r: 16 } },
];

function config(s) {
  return {
    vocabSize: s.vocab, hiddenSize: s.hidden, intermediateSize: s.intermediate, numHiddenLayers: s.layers,
    numAttentionHeads: s.heads, numKeyValueHeads: s.heads, headDim: s.hidden / s.heads,
    maxPositionEmbeddings: 2048, rmsNormEps: 1e-5, ropeTheta: 10000, ropeScaling: null,
    attentionBias: false, mlpBias: false, tieWordEmbeddings: false,
  };
}

function randomModel(s) {
  // Drawn at their scale (no tf.mul afterwards), so the weights stay CPU-resident until first used:
  // injecting adapters reads them synchronously, which tfjs-backend-webgpu under Node can do only then.
  const w = (out, inn) => new Linear(tf.randomNormal([out, inn], 0, 0.02, 'float32', 1));
  const layers = [];
  for (let i = 0; i < s.layers; i++) {
    layers.push({
      inputLayernorm: tf.ones([s.hidden]),
      postAttentionLayernorm: tf.ones([s.hidden]),
      selfAttn: { qProj: w(s.hidden, s.hidden), kProj: w(s.hidden, s.hidden), vProj: w(s.hidden, s.hidden), oProj: w(s.hidden, s.hidden) },
      mlp: { gateProj: w(s.intermediate, s.hidden), upProj: w(s.intermediate, s.hidden), downProj: w(s.hidden, s.intermediate) },
    });
  }
  const weights = {
    embedTokens: tf.randomNormal([s.vocab, s.hidden], 0, 0.02, 'float32', 2),
    layers,
    norm: tf.ones([s.hidden]),
    lmHead: w(s.vocab, s.hidden),
  };
  return new LlamaForCausalLM(config(s), weights, 'bench-llama');
}

/**
 * Matmul FLOPs of one step, counted conservatively: forward 2*M*N*K per projection, attention (QK^T and
 * AV over all seq x seq pairs) and LM head; backward only the activations' gradients (1x forward), since
 * frozen weights need no gradient and the adapters' own products (r << hidden) are left out. Attention's
 * backward really needs two products per forward one, so this undercounts slightly (by ~2%), never over.
 */
export function stepFlops(s) {
  const tokens = s.batch * s.seq;
  const proj = 4 * s.hidden * s.hidden + 3 * s.hidden * s.intermediate;
  const attn = 2 * s.seq * s.hidden; // multiply-adds per token for QK^T and AV together
  const fwd = 2 * tokens * (s.layers * (proj + attn) + s.vocab * s.hidden);
  return 2 * fwd;
}

async function measureAdapter(s, spec, runs) {
  const model = randomModel(s);
  const peft = injectAdapter(model, { ...spec.config, targetModules: TARGETS });
  const vars = model.trainableVariables();
  const trainable = vars.reduce((a, v) => a + v.size, 0);
  const opt = new AdamW({ learningRate: 1e-4, weightDecay: 0.01 });
  const ids = tf.tensor2d(Int32Array.from({ length: s.batch * s.seq }, (_, i) => (i * 7919) % s.vocab), [s.batch, s.seq], 'int32');
  const mask = tf.ones([s.batch, s.seq], 'int32');
  const step = async () => {
    // The loss training runs (fineTune's): the LM head fused into a chunked cross-entropy, no [B, T, V] logits.
    const { value, grads } = tf.variableGrads(() => tf.div(causalLmLossSum(model, { inputIds: ids, lossMask: mask }), s.batch * (s.seq - 1)), vars);
    opt.applyGradients(grads);
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
  };
  await step();
  const before = tf.memory().numTensors;
  const rssBefore = process.memoryUsage().rss;
  tf.engine().startScope();
  // peakBytes is absolute (everything resident); the step's own working set is the peak above what was
  // resident before it, which is what separates methods (a dense out x in update per layer would show here).
  const residentBytes = tf.memory().numBytes;
  const prof = await tf.profile(step);
  tf.engine().endScope();
  // The two steps above (the first, and the profiled one) are the warm-up.
  const { ms } = await timeIt(step, { warmup: 0, runs });
  const leaked = tf.memory().numTensors - before;
  const rss = process.memoryUsage().rss;
  tf.dispose([ids, mask]);
  opt.dispose();
  peft.dispose?.();
  // The model's own weights too (~180 MB per adapter): kept, they exhaust wasm's 4 GB heap by the
  // fourth adapter after the spectral bench (xnn_create_fully_connected_nc_f32 status 6).
  model.dispose();
  tf.disposeVariables();
  return { ms, trainable, peakBytes: prof.peakBytes, workingBytes: prof.peakBytes - residentBytes, rss: Math.max(rss, rssBefore), leaked };
}

/** SMOA_BENCH_ADAPTERS=lora,smoa keeps a short run to those methods (LoRA, the ratios' base, always runs). */
export function selectedAdapters(env = process.env.SMOA_BENCH_ADAPTERS) {
  if (env === undefined || env.trim() === '') return ADAPTERS;
  const wanted = env.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  const known = ADAPTERS.map((a) => a.config.method);
  for (const w of wanted) if (!known.includes(w)) throw new Error(`SMOA_BENCH_ADAPTERS: unknown method "${w}"; valid: ${known.join(', ')}`);
  return ADAPTERS.filter((a) => a.config.method === 'lora' || wanted.includes(a.config.method));
}

export async function run({ runs, shape = SHAPE, adapters = selectedAdapters() }) {
  const s = shape;
  // The roofline, measured in this run on the same backend: a matmul as large as the model's biggest.
  const a = tf.randomNormal([s.batch * s.seq, s.hidden]);
  const b = tf.randomNormal([s.hidden, s.intermediate]);
  const mm = await timeIt(async () => { const c = tf.matMul(a, b); await c.data(); c.dispose(); }, { warmup: 2, runs: Math.max(runs, 5) });
  const rooflineGflops = (2 * s.batch * s.seq * s.hidden * s.intermediate) / (mm.ms * 1e6);
  tf.dispose([a, b]);

  const results = [];
  for (const spec of adapters) results.push({ spec, ...(await measureAdapter(s, spec, runs)) });
  const lora = results.find((r) => r.spec.config.method === 'lora');
  const flops = stepFlops(s);
  const out = [{ name: 'train_step_roofline_matmul', value: rooflineGflops, unit: 'GFLOP/s', params: { m: s.batch * s.seq, k: s.hidden, n: s.intermediate } }];
  for (const r of results) {
    const params = { adapter: r.spec.label, trainable: r.trainable, ...s };
    out.push({ name: 'train_step_ms', value: r.ms, unit: 'ms', params });
    out.push({ name: 'train_step_ratio_to_lora', value: r.ms / lora.ms, unit: 'x', params: { adapter: r.spec.label } });
    const gflops = flops / (r.ms * 1e6);
    out.push({ name: 'train_step_throughput', value: gflops, unit: 'GFLOP/s', params: { adapter: r.spec.label, modelGflop: flops / 1e9 } });
    out.push({ name: 'train_step_fraction_of_matmul', value: gflops / rooflineGflops, unit: 'fraction', params: { adapter: r.spec.label } });
    out.push({ name: 'train_step_peak_tf_bytes', value: r.peakBytes / 2 ** 20, unit: 'MiB', params: { adapter: r.spec.label } });
    out.push({ name: 'train_step_working_tf_bytes', value: r.workingBytes / 2 ** 20, unit: 'MiB', params: { adapter: r.spec.label } });
    out.push({ name: 'train_step_rss', value: r.rss / 2 ** 20, unit: 'MiB', params: { adapter: r.spec.label, leakedTensorsPerStep: r.leaked } });
  }
  return out;
}
