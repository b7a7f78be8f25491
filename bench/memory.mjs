// Issue 12: memory of one training step of a real model size on the default backend. Per method: step
// time, peak tfjs memory, and the working set above what was resident before the step, for two depths
// of one width (the working set grows with tokens x layers, not with weight size), with and without
// activation checkpointing; beside each, estimateMemory's figure for the same step.
//
// The shape is SmolLM2-135M's (random weights). By default two shallow depths run (a few minutes);
// SMOA_MEMORY_CASES=full (or `pnpm bench --only=memory --memory-full`) adds the full 30-layer model.
import { performance } from 'node:perf_hooks';
import * as tf from '@tensorflow/tfjs-core';
import { injectAdapter } from '@smoa/adapters';
import { estimateMemory, llamaConfig, randomLlama } from '@smoa/llama';
import { embeddedModelDir, loadLlama } from '@smoa/llama/node';
import { AdamW, causalLmLossSum } from '@smoa/train';
import { timeIt } from './stats.mjs';

export const name = 'memory';

/** SmolLM2-135M: hidden 576, 30 layers, 9 heads, 3 key-value heads, intermediate 1536, vocab 49152, tied. */
export const SMOLLM2_135M = { vocabSize: 49152, hiddenSize: 576, numHiddenLayers: 30, numAttentionHeads: 9, numKeyValueHeads: 3, intermediateSize: 1536, tieWordEmbeddings: true, maxPositionEmbeddings: 8192, ropeTheta: 100000 };
const TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];
const METHODS = [
  { label: 'LoRA r16', method: 'lora', r: 16, config: { method: 'lora', r: 16 } },
  { label: 'SMoA r32 K2', method: 'smoa', r: 32, config: { method: 'smoa', r: 32, numBlocks: 2 } },
  { label: 'HiRA r16', method: 'hira', r: 16, config: { method: 'hira', r: 16 } },
  { label: 'MELoRA r32 K2', method: 'melora', r: 32, config: { method: 'melora', r: 32, numBlocks: 2 } },
  { label: 'DoRA r16', method: 'dora', r: 16, config: { method: 'dora', r: 16 } },
];
// The target step is batch 4 x seq 256 (the full case); the default cases use batch 1 x seq 256 so that
// they finish in minutes on a loaded machine. The working set scales with tokens, so the figures relate.
const FULL = { batch: 4, seq: 256 };
const QUICK = { batch: 1, seq: 256 };

function batchOf(vocab, batch, seq) {
  // Token ids that cover the vocabulary, all scored.
  const inputIds = tf.tensor2d(Int32Array.from({ length: batch * seq }, (_, i) => (i * 7919 + 13) % vocab), [batch, seq], 'int32');
  return { inputIds, lossMask: tf.ones([batch, seq], 'int32') };
}

/** One AdamW step's peak and working set (tf.profile) and its median time; the model is disposed after. */
async function measure(model, { runs, checkpointActivations = false, holdTransposed = false, batch, seq, warmup = true }) {
  model.setActivationCheckpointing(checkpointActivations);
  if (holdTransposed) model.holdTransposedWeights();
  const vars = model.trainableVariables();
  const opt = new AdamW({ learningRate: 1e-4, weightDecay: 0.01 });
  const data = batchOf(model.config.vocabSize, batch, seq);
  const tokens = batch * (seq - 1);
  const step = async () => {
    const { value, grads } = tf.variableGrads(() => tf.div(causalLmLossSum(model, data), tokens), vars);
    opt.applyGradients(grads);
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
  };
  // The first step creates the optimizer's moments; the profiled one is then a steady-state step. The
  // full-depth case skips the warm-up and times its one profiled step (minutes per step on wasm).
  if (warmup) await step();
  const residentBytes = tf.memory().numBytes;
  const before = tf.memory().numTensors;
  const t0 = performance.now();
  const prof = await tf.profile(step);
  const profiledMs = performance.now() - t0;
  const { ms } = warmup ? await timeIt(step, { warmup: 0, runs }) : { ms: profiledMs };
  const leaked = tf.memory().numTensors - before;
  const rss = process.memoryUsage().rss;
  tf.dispose([data.inputIds, data.lossMask]);
  opt.dispose();
  model.releaseTransposedWeights();
  model.dispose();
  tf.disposeVariables();
  return { ms, peakBytes: prof.peakBytes, residentBytes, workingBytes: prof.peakBytes - residentBytes, rss, leaked };
}

const MiB = 2 ** 20;

