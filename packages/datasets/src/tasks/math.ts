import { instructionTemplate } from '../template/prompt';
import { extractNumber, extractOptionLetter, numbersMatch, parseNumber } from './answers';
import { badRecord, LLM_ADAPTERS_SCHEMA, readRecords, type LlmAdaptersRecord } from './records';
import type { Example, TaskDefinition } from './types';

const numeric = {
  kind: 'numeric' as const,
  metric: 'numeric-accuracy' as const,
  extractAnswer: (text: string) => {
    const n = extractNumber(text);
    return n === undefined ? undefined : String(n);
  },
  answersMatch: (predicted: string, gold: string) => {
    const p = parseNumber(predicted);
    const g = parseNumber(gold);
    return p !== undefined && g !== undefined && numbersMatch(p, g);
  },
};

/** GSM8K as OpenAI released it: {question, answer} lines, the answer a worked solution ending "#### n". */
export function gsm8kTask(): TaskDefinition {
  return {
    name: 'gsm8k',
    description: 'GSM8K grade-school math, original release (worked solutions, gold answer after "####")',
    ...numeric,
    files: { train: 'gsm8k/train.jsonl', test: 'gsm8k/test.jsonl' },
    fields: ['instruction', 'input', 'question', 'solution'],
    template: instructionTemplate(),
    async read(source) {
      const records = await readRecords<{ question: string; answer: string }>(source, { question: 'string', answer: 'string' });
      return records.map((rec): Example => {
        const { question, answer } = rec.value;
        const marker = answer.lastIndexOf('####');
        const gold = marker === -1 ? undefined : parseNumber(answer.slice(marker + 4));
        if (gold === undefined) throw badRecord(source, rec, 'answer', 'expected a worked solution ending in "#### <number>"');
        // The <<48/2=24>> calculator annotations are for OpenAI's calculator-augmented sampling;
        // a model trained on them would learn to write them, so the training target drops them.
        const target = answer.replace(/<<[^>]*>>/g, '');
        return { index: rec.index, fields: { instruction: question, input: '', question, solution: answer }, target, answer: String(gold) };
      });
    },
  };
}

interface MathSpec {
  name: string;
  description: string;
  letters?: boolean;
}

const MATH_SETS: MathSpec[] = [
  { name: 'gsm8k-llm-adapters', description: 'GSM8K test in the LLM-Adapters format (the outputs are generated rationales, not gold; the answer field is gold)' },
  { name: 'AQuA', description: 'AQuA-RAT algebra word problems, options A-E', letters: true },
  { name: 'AddSub', description: 'AddSub addition/subtraction word problems' },
  { name: 'MultiArith', description: 'MultiArith multi-step arithmetic word problems' },
  { name: 'SingleEq', description: 'SingleEq single-equation word problems' },
  { name: 'SVAMP', description: 'SVAMP varied arithmetic word problems' },
  { name: 'mawps', description: 'MAWPS math word problems' },
  { name: 'mathqa', description: 'MathQA word problems, options A-E', letters: true },
];

/** The LLM-Adapters math evaluation sets (test only). */
export function mathTasks(): TaskDefinition[] {
  return MATH_SETS.map((spec) => {
    const dir = spec.name === 'gsm8k-llm-adapters' ? 'gsm8k' : spec.name;
    const scoring = spec.letters
      ? { kind: 'multiple-choice' as const, metric: 'accuracy' as const, labels: ['A', 'B', 'C', 'D', 'E'], extractAnswer: (t: string) => extractOptionLetter(t) }
      : numeric;
    return {
      name: spec.name,
      description: spec.description,
      ...scoring,
      files: { test: `llm-adapters/${dir}/test.json` },
      fields: ['instruction', 'input'],
      template: instructionTemplate(),
      async read(source) {
        const records = await readRecords<LlmAdaptersRecord>(source, LLM_ADAPTERS_SCHEMA);
        return records.map((rec): Example => {
          const r = rec.value;
          const ok = spec.letters ? /^[A-E]$/.test(r.answer) : parseNumber(r.answer) !== undefined;
          if (!ok) throw badRecord(source, rec, 'answer', spec.letters ? 'expected an option letter A-E' : 'expected a number');
          return { index: rec.index, fields: { instruction: r.instruction, input: r.input }, target: r.output, answer: r.answer };
        });
      },
    } satisfies TaskDefinition;
  });
}
