import { describe, expect, it } from 'vitest';
import { progressTracker, type ProgressEvent } from './progress';
import { formatResultsTable, predictionsToJsonl } from './report';

describe('formatResultsTable', () => {
  it('lays out one row per evaluation and one column per metric', () => {
    const table = formatResultsTable([
      { label: 'base', task: 'piqa', mode: 'loglikelihood', numExamples: 100, metrics: { accuracy: 0.5123, correct: 51 }, settings: {}, elapsedSeconds: 1 },
      { label: 'smoa', task: 'tinyshakespeare', mode: 'perplexity', numExamples: 20, metrics: { perplexity: 123.456 }, settings: {}, elapsedSeconds: 1 },
    ]);
    expect(table.split('\n')).toEqual([
      '| Model/run | Task            | Mode          | N   | accuracy | correct | perplexity |',
      '|-----------|-----------------|---------------|-----|----------|---------|------------|',
      '| base      | piqa            | loglikelihood | 100 | 51.23%   | 51      |            |',
      '| smoa      | tinyshakespeare | perplexity    | 20  |          |         | 123.5      |',
    ]);
    expect(formatResultsTable([])).toBe('');
  });
});

describe('predictionsToJsonl', () => {
  it('writes one JSON object per line', () => {
    const text = predictionsToJsonl([{ index: 0, predicted: 'true', gold: 'true', correct: true }, { index: 1, predicted: null }]);
    expect(text.split('\n').filter(Boolean).map((l) => JSON.parse(l))).toEqual([{ index: 0, predicted: 'true', gold: 'true', correct: true }, { index: 1, predicted: null }]);
    expect(text.endsWith('\n')).toBe(true);
  });
});

describe('progressTracker', () => {
  it('reports done, total and an ETA from the mean time per item', () => {
    let t = 1000;
    const events: ProgressEvent[] = [];
    const p = progressTracker(10, (e) => events.push(e), () => t);
    t += 400;
    p.advance(4);
    t += 200;
    p.advance(6);
    expect(events).toEqual([
      { done: 4, total: 10, elapsedMs: 400, etaMs: 600 },
      { done: 10, total: 10, elapsedMs: 600, etaMs: 0 },
    ]);
  });
});
