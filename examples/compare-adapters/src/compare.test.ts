// Compare adapters at an equal trainable-parameter budget on one task: SMoA (r=8, K=2) and LoRA (r=4)
// have the same parameter count per module, r (in + out) / K = 4 (in + out).
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@smoa/backend';
import { tokenBlocks } from '@smoa/datasets';
import { loadTask } from '@smoa/datasets/node';
import { embeddedModelDir, loadLlama } from '@smoa/llama/node';
import { evaluateLoss, prepareModel, train, type TrainingMode } from '@smoa/train';

beforeAll(async () => {
  await initBackend();
});

const TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];
const METHODS: { name: string; mode: TrainingMode; lr: number }[] = [
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
      const prepared = prepareModel(model, m.mode);
      const before = evaluateLoss(prepared, blocks.slice(64, 80), 8).loss;
      await train({ model: prepared, train: blocks.slice(0, 64), config: { maxSteps: 12, batchSize: 8, learningRate: m.lr, seed: 0 } });
      rows.push({ name: m.name, trainable: prepared.numTrainable, before, after: evaluateLoss(prepared, blocks.slice(64, 80), 8).loss });
      model.dispose();
    }
    console.table(rows);
    expect(rows[0].trainable).toBe(rows[1].trainable);
    for (const r of rows) expect(r.after).toBeLessThan(r.before);
  });
});
