import type { Command } from 'commander';
import * as tf from '@tensorflow/tfjs-core';
import { ADAPTER_METHODS, injectAdapter } from '@smoa/adapters';
import { estimateMemory, expectedTensors, randomLlama, type LlamaConfig } from '@smoa/llama';
import { intArg } from '../options/parse';
import { WASM_HEAP_BYTES, loadLlamaConfig, weightBytes } from '@smoa/llama/node';
import { adapterConfigFrom, withAdapterOptions, type AdapterFlags } from './adapter-options';
import { configHook, describeBackend, modelDirFrom, startBackend, withModelOptions } from './shared';

interface InfoOpts extends AdapterFlags {
  model?: string;
  backend?: string;
  batchSize: number;
  seqLength: number;
}

const fmt = (n: number) => n.toLocaleString('en-US');
const gib = (b: number) => `${(b / 2 ** 30).toFixed(2)} GiB`;
const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
/** GiB from 1 GiB up, MiB below. */
const size = (b: number) => (b >= 2 ** 30 ? gib(b) : mib(b));
const PROJECTIONS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];

/** Layer 0's projections (every layer has the same shapes) and lm_head, from config.json alone. */
function projections(config: LlamaConfig): [string, number[]][] {
  return [...expectedTensors(config)].filter(([n]) => /^model\.layers\.0\..*_proj\.weight$|^lm_head\.weight$/.test(n)).map(([n, s]) => [n.replace(/\.weight$/, ''), s]);
}

/** Refuses a rank no targeted projection can hold, before anything is allocated (--r 100000 took 33 s and 2.4 GB). */
function checkRank(config: LlamaConfig, opts: InfoOpts): void {
  const all = opts.targetModules.length === 1 && opts.targetModules[0] === 'all-linear';
  const targeted = projections(config).filter(([n]) => (all ? n !== 'lm_head' : opts.targetModules.some((t) => n.endsWith(`.${t}`))));
  if (targeted.length === 0) {
    throw new Error(`--target-modules ${opts.targetModules.join(',')}: matches none of the model's projections (${PROJECTIONS.join(', ')})`);
  }
  const [name, shape] = targeted.reduce((a, b) => (Math.min(...b[1]) < Math.min(...a[1]) ? b : a));
  const limit = Math.min(...shape);
  if (opts.r > limit) {
    throw new Error(`--r ${opts.r}: larger than the smallest targeted projection (${name.replace('model.layers.0.', 'model.layers.*.')} [${shape.join(', ')}] allows at most r = ${limit})`);
  }
}

/**
 * Trainable parameters per method, counted by injecting into a one-layer model of the same widths
 * (every layer is alike) and multiplying: exact, and small next to the real model.
 */
function trainablePerMethod(config: LlamaConfig, opts: InfoOpts): string[] {
  const oneLayer: LlamaConfig = { ...config, numHiddenLayers: 1, vocabSize: 8, tieWordEmbeddings: true };
  const layerParams = weightBytes(oneLayer) / 4;
  // SMoA's spectral initialisation of a big layer takes minutes; the count needs no big model.
  if (layerParams > 4e6) {
    return [`  (not counted: one layer has ${fmt(layerParams)} parameters, too large to instantiate for counting; counted for layers up to 4,000,000)`];
  }
  const model = randomLlama(oneLayer);
  const total = weightBytes(config) / 4;
  const lines: string[] = [];
  try {
    for (const method of ADAPTER_METHODS) {
      const adapters = injectAdapter(model, adapterConfigFrom({ ...opts, method }));
      const perLayer = adapters.trainableParameters().trainable;
      adapters.unload();
      const n = perLayer * config.numHiddenLayers;
      lines.push(`  ${method.padEnd(8)} ${fmt(n).padStart(12)}  (${((100 * n) / total).toFixed(3)}% of all)  adapter ${mib(n * 4)}, AdamW state ${mib(n * 8)}`);
    }
  } finally {
    model.dispose();
  }
  return lines;
}

