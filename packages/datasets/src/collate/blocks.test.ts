import { describe, expect, it } from 'vitest';
import { llama3Tokenizer } from '../testing/llama3-tokenizer';
import { tokenBlocks } from './blocks';

describe('tokenBlocks', () => {
  it('cuts the token stream into BOS-led blocks that cover it exactly once', () => {
    const tok = llama3Tokenizer();
    const texts = ['First Citizen:\nBefore we proceed any further, hear me speak.', 'All:\nSpeak, speak.'];
    const stream = tok.encode(texts.join('\n\n'));
    const blocks = tokenBlocks(tok, texts, { blockSize: 6 });
    expect(blocks.every((b) => b.inputIds[0] === tok.bosTokenId && b.inputIds.length <= 6)).toBe(true);
    expect(blocks.flatMap((b) => b.inputIds.slice(1))).toEqual(stream.slice(0, blocks.flatMap((b) => b.inputIds.slice(1)).length));
    expect(stream.length - blocks.flatMap((b) => b.inputIds.slice(1)).length).toBeLessThan(2);
    expect(blocks.every((b) => b.labels[0] === -100 && b.labels.slice(1).every((l, i) => l === b.inputIds[i + 1]))).toBe(true);
    expect(() => tokenBlocks(tok, texts, { blockSize: 2 })).toThrow(/blockSize must leave room/);
  });
});
