import { describe, expect, it } from 'vitest';
import { extractChoice, extractNumber, extractOptionLetter, numbersMatch, parseNumber } from './answers';

describe('extractNumber', () => {
  it('prefers the number after "####"', () => {
    expect(extractNumber('She has 3 apples.\n#### 18')).toBe(18);
    expect(extractNumber('#### 1,234,567 and then 5')).toBe(1234567);
  });

  it('then the number after "the answer is"', () => {
    expect(extractNumber('He needs 24 * 24 = 576 tiles. The answer is 576.')).toBe(576);
    expect(extractNumber('The answer is $1,250.50 in total, i.e. 3 items')).toBe(1250.5);
    expect(extractNumber('the answer is -7 degrees')).toBe(-7);
    expect(extractNumber('the answer is 2. But the final answer is 3.')).toBe(3);
  });

  it('then the last number, with signs, decimals and thousands commas', () => {
    expect(extractNumber('First 12, then 3.75')).toBe(3.75);
    expect(extractNumber('it dropped to -15 overnight')).toBe(-15);
    expect(extractNumber('a total of 10,000')).toBe(10000);
    expect(extractNumber('costs $.5 each')).toBe(0.5);
    expect(extractNumber('5-3 = 2')).toBe(2);
    expect(extractNumber('ages 3,4 and 5')).toBe(5);
    expect(extractNumber('so 8 - 3 equals −5? no')).toBe(-5);
  });

  it('treats a sentence-final period as punctuation, not a decimal point', () => {
    expect(extractNumber('The answer is 42.')).toBe(42);
    expect(extractNumber('I bought 7.')).toBe(7);
  });

  it('gives undefined when there is no number', () => {
    expect(extractNumber('I do not know.')).toBeUndefined();
  });
});

describe('parseNumber and numbersMatch', () => {
  it('parses written numbers and compares numerically', () => {
    expect(parseNumber('576.0')).toBe(576);
    expect(parseNumber(' -1,000 ')).toBe(-1000);
    expect(parseNumber('$18')).toBe(18);
    expect(parseNumber('abc')).toBeUndefined();
    expect(numbersMatch(576, 576.0)).toBe(true);
    expect(numbersMatch(0.6666666666666666, 0.66666666)).toBe(true);
    expect(numbersMatch(0.67, 0.6666666666666666)).toBe(false);
    expect(numbersMatch(18, 19)).toBe(false);
  });
});

describe('extractChoice', () => {
  it('finds the first label named, whole word, case-insensitive', () => {
    expect(extractChoice('the correct answer is solution2', ['solution1', 'solution2'])).toBe('solution2');
    expect(extractChoice('True, because ...', ['true', 'false'])).toBe('true');
    expect(extractChoice('Answer3 it is', ['answer1', 'answer2', 'answer3'])).toBe('answer3');
    expect(extractChoice('answer10', ['answer1', 'answer2'])).toBeUndefined();
    expect(extractChoice('untrue', ['true', 'false'])).toBeUndefined();
    expect(extractChoice('no idea', ['option1', 'option2'])).toBeUndefined();
  });
});

describe('extractOptionLetter', () => {
  it('reads "answer is X", then "(X)", then the last standalone letter', () => {
    expect(extractOptionLetter('... The answer is (D).')).toBe('D');
    expect(extractOptionLetter('the answer is b')).toBe('B');
    expect(extractOptionLetter('Between (A) and (C), pick (C)')).toBe('C');
    expect(extractOptionLetter('So E')).toBe('E');
    expect(extractOptionLetter('no letter here')).toBeUndefined();
  });
});
