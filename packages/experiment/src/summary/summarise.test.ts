import { describe, expect, it } from 'vitest';
import type { RunRecord } from './results';
import { meanSd } from './stats';
import { formatSummaryMarkdown, summarise, verdict } from './summarise';

const rec = (method: string, phase: RunRecord['phase'], lr: number | null, seed: number, test: Record<string, number>, loss = 1): RunRecord => ({
  task: 'boolq', method, phase, seed, learningRate: lr, numTrainable: method === 'base' ? 0 : 1000, config: {}, validation: phase === 'base' ? null : { loss, perplexity: Math.exp(loss) },
  test, trainSeconds: 1, evalSeconds: 1, reason: 'completed', runDir: null,
});

const plan = { name: 'p', tasks: ['boolq'], seeds: [0, 1, 2], methods: [{ name: 'base', method: 'none' }, { name: 'A', method: 'lora', r: 1 }, { name: 'B', method: 'smoa', r: 2 }] };

describe('summarise and verdict', () => {
  const records = [
    rec('base', 'base', null, 0, { 'loglikelihood.accuracy': 0.5 }),
    rec('A', 'select', 0.01, 0, { 'loglikelihood.accuracy': 0.9 }, 2.0), // worse validation: not chosen, whatever its test score
    rec('A', 'select', 0.001, 0, { 'loglikelihood.accuracy': 0.6 }, 1.0),
    rec('A', 'seed', 0.001, 1, { 'loglikelihood.accuracy': 0.7 }),
    rec('A', 'seed', 0.001, 2, { 'loglikelihood.accuracy': 0.8 }),
    rec('B', 'select', 0.01, 0, { 'loglikelihood.accuracy': 0.61 }, 1.0),
    rec('B', 'seed', 0.01, 1, { 'loglikelihood.accuracy': 0.62 }),
    rec('B', 'seed', 0.01, 2, { 'loglikelihood.accuracy': 0.63 }),
  ];

  it('uses only the rate chosen on validation, with mean and sample sd over seeds', () => {
    const s = summarise(plan, records);
    const a = s.tasks[0]!.rows.find((r) => r.method === 'A')!;
    expect(a.learningRate).toBe(0.001);
    expect(a.metrics['loglikelihood.accuracy']).toEqual(meanSd([0.6, 0.7, 0.8]));
    expect(a.metrics['loglikelihood.accuracy']!.sd).toBeCloseTo(0.1, 12); // sample sd (n - 1)
    const md = formatSummaryMarkdown(s);
    expect(md).toContain('| A | 1,000 | 0.001 | 70.0 ± 10.0 | 3 |');
    expect(md).toContain('| base | 0 | - | 50.0 | 1 |');
  });

  it('says who is ahead and whether the gap exceeds the seed spread, from the numbers', () => {
    const s = summarise(plan, records);
    expect(verdict(s, 'A', 'B')).toEqual(['boolq: LL acc %: A ahead by 8.0 (within the seed spread 10.0)']);
    const tight = summarise(plan, records.map((r) => (r.method === 'A' ? { ...r, test: { 'loglikelihood.accuracy': 0.7 } } : r)));
    expect(verdict(tight, 'B', 'A')).toEqual(['boolq: LL acc %: A ahead by 8.0 (beyond the seed spread 1.0)']);
  });
});