function records(label, r, params, estimate) {
  const p = { ...params, leakedTensorsPerStep: r.leaked };
  const out = [
    { name: 'memory_step_ms', value: r.ms, unit: 'ms', params: { case: label, ...params } },
    { name: 'memory_peak_tf', value: r.peakBytes / MiB, unit: 'MiB', params: { case: label, ...p } },
    { name: 'memory_resident_tf', value: r.residentBytes / MiB, unit: 'MiB', params: { case: label } },
    { name: 'memory_working_set_tf', value: r.workingBytes / MiB, unit: 'MiB', params: { case: label, ...params } },
  ];
  if (estimate) {
    out.push({ name: 'memory_estimate_peak', value: estimate.peakBytes / MiB, unit: 'MiB', params: { case: label } });
    out.push({ name: 'memory_estimate_ratio', value: estimate.peakBytes / r.peakBytes, unit: 'x', params: { case: label } });
  }
  return out;
}

export async function run({ runs, info, cases: caseNames = process.env.SMOA_MEMORY_CASES ?? (process.argv.includes('--memory-full') ? 'full' : 'depths'), methods = METHODS }) {
  const backend = info?.name ?? tf.getBackend();
  console.log('  (timings on a loaded machine are indicative only; memory figures are exact)');
  const wanted = new Set(String(caseNames).split(','));
  const stepRuns = Math.min(runs, 2);
  const out = [];
  const depths = [2, 4];
  const cases = [];
  const full = wanted.has('full');
  const size = full ? FULL : QUICK;
  for (const layers of depths) {
    // Every method at the first depth; LoRA and SMoA (the targets) at both, with and without checkpointing.
    for (const m of layers === depths[0] ? methods : methods.filter((x) => x.method === 'lora' || x.method === 'smoa')) {
      const both = m.method === 'lora' || m.method === 'smoa';
      for (const checkpointActivations of both ? [false, true] : [false]) cases.push({ m, layers, checkpointActivations, warmup: true, ...size });
    }
  }
  // The whole model: only checkpointed (its plain tape, ~0.6 GiB per layer at 1024 tokens, cannot fit).
  if (full) for (const m of methods.slice(0, 2)) cases.push({ m, layers: SMOLLM2_135M.numHiddenLayers, checkpointActivations: true, warmup: false, ...FULL });
  for (const { m, layers, checkpointActivations, warmup, batch, seq } of cases) {
    const config = llamaConfig({ ...SMOLLM2_135M, numHiddenLayers: layers });
    const model = randomLlama(config, { seed: 1 });
    injectAdapter(model, { ...m.config, targetModules: TARGETS });
    const label = `${m.label}, ${layers} layers, ${batch} x ${seq}${checkpointActivations ? ', checkpointed' : ''}`;
    const estimate = estimateMemory(config, { method: m.method, r: m.r, targetModules: TARGETS, batchSize: batch, seqLength: seq, backend, checkpointActivations });
    const r = await measure(model, { runs: stepRuns, checkpointActivations, warmup, batch, seq });
    out.push(...records(label, r, { layers, hidden: config.hiddenSize, vocab: config.vocabSize, batch, seq, tokensTimesLayers: batch * seq * layers, timing: warmup ? 'median after warm-up' : 'first step, profiled' }, estimate));
    console.log(`  ${label}: ${(r.peakBytes / MiB).toFixed(0)} MiB peak, ${(r.workingBytes / MiB).toFixed(0)} MiB working, ${(r.ms / 1000).toFixed(1)} s (estimate ${(estimate.peakBytes / MiB).toFixed(0)} MiB)`);
  }
  // A persistent W^T for the frozen projections (what generation holds) against none, in training:
  // held, the product x W^T is tf.matMul's, which saves W^T for backward (a weight-sized copy per step).
  for (const holdTransposed of [true, false]) {
    const config = llamaConfig({ ...SMOLLM2_135M, numHiddenLayers: depths[0] });
    const model = randomLlama(config, { seed: 1 });
    injectAdapter(model, { method: 'lora', r: 16, targetModules: ['q_proj', 'v_proj'] });
    const r = await measure(model, { runs: stepRuns, holdTransposed, ...QUICK });
    out.push(...records(`LoRA r16 q,v, ${depths[0]} layers, ${QUICK.batch} x ${QUICK.seq}, ${holdTransposed ? 'persistent W^T held' : 'no W^T'}`, r, { layers: depths[0], ...QUICK }));
  }
  // Full fine-tuning of the embedded model still trains.
  {
    const { model } = await loadLlama(embeddedModelDir());
    model.enableFullFineTuning();
    const estimate = estimateMemory(model.config, { method: 'full', batchSize: FULL.batch, seqLength: FULL.seq, backend });
    const r = await measure(model, { runs: stepRuns, ...FULL });
    out.push(...records(`full fine-tuning, embedded model, ${FULL.batch} x ${FULL.seq}`, r, { layers: model.config.numHiddenLayers, ...FULL }, estimate));
  }
  return out;
}
