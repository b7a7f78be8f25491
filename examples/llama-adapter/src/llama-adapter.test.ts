// Fine-tune a Llama directory (the embedded stories260K) with SMoA on real text through fineTune,
// which leaves the adapter in PEFT layout in the run directory; reload it onto a fresh model and get
// the same logits.
import * as tf from '@tensorflow/tfjs-core';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@smoa/backend';
import { loadAdapter } from '@smoa/adapters/node';
import { tokenBlocks } from '@smoa/datasets';
import { loadTask } from '@smoa/datasets/node';
import { embeddedModelDir, loadLlama } from '@smoa/llama/node';
import { evaluateLoss } from '@smoa/train';
import { fineTune } from '@smoa/train/node';

const out = mkdtempSync(join(tmpdir(), 'smoa-example-'));
beforeAll(async () => {
  await initBackend();
});
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('fine-tune a Llama directory with SMoA', () => {
  it('lowers held-out loss, saves a PEFT adapter and reloads it exactly', async () => {
    const { model, tokenizer } = await loadLlama(embeddedModelDir());
    const text = (await loadTask('tinyshakespeare', 'train')).map((e) => e.target);
    const blocks = tokenBlocks(tokenizer!, text.slice(0, 120), { blockSize: 48 });
    const trainSet = blocks.slice(0, 64);
    const heldOut = blocks.slice(64, 80);

    const before = evaluateLoss(model, heldOut, 8).loss;
    // No validation split here, so <run>/adapter is the last checkpoint: the weights the model ends with.
    const result = await fineTune({
      model,
      data: { train: trainSet },
      mode: { kind: 'adapter', adapter: { method: 'smoa', r: 8, numBlocks: 2, targetModules: ['q_proj', 'v_proj', 'up_proj', 'down_proj'] } },
      config: { maxSteps: 12, batchSize: 8, learningRate: 0.03, seed: 1 },
      runDir: join(out, 'run'),
    });
    expect(result.reason).toBe('completed');
    const after = evaluateLoss(result.model, heldOut, 8).loss;
    expect(after).toBeLessThan(before);

    const dir = result.adapterDir!;
    expect(dir).toBe(join(out, 'run', 'adapter'));
    expect(JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8')).peft_type).toBe('SMOA');
    expect(existsSync(join(dir, 'adapter_model.safetensors'))).toBe(true);

    const fresh = await loadLlama(embeddedModelDir());
    const reloaded = await loadAdapter(fresh.model, dir);
    reloaded.eval();
    const ids = tf.tensor2d([heldOut[0].inputIds], undefined, 'int32');
    const a = model.forward(ids);
    const b = fresh.model.forward(ids);
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThan(1e-5);
    tf.dispose([ids, a, b]);
  });
});
