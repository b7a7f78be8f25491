import { describe, expect, it } from 'vitest';
import { corpusBleu } from './bleu';
import { dialogueMetrics } from './dialogue';
import { distinctN } from './distinct';
import { normalizeAnswer, tokenF1 } from './f1';
import { rougeL } from './rouge';
import { wordTokens } from './text';

describe('wordTokens', () => {
  it('lower-cases, splits punctuation off and keeps apostrophes inside words', () => {
    expect(wordTokens("I'm fine, thanks!")).toEqual(["i'm", 'fine', ',', 'thanks', '!']);
    expect(wordTokens('  ')).toEqual([]);
  });
});

describe('corpusBleu (hand-computed)', () => {
  const hyp = 'the cat sat on the mat';
  const ref = 'the cat is on the mat';

  it('one sentence: p1 = 5/6, p2 = 3/5, p3 = 1/4, p4 = 0, no brevity penalty', () => {
    const r = corpusBleu([hyp], [ref]);
    expect(r.precisions).toEqual([5 / 6, 3 / 5, 1 / 4, 0]);
    expect(r.brevityPenalty).toBe(1);
    expect(r.bleu[0]).toBeCloseTo(5 / 6, 12);
    expect(r.bleu[1]).toBeCloseTo(Math.sqrt(0.5), 12);
    expect(r.bleu[2]).toBeCloseTo(0.5, 12);
    expect(r.bleu[3]).toBe(0);
  });

  it('a corpus sums counts over sentences and applies the brevity penalty to total lengths', () => {
    const r = corpusBleu([hyp, 'hello there'], [ref, 'hello there friend']);
    // hypothesis 8 words, references 9: BP = exp(1 - 9/8); p1 = (5+2)/(6+2), p2 = (3+1)/(5+1)
    const bp = Math.exp(1 - 9 / 8);
    expect(r.brevityPenalty).toBeCloseTo(bp, 12);
    expect(r.bleu[0]).toBeCloseTo(bp * (7 / 8), 12);
    expect(r.bleu[1]).toBeCloseTo(bp * Math.sqrt((7 / 8) * (4 / 6)), 12);
  });

  it('clips counts by the most any one reference has (Papineni et al.: "the the the ..." scores 2/7)', () => {
    const r = corpusBleu(['the the the the the the the'], [['the cat is on the mat', 'there is a cat on the mat']], 1);
    expect(r.bleu[0]).toBeCloseTo(2 / 7, 12);
    expect(r.referenceLength).toBe(7); // the closest reference length
  });

  it('scores an empty hypothesis 0 and checks lengths', () => {
    expect(corpusBleu([''], [ref]).bleu).toEqual([0, 0, 0, 0]);
    expect(() => corpusBleu(['a'], [])).toThrow('corpusBleu: 1 hypotheses but 0 references');
  });
});

describe('rougeL (js-rouge, hand-computed)', () => {
  it('is the LCS F1', () => {
    expect(rougeL('police kill the gunman', 'police killed the gunman')).toBeCloseTo(0.75, 12); // LCS 3 of 4 and 4
    expect(rougeL('the cat sat', 'the cat sat on the mat')).toBeCloseTo((2 * 1 * 0.5) / 1.5, 12); // P 3/3, R 3/6
    expect(rougeL('Hello there.', 'hello there . ')).toBeCloseTo(1, 12);
    expect(rougeL('', 'anything')).toBe(0);
  });
});

describe('tokenF1 (ParlAI, hand-computed)', () => {
  it('compares normalised words', () => {
    expect(normalizeAnswer('The cat sat on a mat!')).toBe('cat sat on mat');
    expect(tokenF1('The cat sat on a mat!', 'the cat is on the mat')).toBeCloseTo(0.75, 12); // 3 common of 4 and 4
    expect(tokenF1('yes yes', 'yes')).toBeCloseTo((2 * 0.5 * 1) / 1.5, 12);
    expect(tokenF1('', 'yes')).toBe(0);
    expect(tokenF1('no', 'yes')).toBe(0);
  });
});

describe('distinctN (hand-computed)', () => {
  it('counts distinct n-grams over all predictions', () => {
    expect(distinctN(['i like cats', 'i like dogs'], 1)).toBeCloseTo(4 / 6, 12);
    expect(distinctN(['i like cats', 'i like dogs'], 2)).toBeCloseTo(3 / 4, 12);
    expect(distinctN([''], 2)).toBe(0);
  });
});

describe('dialogueMetrics', () => {
  it('gathers all dialogue metrics over a corpus', () => {
    const m = dialogueMetrics(['the cat sat on the mat', 'hello there'], ['the cat is on the mat', 'hello there friend']);
    expect(m.bleu1).toBeCloseTo(Math.exp(1 - 9 / 8) * (7 / 8), 12);
    expect(m.f1).toBeCloseTo((tokenF1('the cat sat on the mat', 'the cat is on the mat') + tokenF1('hello there', 'hello there friend')) / 2, 12);
    expect(m.distinct1).toBeCloseTo(7 / 8, 12); // 8 words, "the" repeated once
    expect(() => dialogueMetrics([], [])).toThrow('no predictions');
  });
});
