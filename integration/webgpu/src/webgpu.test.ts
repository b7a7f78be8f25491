import * as tf from '@tensorflow/tfjs-core';
import { injectAdapter, type AdapterModelConfig } from '@smoa/adapters';
import { initBackend, type BackendInfo } from '@smoa/backend';
import { embeddedModelDir, loadLlama } from '@smoa/llama/node';
import { readSafetensors } from '@smoa/safetensors';
import { MemoryCheckpointStore, prepareModel, train, type TrainEvent } from '@smoa/train';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

// tfjs-backend-webgpu under Node.js through Dawn (the `webgpu` package), checked against wasm on the
// embedded model: the forward pass and a few SMoA and LoRA training steps. Where the machine has no
// GPU, Debian's chromium package ships SwiftShader, a software Vulkan driver, which Dawn can use
// when it is named (software adapters are never picked by default).
const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
if (process.env.VK_ICD_FILENAMES === undefined && existsSync(SWIFTSHADER_ICD)) process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
if (process.env.XDG_RUNTIME_DIR === undefined) {
  const dir = join(tmpdir(), `smoa-xdg-${process.getuid?.() ?? 'user'}`);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  process.env.XDG_RUNTIME_DIR = dir;
}

const loaders = { dawn: () => import('webgpu'), webgpu: () => import('@tensorflow/tfjs-backend-webgpu') };
const REL = 1e-3;

/** Tries a hardware adapter first, then SwiftShader by name; the reasons if neither works. */
async function webgpuBackend(): Promise<{ info?: BackendInfo; why: string[] }> {
  const why: string[] = [];
  for (const webgpuAdapter of [undefined, 'swiftshader']) {
    try {
      return { info: await initBackend({ prefer: 'webgpu', loaders, ...(webgpuAdapter ? { webgpuAdapter } : {}) }), why };
    } catch (err) {
      why.push((err as Error).message.split('\n').slice(1).join(' ').trim());
    }
  }
  return { why };
}

const TEXT = [1, 403, 407, 261, 378, 305, 261, 387, 259, 427, 267, 284, 259, 348, 284, 262, 406, 400, 287, 285, 266, 450, 300, 415];

interface RunResult {
  logits: Float32Array;
  losses: Record<string, number[]>;
  finals: Record<string, Float32Array[]>;
  tensorsFlat: boolean;
}

