import { describe, expect, it } from 'vitest';
import { loadTask } from '../node/vendored';
import { textSource } from '../readers/source';
import { extractNumber, numbersMatch, parseNumber } from './answers';
import { getTask } from './builtin';

describe('gsm8k (original release)', () => {
  for (const [split, count] of [
    ['train', 7473],
    ['test', 1319],
  ] as const) {
    it(`${split}: ${count} records; the numeric extractor on every worked solution gives the number after "####"`, async () => {
      const examples = await loadTask('gsm8k', split);
      expect(examples).toHaveLength(count);
      for (const ex of examples) {
        const solution = ex.fields.solution!;
        const afterMarker = Number(solution.slice(solution.lastIndexOf('####') + 4).trim().replace(/,/g, ''));
        expect(Number.isFinite(afterMarker)).toBe(true);
        expect(extractNumber(solution)).toBe(afterMarker);
        expect(Number(ex.answer)).toBe(afterMarker);
        // The training target is the solution without calculator annotations, still ending "#### n".
        expect(ex.target).not.toMatch(/<<|>>/);
        expect(extractNumber(ex.target)).toBe(afterMarker);
      }
    });
  }

  it('the worked solutions without their "####" line still end on the gold number in most records', async () => {
    // Exercises the last-number fallback on real text: the final calculation line usually ends in the answer.
    const examples = await loadTask('gsm8k', 'test');
    const agree = examples.filter((ex) => {
      const body = ex.target.slice(0, ex.target.lastIndexOf('####'));
      const n = extractNumber(body);
      return n !== undefined && numbersMatch(n, Number(ex.answer));
    }).length;
    expect(agree / examples.length).toBeGreaterThan(0.9);
  });

  it('names the record whose answer lacks "#### n"', async () => {
    const text = '{"question": "q1", "answer": "1+1=2\\n#### 2"}\n{"question": "q2", "answer": "no final answer"}\n';
    await expect(getTask('gsm8k').read(textSource('bad.jsonl', text), 'test')).rejects.toThrow(
      'bad.jsonl:2 record 1 field "answer": expected a worked solution ending in "#### <number>"',
    );
  });
});

describe('LLM-Adapters math sets', () => {
  const counts: Record<string, number> = { 'gsm8k-llm-adapters': 1319, AQuA: 254, AddSub: 395, MultiArith: 600, SingleEq: 508, SVAMP: 1000, mawps: 238, mathqa: 2985 };
  for (const [name, count] of Object.entries(counts)) {
    it(`${name}: ${count} test records`, async () => {
      expect(await loadTask(name, 'test')).toHaveLength(count);
    });
  }

  it('the LLM-Adapters GSM8K outputs are generated rationales: 552 of 1319 disagree with the gold answer', async () => {
    const task = getTask('gsm8k-llm-adapters');
    const examples = await loadTask(task, 'test');
    const disagree = examples.filter((ex) => {
      const predicted = task.extractAnswer!(ex.target);
      return predicted === undefined || !task.answersMatch!(predicted, ex.answer!);
    });
    expect(disagree).toHaveLength(552);
    // Their gold answers agree with the original release, matched by question (the order differs).
    const gold = new Map((await loadTask('gsm8k', 'test')).map((ex) => [ex.fields.question!.trim(), Number(ex.answer)]));
    expect(examples.every((ex) => numbersMatch(parseNumber(ex.answer!)!, gold.get(ex.fields.instruction!.trim())!))).toBe(true);
  });

  it('AQuA and mathqa answers are option letters', async () => {
    const aqua = getTask('AQuA');
    expect(aqua.extractAnswer!('... The answer is (D).')).toBe('D');
    for (const name of ['AQuA', 'mathqa']) {
      expect((await loadTask(name, 'test')).every((ex) => /^[A-E]$/.test(ex.answer!))).toBe(true);
    }
  });
});