/** estimateMemory's figures for one training step of each method, plain and with activation checkpointing. */
function trainingPlan(config: LlamaConfig, opts: InfoOpts): string[] {
  const all = opts.targetModules.length === 1 && opts.targetModules[0] === 'all-linear';
  const targetModules = all ? undefined : opts.targetModules;
  const lines = [
    `training step estimate (estimateMemory; batch ${opts.batchSize} x ${opts.seqLength} tokens, AdamW; peak = resident + activations, loss and gradients):`,
    `  ${'method'.padEnd(8)} ${'trainable'.padStart(14)} ${'resident'.padStart(11)} ${'peak'.padStart(11)} ${'checkpointed'.padStart(13)}  wasm (${gib(WASM_HEAP_BYTES)})`,
  ];
  for (const method of [...ADAPTER_METHODS, 'full']) {
    const base = { method, r: opts.r, numBlocks: opts.numBlocks, targetModules, batchSize: opts.batchSize, seqLength: opts.seqLength, backend: 'wasm' };
    const plain = estimateMemory(config, base);
    const ckpt = estimateMemory(config, { ...base, checkpointActivations: true });
    const fits = plain.fits ? 'fits' : ckpt.fits ? 'fits only checkpointed' : 'does not fit';
    lines.push(
      `  ${method.padEnd(8)} ${fmt(plain.trainableParameters).padStart(14)} ${size(plain.residentBytes).padStart(11)} ${size(plain.peakBytes).padStart(11)} ${size(ckpt.peakBytes).padStart(13)}  ${fits}`,
    );
  }
  return lines;
}

export function registerInfo(program: Command): void {
  let cmd = withModelOptions(
    program.command('info').description('backend report, model summary and memory plan from config.json alone (no weights are read or downloaded), trainable parameters of each adapter method'),
  );
  cmd = withAdapterOptions(cmd, ADAPTER_METHODS)
    .option('--batch-size <n>', 'sequences per step, for the training estimate', intArg(1), 8)
    .option('--seq-length <n>', 'tokens per sequence, for the training estimate', intArg(1), 128);
  configHook(cmd).action(async (opts: InfoOpts) => {
    const info = await startBackend(opts.backend);
    const { config, name } = await loadLlamaConfig(modelDirFrom(opts.model));
    checkRank(config, opts);
    const params = weightBytes(config) / 4;
    const lines = [describeBackend(info), '', `model: ${name}`];
    lines.push(
      `  ${config.modelType ?? 'llama'}: ${config.numHiddenLayers} layers, hidden ${config.hiddenSize}, intermediate ${config.intermediateSize}, ${config.numAttentionHeads} heads (${config.numKeyValueHeads} kv), vocab ${config.vocabSize}, ${config.maxPositionEmbeddings} positions${config.tieWordEmbeddings ? ', tied embeddings' : ''}`,
      `  ${fmt(params)} parameters`,
      '  linear modules (every layer alike):',
    );
    for (const [path, shape] of projections(config)) lines.push(`    ${path} [${shape.join(', ')}]`);
    const bytes = weightBytes(config);
    lines.push('', 'memory plan (weights as held in memory, float32):', `  weights ${size(bytes)} (${fmt(bytes)} bytes)`);
    for (const backend of ['wasm', 'cpu', 'tensorflow', 'webgl', 'webgpu']) {
      const verdict =
        backend === 'wasm'
          ? bytes <= WASM_HEAP_BYTES
            ? `fits the ${gib(WASM_HEAP_BYTES)} heap (${size(WASM_HEAP_BYTES - bytes)} left for adapters, optimizer and activations)`
            : `does not fit: the heap is limited to ${gib(WASM_HEAP_BYTES)}; loading is refused before downloading weights`
          : 'no fixed limit: bounded by host (or GPU) memory';
      lines.push(`  ${backend.padEnd(10)} ${verdict}${backend === tf.getBackend() ? '  <- active' : ''}`);
    }
    lines.push('', `trainable parameters at r=${opts.r}, targets ${opts.targetModules.join(',')}:`, ...trainablePerMethod(config, opts));
    lines.push('', ...trainingPlan(config, opts));
    process.stdout.write(lines.join('\n') + '\n');
  });
}
