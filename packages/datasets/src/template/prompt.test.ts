import { describe, expect, it } from 'vitest';
import { createPromptTemplate, instructionTemplate, PAPER_PROMPT } from './prompt';

describe('the paper instruction template', () => {
  it('is the paper text character for character, two spaces after "request."', () => {
    const rendered = instructionTemplate().render({ instruction: 'Is water wet?', input: '' });
    expect(rendered).toBe(
      'Below is an instruction that describes a task. Write a response that appropriately completes the request.  \n\n### Instruction:\nIs water wet?\n\n### Response:\n',
    );
    expect(PAPER_PROMPT).toContain('request.  \n\n### Instruction:');
  });

  it('uses the with-input variant only for a non-empty input', () => {
    const rendered = instructionTemplate().render({ instruction: 'Sum.', input: '2 3' });
    expect(rendered).toContain('paired with an input that provides further context');
    expect(rendered.endsWith('### Instruction:\nSum.\n\n### Input:\n2 3\n\n### Response:\n')).toBe(true);
  });
});

describe('createPromptTemplate', () => {
  it('fills placeholders and keeps literal braces written doubled', () => {
    const t = createPromptTemplate('Q: {question} {{not a field}}\nA:', { fields: ['question'] });
    expect(t.placeholders).toEqual(['question']);
    expect(t.render({ question: 'why {x}?' })).toBe('Q: why {x}? {not a field}\nA:');
  });

  it('rejects an unknown placeholder, listing the fields the examples have', () => {
    expect(() => createPromptTemplate('Q: {qestion}', { name: 'mine', fields: ['instruction', 'input'] })).toThrow(
      'template "mine": unknown placeholder {qestion}; the examples have the fields: instruction, input',
    );
  });

  it('rejects malformed placeholders and stray braces', () => {
    expect(() => createPromptTemplate('Q: {two words}')).toThrow(/malformed placeholder at character 4/);
    expect(() => createPromptTemplate('Q: {open')).toThrow(/malformed placeholder/);
    expect(() => createPromptTemplate('Q: }')).toThrow(/unmatched "}" at character 4/);
  });

  it('names a placeholder an example has no value for', () => {
    expect(() => createPromptTemplate('{a}{b}', { name: 't' }).render({ a: 'x' })).toThrow('template "t": no value for placeholder {b} (example has: a)');
  });
});
