/**
 * The tokenizer shape every SMoA package works with. @smoa/llama's loader returns an object of this
 * shape; any other tokenizer can be wrapped to it. encode() adds no special tokens unless asked:
 * the collators add BOS and EOS themselves so training and evaluation add them the same way.
 */
export interface TextTokenizer {
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  decode(ids: number[], options?: { skipSpecialTokens?: boolean }): string;
  readonly vocabSize: number;
  readonly bosTokenId?: number;
  readonly eosTokenId?: number;
  readonly padTokenId?: number;
  readonly chatTemplate?: string;
}
