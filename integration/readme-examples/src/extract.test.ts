import { describe, expect, it } from 'vitest';
import { extractBlocks, programs } from './extract';
import { missingLines } from './run';

const md = [
  '# Title', //                          1
  '',
  '```ts', //                            3
  "const a = 1;",
  '```',
  '',
  '```text output', //                   7
  '1',
  '```',
  '',
  '- a list item:',
  '',
  '  ```js no-run', //                  13
  '  const b = 2;',
  '  ```',
  '',
  '```ts continue', //                  17
  'console.log(a);',
  '```',
  '',
  '```sh',
  'npm test',
  '```',
].join('\n');

describe('extractBlocks', () => {
  const blocks = extractBlocks('README.md', md);

  it('finds ts and js blocks (also inside lists) with their fence lines and flags, and skips other languages', () => {
    expect(blocks.map((b) => [b.line, b.lang, [...b.flags], b.code])).toEqual([
      [3, 'ts', [], 'const a = 1;'],
      [13, 'js', ['no-run'], 'const b = 2;'],
      [17, 'ts', ['continue'], 'console.log(a);'],
    ]);
  });

  it('attaches an output block to the code block before it', () => {
    expect(blocks.map((b) => b.expectedOutput)).toEqual([['1'], [], []]);
  });

  it('chains a continue block onto the nearest runnable block before it (a no-run aside stands apart); the chain runs at its end', () => {
    const p = programs(blocks);
    expect(p.map((x) => [x.parts.map((b) => b.line), x.runnable, x.continued])).toEqual([
      [[3], true, true],
      [[13], false, false],
      [[3, 17], true, false],
    ]);
    expect(() => programs(extractBlocks('R.md', '```ts no-run\nx\n```\n\n```ts continue\ny\n```\n'))).toThrow(/^R\.md:5: a "continue" block needs a runnable code block before it$/);
  });

  it('names the README line of a bad flag, a stray output block and a continue with nothing before it', () => {
    expect(() => extractBlocks('R.md', '```ts no-rnu\nx\n```\n')).toThrow(/^R\.md:1: unknown code block flag no-rnu; expected no-run, continue$/);
    expect(() => extractBlocks('R.md', 'text\n\n```text output\nx\n```\n')).toThrow(/^R\.md:3: an output block must follow a ts\/js code block directly$/);
    expect(() => extractBlocks('R.md', '```ts\nx\n```\n\nprose\n\n```text output\ny\n```\n')).toThrow(/R\.md:7: an output block must follow/);
    expect(() => extractBlocks('R.md', '```ts continue\nx\n```\n')).toThrow(/^R\.md:1: a "continue" block needs a code block before it$/);
  });
});

describe('missingLines', () => {
  it('wants each expected line, trimmed, after the one before it', () => {
    expect(missingLines('a\n  b \nc\n', ['a', 'c'])).toEqual([]);
    expect(missingLines('a\nb\n', ['b', 'a'])).toEqual(['a']);
    expect(missingLines('trainable params: 512 || all params: 2,816', ['trainable params: 512 || all params: 2,560'])).toHaveLength(1);
  });
});
