import type { DataSource } from '../readers/source';
import type { PromptTemplate } from '../template/prompt';

export type Split = 'train' | 'validation' | 'test';
export const SPLITS: readonly Split[] = ['train', 'validation', 'test'];

/** What a task's predictions are scored with (implemented in @smoa/eval). */
export type MetricName = 'accuracy' | 'numeric-accuracy' | 'dialogue' | 'perplexity';
export type TaskKind = 'multiple-choice' | 'numeric' | 'dialogue' | 'language-model';

export interface AnswerOption {
  /** What a generation names (e.g. "solution1"). */
  label: string;
  /** The option's own text, which log-likelihood scoring can score as a continuation. */
  text: string;
}

export interface Example {
  /** 0-based position of the record in its source. */
  index: number;
  /** The values a prompt template may read (see TaskDefinition.fields). */
  fields: Record<string, string>;
  /** The text the model is trained to produce after the prompt. */
  target: string;
  /** Gold answer for scoring: a choice label, a number written out, or a reference reply. */
  answer?: string;
  /** Multiple-choice options, for log-likelihood scoring. */
  options?: AnswerOption[];
  /** For log-likelihood scoring by option text: the question without the options list. */
  question?: string;
}

export interface TaskDefinition {
  /** Registry key (looked up case-insensitively, "-" and "_" alike). */
  name: string;
  aliases?: readonly string[];
  description: string;
  kind: TaskKind;
  metric: MetricName;
  /**
   * Data file slots per split, relative to a data directory (the installed @smoa/data for built-in
   * tasks). A slot may be declared without being shipped: `dataDir` (CLI: --data-dir) supplies it.
   */
  files: Partial<Record<Split, string>>;
  /** The slots whose files @smoa/data ships (default: all of `files`); a missing unshipped file names its slot. */
  shipped?: readonly Split[];
  /** What a file in a slot must hold, for the error when it is missing (e.g. the LLM-Adapters JSON shape). */
  fileFormat?: string;
  /**
   * A mix task: its training split is the union of these tasks' training files that exist (shipped or
   * supplied), shuffled with the seed; it is evaluated on each member's test split and their average.
   */
  members?: readonly string[];
  /** Field names every example carries: the placeholders a template may use. */
  fields: readonly string[];
  /** Reads and checks one split's records (errors name file, record and field). */
  read(source: DataSource, split: Split): Promise<Example[]>;
  template: PromptTemplate;
  /** The answer a generation gives, or undefined when it gives none. */
  extractAnswer?(generated: string): string | undefined;
  /** Whether an extracted answer equals the gold one (default: string equality). */
  answersMatch?(predicted: string, gold: string): boolean;
  /** Every label a generation may name (multiple-choice tasks). */
  labels?: readonly string[];
}
