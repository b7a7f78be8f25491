import type { TextTokenizer } from '../tokenizer';

export interface TokenBlock {
  inputIds: number[];
  labels: number[];
}

/**
 * Language-model blocks from a corpus: the token stream cut into windows of `blockSize`, each
 * starting with BOS (as every prompt does, so the model never sees a sequence without it) and
 * the whole block counted in the loss except BOS. The last, shorter window is kept when it
 * has at least two tokens.
 */
export function tokenBlocks(tokenizer: TextTokenizer, texts: readonly string[], options: { blockSize: number; separator?: string }): TokenBlock[] {
  const { blockSize } = options;
  const bos = tokenizer.bosTokenId;
  const room = bos === undefined ? blockSize : blockSize - 1;
  if (!Number.isInteger(blockSize) || room < 2) throw new RangeError(`blockSize must leave room for 2 tokens after BOS, got ${blockSize}`);
  const stream = tokenizer.encode(texts.join(options.separator ?? '\n\n'));
  const blocks: TokenBlock[] = [];
  for (let start = 0; start < stream.length; start += room) {
    const body = stream.slice(start, start + room);
    if (body.length < 2) break;
    const inputIds = bos === undefined ? body : [bos, ...body];
    blocks.push({ inputIds, labels: inputIds.map((id, i) => (bos !== undefined && i === 0 ? -100 : id)) });
  }
  return blocks;
}
