import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@smoa/backend';
import { embeddedModelDir, loadLlama } from '@smoa/llama/node';
import { parsePlan, PlanError } from '../plan/parse';
import { countTrainable, matchBudgets } from './match';

type Model = Awaited<ReturnType<typeof loadLlama>>['model'];
let model: Model;
beforeAll(async () => {
  await initBackend();
  ({ model } = await loadLlama(embeddedModelDir()));
});

const plan = (methods: unknown[], extra: Record<string, unknown> = {}) =>
  parsePlan({ tasks: ['tinyshakespeare'], methods, budget: { reference: 'LoRA r4' }, learningRates: [0.01], seeds: [0], ...extra });

describe('matchBudgets on the embedded model', () => {
  it('gives SMoA K=2 the rank with the same trainable parameters as LoRA r4, and half of it', () => {
    const before = tf.memory().numTensors;
    const methods = matchBudgets(
      plan([
        { name: 'base', method: 'none' },
        { name: 'LoRA r4', method: 'lora', r: 4 },
        { name: 'SMoA equal', method: 'smoa', numBlocks: 2 },
        { name: 'SMoA half', method: 'smoa', numBlocks: 2, budget: 0.5 },
      ]),
      model,
    );
    const lora = countTrainable(model, { method: 'lora', r: 4, targetModules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] });
    expect(methods.map((m) => m.numTrainable)).toEqual([0, lora, lora, lora / 2]);
    expect(methods.map((m) => (m.mode.kind === 'adapter' ? m.mode.adapter.r : null))).toEqual([null, 4, 8, 4]);
    expect(methods[3]!.matched).toMatch(/^0\.5 x LoRA r4 \([\d,]+\) = [\d,]+ -> r 4: [\d,]+$/);
    // counting leaves the model as it was
    expect(tf.memory().numTensors).toBe(before);
    expect([...model.namedLinears()].every(([, l]) => !l.hook)).toBe(true);
  });

  it('refuses a budget it cannot match within the tolerance, naming the method and the nearest count', () => {
    const p = plan([{ name: 'LoRA r4', method: 'lora', r: 4 }, { name: 'tiny', method: 'lora', budget: 0.1 }], { budget: { reference: 'LoRA r4', tolerance: 0.01 } });
    expect(() => matchBudgets(p, model)).toThrow(PlanError);
    expect(() => matchBudgets(p, model)).toThrow(/plan field "methods\[1\]\.budget": cannot match 0\.1 x LoRA r4 .* with method "tiny": the nearest is r 1 with [\d,]+ \(tolerance 1%\)/);
  });

  it('names the method when its adapter settings are invalid on this model', () => {
    const p = plan([{ name: 'LoRA r4', method: 'lora', r: 4 }, { name: 'bad targets', method: 'lora', r: 2, targetModules: ['nope_proj'] }]);
    expect(() => matchBudgets(p, model)).toThrow(/plan field "methods\[1\]\.r": method "bad targets" with r 2: .*nope_proj/);
  });
});
