import type { TextTokenizer } from '@smoa/core';
import type { GenerateOptions } from './generate';

export interface GenerateTextOptions extends GenerateOptions {
  /** Generation ends at the first of these; the text returned stops before it. */
  stopStrings?: string[];
  /** Receives the text as it is produced, in pieces (never a piece of a stop string, never half a character). */
  onText?: (delta: string) => void;
  /** Start the prompt with BOS (default true when the tokenizer has one). */
  addBos?: boolean;
}

interface TextModel {
  generate(prompts: number[][], options: GenerateOptions): Promise<number[][]>;
}

/**
 * Continues one text prompt and returns the new text. EOS ids come from the options, else from the
 * model (generation_config.json's list when the model was loaded with one); stop strings end it too.
 */
export async function generateText(model: TextModel, tokenizer: TextTokenizer, prompt: string, options: GenerateTextOptions): Promise<string> {
  const stops = options.stopStrings ?? [];
  if (!Array.isArray(stops) || stops.some((s) => typeof s !== 'string' || s.length === 0)) {
    throw new Error(`generateText option "stopStrings" must be a list of non-empty strings, got ${JSON.stringify(options.stopStrings)}`);
  }
  const bos = (options.addBos ?? true) && tokenizer.bosTokenId !== undefined ? [tokenizer.bosTokenId] : [];
  const ids = [...bos, ...tokenizer.encode(prompt)];
  const holdBack = Math.max(0, ...stops.map((s) => s.length - 1));
  let text = '';
  let emitted = 0;
  let stoppedAt: number | undefined;
  const emit = (upTo: number) => {
    if (upTo > emitted) {
      options.onText?.(text.slice(emitted, upTo));
      emitted = upTo;
    }
  };
  const { stopStrings: _s, onText: _t, addBos: _b, ...generateOptions } = options;
  const [tokens] = await model.generate([ids], {
    ...generateOptions,
    shouldStop: (_row, out) => {
      // Decoding everything so far is what keeps multi-token characters and merges right.
      text = tokenizer.decode([...out], { skipSpecialTokens: true });
      for (const s of stops) {
        const at = text.indexOf(s, Math.max(0, emitted - s.length));
        if (at >= 0 && (stoppedAt === undefined || at < stoppedAt)) stoppedAt = at;
      }
      if (stoppedAt !== undefined) {
        text = text.slice(0, stoppedAt);
        emit(text.length);
        return true;
      }
      // An incomplete UTF-8 sequence decodes to U+FFFD until its last byte arrives: hold it back.
      const settled = text.endsWith('\uFFFD') ? text.replace(/\uFFFD+$/, '').length : text.length;
      emit(Math.max(emitted, settled - holdBack));
      return false;
    },
  });
  if (stoppedAt === undefined) {
    text = tokenizer.decode(tokens, { skipSpecialTokens: true });
    emit(text.length);
  }
  return text;
}
