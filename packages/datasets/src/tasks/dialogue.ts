import { requireNonEmpty } from '../records';
import { dialogueExamples, readParlAIDialogues, type DialogueExample } from '../readers/parlai';
import { instructionTemplate } from '../template/prompt';
import type { Example, TaskDefinition } from './types';

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

/** ConvAI2 (PersonaChat, "self original" personas), ParlAI text format. */
export function convai2Task(): TaskDefinition {
  return {
    name: 'convai2',
    aliases: ['personachat'],
    description: "ConvAI2 persona dialogue, next-reply generation (the official validation set, used as the test set since ConvAI2's test set is hidden)",
    kind: 'dialogue',
    metric: 'dialogue',
    files: { test: 'convai2/valid_self_original_no_cands.txt' },
    fields: ['instruction', 'input', 'persona', 'history'],
    template: instructionTemplate(),
    async read(source) {
      const examples = dialogueExamples(await readParlAIDialogues(source));
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
