import { instructionTemplate } from '../template/prompt';
import { extractChoice } from './answers';
import { badRecord, LLM_ADAPTERS_SCHEMA, readRecords, type LlmAdaptersRecord } from './records';
import type { AnswerOption, Example, TaskDefinition } from './types';

interface CommonsenseSpec {
  name: string;
  aliases: string[];
  description: string;
  /** The word before each option number in the instruction ("Solution1: ..."), or undefined for true/false. */
  optionWord?: string;
  labels: string[];
  train: boolean;
  /** Test file shipped in the vendored data (HellaSwag's format is supported, its data is not shipped). */
  shipped: boolean;
}

const SPECS: CommonsenseSpec[] = [
  { name: 'boolq', aliases: [], description: 'BoolQ yes/no questions (LLM-Adapters format, no passage)', labels: ['true', 'false'], train: true, shipped: true },
  { name: 'piqa', aliases: [], description: 'PIQA physical commonsense, two solutions', optionWord: 'Solution', labels: ['solution1', 'solution2'], train: false, shipped: true },
  { name: 'social_i_qa', aliases: ['siqa'], description: 'Social IQa, three answers', optionWord: 'Answer', labels: ['answer1', 'answer2', 'answer3'], train: false, shipped: true },
  { name: 'hellaswag', aliases: [], description: 'HellaSwag sentence endings, four endings (format only; data not shipped)', optionWord: 'Ending', labels: ['ending1', 'ending2', 'ending3', 'ending4'], train: false, shipped: false },
  { name: 'winogrande', aliases: [], description: 'WinoGrande fill-in-the-blank, two options', optionWord: 'Option', labels: ['option1', 'option2'], train: false, shipped: true },
  // ARC's gold labels reach answer5 (one ARC-Easy test question has five choices).
  { name: 'ARC-Easy', aliases: ['arc-e', 'arc_easy'], description: 'AI2 ARC easy science questions, up to five answers', optionWord: 'Answer', labels: ['answer1', 'answer2', 'answer3', 'answer4', 'answer5'], train: true, shipped: true },
  { name: 'ARC-Challenge', aliases: ['arc-c', 'arc_challenge'], description: 'AI2 ARC challenge science questions, up to five answers', optionWord: 'Answer', labels: ['answer1', 'answer2', 'answer3', 'answer4', 'answer5'], train: true, shipped: true },
  { name: 'openbookqa', aliases: ['obqa'], description: 'OpenBookQA, four answers', optionWord: 'Answer', labels: ['answer1', 'answer2', 'answer3', 'answer4', 'answer5'], train: true, shipped: true },
];

/** The eight commonsense tasks of the paper, in the LLM-Adapters JSON format. */
export function commonsenseTasks(): TaskDefinition[] {
  return SPECS.map(commonsenseTask);
}

function commonsenseTask(spec: CommonsenseSpec): TaskDefinition {
  const dir = `llm-adapters/${spec.name}`;
  return {
    name: spec.name,
    aliases: spec.aliases,
    description: spec.description,
    kind: 'multiple-choice',
    metric: 'accuracy',
    files: { test: `${dir}/test.json`, ...(spec.train ? { train: `${dir}/train.json` } : {}) },
    fields: ['instruction', 'input'],
    template: instructionTemplate(),
    labels: spec.labels,
    extractAnswer: (text) => extractChoice(text, spec.labels),
    async read(source) {
      const records = await readRecords<LlmAdaptersRecord>(source, LLM_ADAPTERS_SCHEMA);
      return records.map((rec): Example => {
        const r = rec.value;
        if (!spec.labels.includes(r.answer)) {
          throw badRecord(source, rec, 'answer', `expected one of ${spec.labels.join(', ')}, got "${r.answer}"`);
        }
        const parsed = parseOptions(r.instruction, spec);
        if (!parsed) throw badRecord(source, rec, 'instruction', `no ${spec.optionWord}1..n options before "Answer format"`);
        return {
          index: rec.index,
          fields: { instruction: r.instruction, input: r.input },
          target: r.output,
          answer: r.answer,
          options: parsed.options,
          question: parsed.question,
        };
      });
    },
  };
}

/**
 * Splits an LLM-Adapters instruction into its question and options, e.g.
 * "Please choose the correct solution to the question: Q\n\nSolution1: a\n\nSolution2: b\n\nAnswer format: ...".
 */
export function parseOptions(instruction: string, spec: { optionWord?: string; labels: readonly string[] }): { question: string; options: AnswerOption[] } | undefined {
  const formatAt = instruction.lastIndexOf('Answer format');
  const body = formatAt === -1 ? instruction : instruction.slice(0, formatAt);
  const stemStart = body.indexOf(': ') + 2;
  if (spec.optionWord === undefined) {
    const question = body.slice(stemStart).trim();
    return { question, options: spec.labels.map((l) => ({ label: l, text: l })) };
  }
  const marker = new RegExp(`${spec.optionWord}(\\d+): `, 'g');
  const marks = [...body.matchAll(marker)];
  if (marks.length < 2 || marks.some((m, i) => Number(m[1]) !== i + 1)) return undefined;
  const options = marks.map((m, i) => ({
    label: `${spec.optionWord!.toLowerCase()}${m[1]}`,
    text: body.slice(m.index + m[0].length, i + 1 < marks.length ? marks[i + 1]!.index : body.length).trim(),
  }));
  return { question: body.slice(stemStart, marks[0]!.index).trim(), options };
}
