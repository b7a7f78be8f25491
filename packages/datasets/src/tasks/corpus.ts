import { DataError } from '../errors';
import { splitPassages } from '../readers/text';
import { createPromptTemplate } from '../template/prompt';
import type { Example, Split, TaskDefinition } from './types';

/**
 * A plain-text language-modelling task: passages split at blank lines; the first `trainFraction`
 * of them (in file order, as nanoGPT splits tinyshakespeare) are 'train', the rest 'test', so no
 * test text leaks into training through overlapping windows.
 */
export function plainTextTask(options: { name: string; description: string; file: string; trainFraction?: number; aliases?: string[] }): TaskDefinition {
  const fraction = options.trainFraction ?? 0.9;
  return {
    name: options.name,
    aliases: options.aliases,
    description: options.description,
    kind: 'language-model',
    metric: 'perplexity',
    files: { train: options.file, test: options.file },
    fields: ['text'],
    template: createPromptTemplate('{text}', { name: 'text', fields: ['text'] }),
    async read(source, split: Split) {
      const passages = splitPassages(await source.text());
      if (passages.length < 2) throw new DataError({ source: source.name }, `empty data set: ${passages.length} passages, need at least 2 to split train/test`);
      const cut = Math.min(passages.length - 1, Math.max(1, Math.round(passages.length * fraction)));
      const chosen = split === 'train' ? passages.slice(0, cut) : passages.slice(cut);
      return chosen.map((p, i): Example => ({ index: split === 'train' ? i : cut + i, fields: { text: p.text }, target: p.text }));
    },
  };
}

export function tinyShakespeareTask(): TaskDefinition {
  return plainTextTask({
    name: 'tinyshakespeare',
    aliases: ['tiny-shakespeare', 'shakespeare'],
    description: 'Tiny Shakespeare (karpathy/char-rnn) plain text for language-model fine-tuning; 90% train / 10% test by passage',
    file: 'tinyshakespeare/input.txt',
  });
}
