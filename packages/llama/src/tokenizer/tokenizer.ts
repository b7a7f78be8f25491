import { Tokenizer } from '@huggingface/tokenizers';
import type { TextTokenizer } from '@smoa/core';
import { chatTemplateOf, compileChatTemplate, type ApplyChatTemplateOptions, type ChatMessage } from './chat-template';

export type { TextTokenizer };

/** A Hugging Face tokenizer with its chat template. */
export interface LlamaTokenizer extends TextTokenizer {
  /**
   * Renders messages with tokenizer_config.json's chat_template (generation prompt appended by
   * default). Throws, naming the file, when the tokenizer has no template.
   */
  applyChatTemplate(messages: ChatMessage[], options?: ApplyChatTemplateOptions): string;
}

type Json = Record<string, unknown>;

/**
 * Wraps a Hugging Face tokenizer.json (and tokenizer_config.json) through @huggingface/tokenizers.
 * Special token ids come from tokenizer_config.json, falling back to the model's config.json ids.
 * `where` names the files in errors.
 */
export function createTokenizer(
  tokenizerJson: unknown,
  tokenizerConfig: unknown = {},
  fallback: { bosTokenId?: number; eosTokenId?: number | number[]; padTokenId?: number } = {},
  where = 'tokenizer.json',
): LlamaTokenizer {
  if (!tokenizerJson || typeof tokenizerJson !== 'object' || !('model' in tokenizerJson)) {
    throw new Error(`${where}: not a Hugging Face tokenizer.json (no "model" section)`);
  }
  const cfg = (tokenizerConfig ?? {}) as Json;
  let tok: Tokenizer;
  try {
    tok = new Tokenizer(tokenizerJson, cfg);
  } catch (err) {
    throw new Error(`${where}: @huggingface/tokenizers cannot load it: ${(err as Error).message}`);
  }
  const vocab = tok.get_vocab(true);
  let vocabSize = 0;
  for (const id of vocab.values()) vocabSize = Math.max(vocabSize, id + 1);
  const special = (field: string): number | undefined => {
    const v = cfg[field];
    const content = typeof v === 'string' ? v : v && typeof v === 'object' ? (v as { content?: unknown }).content : undefined;
    return typeof content === 'string' ? tok.token_to_id(content) : undefined;
  };
  const first = (v: number | number[] | undefined) => (Array.isArray(v) ? v[0] : v);
  const configWhere = where.replace(/tokenizer\.json$/, 'tokenizer_config.json');
  const chatTemplate = chatTemplateOf(cfg, configWhere);
  const text = (field: string) => {
    const v = cfg[field];
    return typeof v === 'string' ? v : v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string' ? (v as { content: string }).content : undefined;
  };
  let render: ReturnType<typeof compileChatTemplate> | undefined;
  return {
    applyChatTemplate(messages, options) {
      if (chatTemplate === undefined) throw new Error(`${configWhere}: has no chat_template; this tokenizer cannot format chat messages`);
      render ??= compileChatTemplate(chatTemplate, { bosToken: text('bos_token'), eosToken: text('eos_token') }, configWhere);
      return render(messages, options);
    },
    vocabSize,
    bosTokenId: special('bos_token') ?? fallback.bosTokenId,
    eosTokenId: special('eos_token') ?? first(fallback.eosTokenId),
    padTokenId: special('pad_token') ?? fallback.padTokenId,
    chatTemplate,
    encode: (text, options = {}) => tok.encode(text, { add_special_tokens: options.addSpecialTokens ?? false }).ids,
    decode: (ids, options = {}) => {
      if (ids.length === 0) return '';
      for (const id of ids) {
        if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
          throw new Error(`${where}: cannot decode token id ${id}: outside the vocabulary (0..${vocabSize - 1})`);
        }
      }
      return tok.decode(ids, { skip_special_tokens: options.skipSpecialTokens ?? false });
    },
  };
}
