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
  /** The splits @smoa/data ships; every task declares train and test slots, which --data-dir can fill. */
  shipped: ('train' | 'test')[];
}

const SPECS: CommonsenseSpec[] = [
  { name: 'boolq', aliases: [], description: 'BoolQ yes/no questions (LLM-Adapters format, no passage)', labels: ['true', 'false'], shipped: ['train', 'test'] },
  { name: 'piqa', aliases: [], description: 'PIQA physical commonsense, two solutions', optionWord: 'Solution', labels: ['solution1', 'solution2'], shipped: ['test'] },
  { name: 'social_i_qa', aliases: ['siqa'], description: 'Social IQa, three answers', optionWord: 'Answer', labels: ['answer1', 'answer2', 'answer3'], shipped: ['test'] },
  { name: 'hellaswag', aliases: [], description: 'HellaSwag sentence endings, four endings (format only; data not shipped)', optionWord: 'Ending', labels: ['ending1', 'ending2', 'ending3', 'ending4'], shipped: [] },
  { name: 'winogrande', aliases: [], description: 'WinoGrande fill-in-the-blank, two options', optionWord: 'Option', labels: ['option1', 'option2'], shipped: ['test'] },
  // ARC's gold labels reach answer5 (one ARC-Easy test question has five choices).
  { name: 'ARC-Easy', aliases: ['arc-e', 'arc_easy'], description: 'AI2 ARC easy science questions, up to five answers', optionWord: 'Answer', labels: ['answer1', 'answer2', 'answer3', 'answer4', 'answer5'], shipped: ['train', 'test'] },
  { name: 'ARC-Challenge', aliases: ['arc-c', 'arc_challenge'], description: 'AI2 ARC challenge science questions, up to five answers', optionWord: 'Answer', labels: ['answer1', 'answer2', 'answer3', 'answer4', 'answer5'], shipped: ['train', 'test'] },
  { name: 'openbookqa', aliases: ['obqa'], description: 'OpenBookQA, four answers', optionWord: 'Answer', labels: ['answer1', 'answer2', 'answer3', 'answer4', 'answer5'], shipped: ['train', 'test'] },
];

/** What a commonsense or math file holds, for the error when one is missing. */
export const LLM_ADAPTERS_FORMAT = 'LLM-Adapters JSON: an array of { "instruction", "input", "output", "answer" } records';

/** The eight commonsense tasks of the paper, in the LLM-Adapters JSON format, and their training mix. */
export function commonsenseTasks(): TaskDefinition[] {
  return [...SPECS.map(commonsenseTask), commonsenseMixTask()];
}

/**
 * `commonsense`: the union of the commonsense training sets that exist (shipped: BoolQ, ARC-Easy,
 * ARC-Challenge, OBQA; PIQA, SIQA, WinoGrande and HellaSwag when --data-dir supplies them), shuffled
 * with the seed; evaluated on every member's test set and their average. The papers train on
 * LLM-Adapters' 170k mix (commonsense_170k.json), which is not shipped.
 */
function commonsenseMixTask(): TaskDefinition {
  const members = SPECS.map((s) => s.name);
  return {
    name: 'commonsense',
    aliases: ['commonsense-mix'],
    description: 'the commonsense training sets that exist, mixed; scored on each member test set and the average (the papers\' 170k mix is not shipped)',
    kind: 'multiple-choice',
    metric: 'accuracy',
    files: {},
    shipped: [],
    fileFormat: LLM_ADAPTERS_FORMAT,
    members,
    fields: ['instruction', 'input'],
    template: instructionTemplate(),
    labels: [...new Set(SPECS.flatMap((s) => s.labels))],
    extractAnswer: (text) => extractChoice(text, [...new Set(SPECS.flatMap((s) => s.labels))]),
    // Each member keeps its own reader (records are checked against their own labels); loadTaskExamples reads them.
    read: () => Promise.reject(new Error('task "commonsense" is a mix: load it with loadTask / loadTaskExamples, which read each member\'s files')),
  };
}

function commonsenseTask(spec: CommonsenseSpec): TaskDefinition {
  const dir = `llm-adapters/${spec.name}`;
  return {
    name: spec.name,
    aliases: spec.aliases,
    description: spec.description,
    kind: 'multiple-choice',
    metric: 'accuracy',
    files: { train: `${dir}/train.json`, test: `${dir}/test.json` },
    shipped: spec.shipped,
    fileFormat: LLM_ADAPTERS_FORMAT,
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
