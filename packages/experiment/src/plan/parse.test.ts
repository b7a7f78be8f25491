import { describe, expect, it } from 'vitest';
import { parsePlan, PlanError } from './parse';

const good = {
  name: 'equal budget',
  tasks: ['tinyshakespeare', 'BoolQ'],
  methods: [
    { name: 'base', method: 'none' },
    { name: 'LoRA r4', method: 'lora', r: 4 },
    { name: 'SMoA equal', method: 'smoa', numBlocks: 2 },
    { name: 'SMoA half', method: 'smoa', numBlocks: 2, budget: 0.5 },
  ],
  budget: { reference: 'LoRA r4' },
  learningRates: [0.001, 0.003],
  seeds: [0, 1, 2],
  maxSteps: 10,
};

const bad = (patch: Record<string, unknown>) => ({ ...good, ...patch });

describe('parsePlan', () => {
  it('fills defaults and canonical task names', () => {
    const plan = parsePlan(good);
    expect(plan.tasks).toEqual(['tinyshakespeare', 'boolq']);
    expect(plan.budget).toEqual({ reference: 'LoRA r4', tolerance: 0.05 });
    expect(plan).toMatchObject({ maxSteps: 10, batchSize: 4, cutoffLength: 128, choiceModes: ['loglikelihood', 'generate'] });
    expect(parsePlan(plan)).toEqual(plan); // a parsed plan parses to itself (plan.json is re-read on resume)
  });

  it.each([
    [null, '(root)', /expected a JSON object/],
    [bad({ task: ['boolq'] }), 'task', /unknown key/],
    [bad({ tasks: [] }), 'tasks', /is empty: the grid needs at least one value/],
    [bad({ tasks: ['boolq', 'squad'] }), 'tasks[1]', /unknown task "squad"; known tasks: boolq/],
    [bad({ tasks: ['boolq', 'BOOLQ'] }), 'tasks[1]', /duplicate "boolq"/],
    [bad({ methods: [{ name: 'x', method: 'adalora', r: 4 }] }), 'methods[0].method', /unknown method "adalora" \(known: smoa, lora, .*full, none\)/],
    [bad({ methods: [{ name: 'a', method: 'lora', r: 4 }, { name: 'a', method: 'smoa', r: 8 }], budget: undefined }), 'methods[1].name', /duplicate method name "a"/],
    [bad({ methods: [{ name: 'a', method: 'lora', r: 0 }], budget: undefined }), 'methods[0].r', /expected an integer >= 1, got 0/],
    [bad({ methods: [{ name: 'a', method: 'lora' }], budget: undefined }), 'methods[0].r', /required \(or set a plan "budget"/],
    [bad({ methods: [{ name: 'a', method: 'lora', r: 2, budget: 0.5 }] }), 'budget.reference', /names no method/],
    [bad({ budget: { reference: 'base' } }), 'budget.reference', /is the base model/],
    [bad({ budget: { reference: 'SMoA equal' } }), 'budget.reference', /must set its own rank r/],
    [bad({ budget: { reference: 'LoRA r4', slack: 1 } }), 'budget.slack', /unknown key/],
    [bad({ methods: [{ name: 'base', method: 'none' }], budget: undefined }), 'methods', /has nothing to train/],
    [bad({ methods: [{ name: 'base', method: 'none', r: 4 }, { name: 'l', method: 'lora', r: 1 }], budget: undefined }), 'methods[0]', /takes no adapter settings/],
    [bad({ learningRates: [] }), 'learningRates', /is empty/],
    [bad({ learningRates: [0.001, -1] }), 'learningRates[1]', /expected a number > 0, got -1/],
    [bad({ learningRates: [0.001, 0.001] }), 'learningRates[1]', /duplicate 0.001/],
    [bad({ seeds: [0, 1.5] }), 'seeds[1]', /expected an integer >= 0/],
    [bad({ seeds: 3 }), 'seeds', /expected a non-empty array, got 3/],
    [bad({ maxSteps: 0 }), 'maxSteps', /expected an integer >= 1/],
    [bad({ validationSize: 2.5 }), 'validationSize', /whole count or a fraction below 1/],
    [bad({ choiceModes: ['perplexity'] }), 'choiceModes[0]', /expected "loglikelihood" or "generate"/],
  ])('refuses a bad plan naming the field (%#)', (plan, field, message) => {
    let err: unknown;
    try {
      parsePlan(plan, 'plan.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PlanError);
    expect((err as PlanError).field).toBe(field);
    expect((err as Error).message).toMatch(/^plan\.json: plan field "/);
    expect((err as Error).message).toMatch(message);
  });
});