/** The same work on whichever backend is active; `init` gives every adapter variable its start value. */
async function work(init?: Record<string, Float32Array[]>): Promise<RunResult> {
  const ids = tf.tensor2d([TEXT], undefined, 'int32');
  const base = (await loadLlama(embeddedModelDir())).model;
  const plain = (await base.forward(ids).data()) as Float32Array;
  // A left-padded row: on GPU backends positions and the key mask come from the mask on the device.
  const padded = tf.tensor2d([[0, 0, 0, ...TEXT.slice(0, 12)]], undefined, 'int32');
  const mask = tf.tensor2d([[0, 0, 0, ...TEXT.slice(0, 12).map(() => 1)]], undefined, 'int32');
  const masked = (await base.forward(padded, { attentionMask: mask }).data()) as Float32Array;
  const logits = new Float32Array([...plain, ...masked.subarray(3 * base.config.vocabSize)]);
  tf.dispose([padded, mask]);
  base.dispose();
  const losses: Record<string, number[]> = {};
  const finals: Record<string, Float32Array[]> = {};
  const starts: Record<string, Float32Array[]> = {};
  let tensorsFlat = true;
  const targetModules = ['q_proj', 'v_proj', 'down_proj'];
  const methods: Record<string, AdapterModelConfig> = {
    lora: { method: 'lora', r: 4, alpha: 8, targetModules },
    smoa: { method: 'smoa', r: 8, numBlocks: 2, targetModules },
  };
  for (const [label, config] of Object.entries(methods)) {
    // A fresh model per method: adapters read the base weights synchronously when injected, which
    // tfjs-backend-webgpu can do under Node only while they are still CPU-side (before any kernel ran).
    const { model } = await loadLlama(embeddedModelDir());
    const peft = injectAdapter(model, config, { seed: 7 });
    const vars = model.trainableVariables();
    // LoRA's B starts at zero, so give B a value too: the first step's gradient then reaches A.
    if (init) vars.forEach((v, i) => v.assign(tf.tensor(init[label]![i]!, v.shape)));
    else for (const v of vars) v.assign(tf.add(v, tf.randomUniform(v.shape, -0.05, 0.05, 'float32', 3)));
    starts[label] = await Promise.all(vars.map(async (v) => (await v.data()) as Float32Array));
    // Plain SGD: the update is linear in the gradient, so the comparison below reads the gradients'
    // agreement (Adam's m / sqrt(v) turns float32 noise in near-zero gradients into full-size steps).
    const opt = tf.train.sgd(0.5);
    losses[label] = [];
    let count = 0;
    for (let step = 0; step < 3; step++) {
      const { value, grads } = tf.variableGrads(() => {
        const out = model.forward(ids);
        const V = out.shape[2];
        const T = TEXT.length;
        const inputs = tf.reshape(tf.slice(out, [0, 0, 0], [1, T - 1, V]), [-1, V]);
        const labels = tf.oneHot(tf.reshape(tf.slice(ids, [0, 1], [1, T - 1]), [-1]) as tf.Tensor1D, V);
        return tf.losses.softmaxCrossEntropy(labels, inputs) as tf.Scalar;
      }, vars);
      opt.applyGradients(grads);
      losses[label].push((await value.data())[0]!);
      tf.dispose([value, ...Object.values(grads)]);
      if (step === 1) count = tf.memory().numTensors;
      if (step === 2) tensorsFlat &&= tf.memory().numTensors === count;
    }
    finals[label] = await Promise.all(vars.map(async (v) => (await v.data()) as Float32Array));
    opt.dispose();
    peft.unload();
    model.dispose();
  }
  ids.dispose();
  return { logits, losses, finals: { ...finals, ...Object.fromEntries(Object.entries(starts).map(([k, v]) => [`${k}:start`, v])) }, tensorsFlat };
}

interface TrainerRun {
  losses: number[];
  resumedLosses: number[];
  checkpointSteps: number[];
  params: Float32Array[];
  moments: Float32Array[];
}

const TRAINER_ADAPTER: AdapterModelConfig = { method: 'smoa', r: 8, numBlocks: 2, targetModules: ['q_proj', 'v_proj', 'down_proj'] };

/**
 * @smoa/train's own loop (AdamW, fused LM-head loss, checkpoints) on whichever backend is active: three
 * steps with checkpoints after steps 2 and 3, then a fresh model that resumes from the last one for a
 * fourth step. Every readback in the loop and in the checkpoint payload must be asynchronous, or
 * tfjs-backend-webgpu under Node throws.
 */
async function trainerRun(): Promise<TrainerRun> {
  const examples = [{ inputIds: TEXT, lossMask: TEXT.map(() => 1) }, { inputIds: [...TEXT].reverse(), lossMask: TEXT.map(() => 1) }];
  const config = { maxSteps: 3, batchSize: 2, learningRate: 0.01, decay: 'constant' as const, seed: 0, checkpointEvery: 2 };
  const store = new MemoryCheckpointStore();
  const run = async (maxSteps: number, resume: boolean) => {
    // A fresh model per run, as a resumed process has (see work() on why adapters go on fresh models).
    const { model: base } = await loadLlama(embeddedModelDir());
    const events: TrainEvent[] = [];
    const model = prepareModel(base, { kind: 'adapter', adapter: TRAINER_ADAPTER, seed: 0 });
    const result = await train({ model, train: examples, config: { ...config, maxSteps }, store, resume, onEvent: (e) => void events.push(e) });
    expect(result.reason).toBe('completed');
    model.adapters!.unload();
    base.dispose();
    return events;
  };
  const events = await run(3, false);
  const last = (await store.load('last'))!;
  const weights = await readSafetensors(last.weights, 'checkpoint weights');
  const optimizer = await readSafetensors(last.optimizer, 'checkpoint optimizer');
  const params = await Promise.all(weights.keys().map(async (k) => (await weights.readFloat32(k)).data));
  const moments = await Promise.all(optimizer.keys().map(async (k) => (await optimizer.readFloat32(k)).data));
  const resumed = await run(4, true);
  const lossesOf = (list: TrainEvent[]) => list.flatMap((e) => (e.type === 'step' ? [e.loss] : []));
  return {
    losses: lossesOf(events),
    resumedLosses: lossesOf(resumed),
    checkpointSteps: events.flatMap((e) => (e.type === 'checkpoint' ? [e.step] : [])),
    params,
    moments,
  };
}

