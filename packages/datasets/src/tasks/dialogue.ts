import { requireNonEmpty } from '../records';
import { dialogueExamples, readParlAIDialogues, type DialogueExample } from '../readers/parlai';
import { instructionTemplate } from '../template/prompt';
import { shuffled } from '../sampling';
import type { Example, Split, TaskDefinition } from './types';

/**
 * The instruction a dialogue example becomes: persona, then the conversation so far with
 * alternating speakers, the model to write the next line as "You".
 */
export function dialogueInstruction(ex: Pick<DialogueExample, 'personas' | 'history'>): string {
  const n = ex.history.length;
  // The history ends with the partner's message, so the speakers alternate backwards from it.
  const lines = ex.history.map((h, i) => `${(n - 1 - i) % 2 === 0 ? 'Partner' : 'You'}: ${h}`);
  return `Continue the conversation as the person with this persona.\n\nPersona:\n${ex.personas.map((p) => `- ${p}`).join('\n')}\n\nConversation:\n${lines.join('\n')}`;
}

/**
 * How ConvAI2's one shipped file (the official validation set, 1000 dialogues; the official test set
 * is hidden and the training set is not shipped) is carved by dialogue: the dialogues are shuffled with
 * this fixed seed, then 80% train, 10% validation, 10% test. No dialogue is in two splits, and the
 * carve is the same on every machine and for every run seed.
 */
export const CONVAI2_SPLITS = { seed: 2019, train: 0.8, validation: 0.1 } as const;

/** The dialogues of `split` under CONVAI2_SPLITS (file order kept inside each split). */
export function convai2SplitDialogues<T>(dialogues: readonly T[], split: Split): T[] {
  const n = dialogues.length;
  const nTrain = Math.round(n * CONVAI2_SPLITS.train);
  const nValidation = Math.round(n * CONVAI2_SPLITS.validation);
  const order = shuffled(
    dialogues.map((_, i) => i),
    CONVAI2_SPLITS.seed,
  );
  const range = split === 'train' ? [0, nTrain] : split === 'validation' ? [nTrain, nTrain + nValidation] : [nTrain + nValidation, n];
  const keep = new Set(order.slice(range[0], range[1]));
  return dialogues.filter((_, i) => keep.has(i));
}

const CONVAI2_FILE = 'convai2/valid_self_original_no_cands.txt';

/** ConvAI2 (PersonaChat, "self original" personas), ParlAI text format, carved 80/10/10 by dialogue. */
export function convai2Task(): TaskDefinition {
  return {
    name: 'convai2',
    aliases: ['personachat'],
    description: "ConvAI2 persona dialogue, next-reply generation: the official validation set (ConvAI2's test set is hidden) carved by dialogue into train/validation/test 80/10/10",
    kind: 'dialogue',
    metric: 'dialogue',
    files: { train: CONVAI2_FILE, validation: CONVAI2_FILE, test: CONVAI2_FILE },
    fileFormat: 'ParlAI FbDialog text ("1 your persona: ..." and "<n> message<TAB>reply" lines)',
    fields: ['instruction', 'input', 'persona', 'history'],
    template: instructionTemplate(),
    async read(source, split) {
      const examples = dialogueExamples(convai2SplitDialogues(await readParlAIDialogues(source), split));
      return requireNonEmpty(examples, source.name, 'dialogue turns').map(
        (ex, index): Example => ({
          index,
          fields: { instruction: dialogueInstruction(ex), input: '', persona: ex.personas.join('\n'), history: ex.history.join('\n') },
          target: ex.reply,
          answer: ex.reply,
        }),
      );
    },
  };
}
