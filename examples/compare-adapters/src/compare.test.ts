// Compare adapters at an equal trainable-parameter budget on one task: SMoA (r=8, K=2) and LoRA (r=4)
// have the same parameter count per module, r (in + out) / K = 4 (in + out).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@smoa/backend';
import { tokenBlocks } from '@smoa/datasets';
import { loadTask } from '@smoa/datasets/node';
import { embeddedModelDir, loadLlama } from '@smoa/llama/node';
import { evaluateLoss, type TrainingMode } from '@smoa/train';
import { fineTune } from '@smoa/train/node';

const runs = mkdtempSync(join(tmpdir(), 'smoa-compare-'));
beforeAll(async () => {
  await initBackend();
});
afterAll(() => rmSync(runs, { recursive: true, force: true }));

const TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];
const METHODS: { name: string; mode: Exclude<TrainingMode, { kind: 'none' }>; lr: number }[] = [
  { name: 'smoa', mode: { kind: 'adapter', adapter: { method: 'smoa', r: 8, numBlocks: 2, alpha: 8, targetModules: TARGETS } }, lr: 0.03 },
  { name: 'lora', mode: { kind: 'adapter', adapter: { method: 'lora', r: 4, alpha: 4, targetModules: TARGETS } }, lr: 0.01 },
];

describe('adapters at equal budget on tinyshakespeare', () => {
  it('reports held-out loss for each method with the same trainable parameters', async () => {
    const rows: { name: string; trainable: number; before: number; after: number }[] = [];
    for (const m of METHODS) {
      const { model, tokenizer } = await loadLlama(embeddedModelDir());
      const text = (await loadTask('tinyshakespeare', 'train')).map((e) => e.target);
      const blocks = tokenBlocks(tokenizer!, text.slice(0, 120), { blockSize: 48 });
      const before = evaluateLoss(model, blocks.slice(64, 80), 8).loss;
      const { model: tuned, numTrainable } = await fineTune({
        model,
        data: { train: blocks.slice(0, 64) },
        mode: m.mode,
        config: { maxSteps: 12, batchSize: 8, learningRate: m.lr, seed: 0 },
        runDir: join(runs, m.name),
      });
      rows.push({ name: m.name, trainable: numTrainable, before, after: evaluateLoss(tuned, blocks.slice(64, 80), 8).loss });
      model.dispose();
    }
    console.table(rows);
    expect(rows[0].trainable).toBe(rows[1].trainable);
    for (const r of rows) expect(r.after).toBeLessThan(r.before);
  });
});