function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return diff / Math.max(scale, 1e-12);
}

let gpu: { info?: BackendInfo; why: string[] };
let wasm: RunResult;
let wasmTrainer: TrainerRun;
beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
  wasm = await work();
  wasmTrainer = await trainerRun();
  gpu = await webgpuBackend();
  if (gpu.info === undefined) console.warn(`integration/webgpu: skipped, no WebGPU adapter here: ${gpu.why.join('; ')}`);
}, 1_200_000);

describe('webgpu under Node.js (Dawn) against wasm', () => {
  it('finds an adapter, and refuses a software one unless named', async (ctx) => {
    if (gpu.info === undefined) return ctx.skip();
    expect(gpu.info.name).toBe('webgpu');
    expect(gpu.info.adapter).toBeDefined();
    if (gpu.info.adapter!.software) expect(gpu.why[0]).toMatch(/only a software adapter, .*ask for it by name \(webgpuAdapter: '/);
  });

  it('computes the forward pass and SMoA and LoRA steps as wasm does (1e-3 relative)', async (ctx) => {
    if (gpu.info === undefined) return ctx.skip();
    const starts = { lora: wasm.finals['lora:start']!, smoa: wasm.finals['smoa:start']! };
    const got = await work(starts);
    expect(relDiff(got.logits, wasm.logits)).toBeLessThan(REL);
    for (const m of ['lora', 'smoa']) {
      expect(relDiff(got.losses[m]!, wasm.losses[m]!)).toBeLessThan(REL);
      // What the three steps changed in each adapter variable, on both backends alike.
      const start = wasm.finals[`${m}:start`]!;
      const delta = (v: Float32Array, i: number) => v.map((x, j) => x - start[i]![j]!);
      wasm.finals[m]!.forEach((v, i) => expect(Math.max(...delta(v, i).map(Math.abs))).toBeGreaterThan(0));
      got.finals[m]!.forEach((v, i) => expect(relDiff(delta(v, i), delta(wasm.finals[m]![i]!, i))).toBeLessThan(REL));
    }
    expect(got.tensorsFlat).toBe(true);
  }, 1_200_000);

  it("runs @smoa/train's loop with checkpoints and a resume as wasm does (1e-3 relative)", async (ctx) => {
    if (gpu.info === undefined) return ctx.skip();
    const got = await trainerRun();
    expect(got.checkpointSteps).toEqual(wasmTrainer.checkpointSteps);
    expect(wasmTrainer.checkpointSteps).toEqual([2, 3]);
    expect(relDiff(got.losses, wasmTrainer.losses)).toBeLessThan(REL);
    expect(wasmTrainer.resumedLosses.length).toBe(1);
    expect(relDiff(got.resumedLosses, wasmTrainer.resumedLosses)).toBeLessThan(REL);
    expect(got.params.length).toBe(wasmTrainer.params.length);
    // The saved moments agree to 1e-3. The weights get 1e-2: AdamW moves a coordinate whose gradient is
    // near zero by up to the learning rate whatever the gradient's size, so float32 noise there reaches
    // the weights at the rate's scale (measured on SwiftShader: one tensor of 60 at 2.2e-3, the rest below 5e-4).
    got.moments.forEach((m, i) => expect(relDiff(m, wasmTrainer.moments[i]!)).toBeLessThan(REL));
    got.params.forEach((p, i) => expect(relDiff(p, wasmTrainer.params[i]!)).toBeLessThan(1e-2));
  }, 1_200_000);
});
