import { describe, expect, it } from 'vitest';
import { llama3Tokenizer } from '../testing/llama3-tokenizer';
import { encodeExample, encodePrompt, IGNORE_INDEX } from './encode';

const tok = llama3Tokenizer();
const BOS = tok.bosTokenId!;
const EOS = tok.eosTokenId!;
const example = { prompt: '### Instruction:\nIs the sky blue?\n\n### Response:\n', response: 'the correct answer is true' };

describe('encodeExample', () => {
  it('adds BOS and EOS once and masks the loss to the response', () => {
    const enc = encodeExample(tok, example, { cutoffLength: 256 });
    const promptIds = tok.encode(example.prompt);
    expect(enc.inputIds[0]).toBe(BOS);
    expect(enc.inputIds.at(-1)).toBe(EOS);
    expect(enc.inputIds.slice(1, 1 + promptIds.length)).toEqual(promptIds);
    expect(enc.promptLength).toBe(1 + promptIds.length);
    expect(enc.labels.slice(0, enc.promptLength).every((l) => l === IGNORE_INDEX)).toBe(true);
    expect(enc.labels.slice(enc.promptLength)).toEqual(enc.inputIds.slice(enc.promptLength));
    expect(tok.decode(enc.inputIds.slice(enc.promptLength, -1))).toBe(example.response);
    expect(enc.truncated).toBe(false);
  });

  it('gives evaluation exactly the prompt tokens training saw (BOS included in both)', () => {
    const enc = encodeExample(tok, example, { cutoffLength: 256 });
    expect(encodePrompt(tok, example.prompt, { cutoffLength: 256 })).toEqual(enc.inputIds.slice(0, enc.promptLength));
  });

  it('encodes prompt and response apart when a token would straddle the boundary', () => {
    const split = { prompt: 'Hello wor', response: 'ld' };
    expect(tok.encode('Hello world').slice(0, tok.encode('Hello wor').length)).not.toEqual(tok.encode('Hello wor'));
    const enc = encodeExample(tok, split, { cutoffLength: 32 });
    expect(enc.inputIds).toEqual([BOS, ...tok.encode('Hello wor'), ...tok.encode('ld'), EOS]);
    expect(encodePrompt(tok, split.prompt, { cutoffLength: 32 })).toEqual(enc.inputIds.slice(0, enc.promptLength));
  });

  it('trains on the prompt too when asked', () => {
    const enc = encodeExample(tok, example, { cutoffLength: 256, trainOnPrompt: true });
    expect(enc.labels).toEqual(enc.inputIds);
  });

  it("does not add BOS twice when a chat template wrote it", () => {
    const enc = encodeExample(tok, { prompt: `${tok.bosToken}Hi`, response: ' there' }, { cutoffLength: 16 });
    expect(enc.inputIds.filter((id) => id === BOS)).toHaveLength(1);
    expect(enc.inputIds[0]).toBe(BOS);
  });

  it("'prompt-start' truncation drops the start of the prompt and keeps BOS, the prompt's end and the response", () => {
    const full = encodeExample(tok, example, { cutoffLength: 256 });
    const cut = encodeExample(tok, example, { cutoffLength: 12 });
    expect(cut.truncated).toBe(true);
    expect(cut.inputIds).toHaveLength(12);
    expect(cut.inputIds[0]).toBe(BOS);
    expect(cut.inputIds.slice(1)).toEqual(full.inputIds.slice(full.inputIds.length - 11));
    expect(cut.labels.filter((l) => l !== IGNORE_INDEX)).toEqual(full.labels.filter((l) => l !== IGNORE_INDEX));
  });

  it("'prompt-start' cuts the response's end when the response alone does not fit", () => {
    const cut = encodeExample(tok, example, { cutoffLength: 4 });
    const response = tok.encode(example.prompt + example.response).slice(tok.encode(example.prompt).length);
    expect(cut.inputIds).toEqual([BOS, ...response.slice(0, 3)]);
    expect(cut.promptLength).toBe(1);
  });

  it("'end' truncation cuts the sequence at its end", () => {
    const full = encodeExample(tok, example, { cutoffLength: 256 });
    const cut = encodeExample(tok, example, { cutoffLength: 10, truncation: 'end' });
    expect(cut.inputIds).toEqual(full.inputIds.slice(0, 10));
    expect(cut.labels.every((l) => l === IGNORE_INDEX)).toBe(true);
  });

  it('rejects a cutoff that leaves no room', () => {
    expect(() => encodeExample(tok, example, { cutoffLength: 1 })).toThrow('cutoffLength must be an integer >= 2, got 1');
  });

  it('encodePrompt keeps the end of a long prompt', () => {
    const ids = encodePrompt(tok, example.prompt, { cutoffLength: 5 });
    expect(ids).toEqual([BOS, ...tok.encode(example.prompt).slice(-4)]);
  });
});
