import { describe, expect, it } from 'vitest';
import { textSource } from '../readers/source';
import { createPromptTemplate } from '../template/prompt';
import { builtinTasks, getTask, tasks } from './builtin';
import { loadTaskExamples } from './load';
import { readRecords } from './records';
import { TaskRegistry } from './registry';
import type { TaskDefinition } from './types';

describe('the task registry', () => {
  it('holds the built-in tasks, found case-insensitively and by alias', () => {
    expect(tasks.names()).toEqual([
      'boolq', 'piqa', 'social_i_qa', 'hellaswag', 'winogrande', 'ARC-Easy', 'ARC-Challenge', 'openbookqa', 'commonsense',
      'gsm8k', 'gsm8k-llm-adapters', 'AQuA', 'AddSub', 'MultiArith', 'SingleEq', 'SVAMP', 'mawps', 'mathqa',
      'convai2', 'tinyshakespeare',
    ]);
    expect(getTask('siqa').name).toBe('social_i_qa');
    expect(getTask('arc_easy').name).toBe('ARC-Easy');
    expect(getTask('OBQA').name).toBe('openbookqa');
  });

  it('is one registry for every entry and module format of the package (kept on globalThis)', () => {
    expect((globalThis as Record<symbol, unknown>)[Symbol.for('@smoa/datasets/tasks')]).toBe(tasks);
  });

  it('names the known tasks when asked for an unknown one', () => {
    expect(() => getTask('squad')).toThrow(/^unknown task "squad"; known tasks: boolq, piqa, social_i_qa, hellaswag, .*tinyshakespeare$/);
  });

  it('refuses duplicate names and aliases unless replacing', () => {
    const reg = new TaskRegistry();
    for (const t of builtinTasks()) reg.register(t);
    const boolq = reg.get('boolq');
    expect(() => reg.register(boolq)).toThrow('task "boolq" is already registered (pass { replace: true } to replace it)');
    expect(() => reg.register({ ...boolq, name: 'other', aliases: ['siqa'] })).toThrow('task name or alias "siqa" is already used by task "social_i_qa"');
    reg.register({ ...boolq, description: 'replaced' }, { replace: true });
    expect(reg.get('boolq').description).toBe('replaced');
    expect(reg.names().filter((n) => n === 'boolq')).toHaveLength(1);
  });

  it('takes user tasks through the same interface, with their own template', async () => {
    const fields = ['question', 'answer'];
    const trivia: TaskDefinition = {
      name: 'my-trivia',
      description: 'question -> short answer',
      kind: 'dialogue',
      metric: 'accuracy',
      files: { test: 'trivia.jsonl' },
      fields,
      template: createPromptTemplate('Q: {question}\nA:', { name: 'trivia', fields }),
      extractAnswer: (t) => t.trim().split('\n')[0],
      async read(source) {
        const recs = await readRecords<{ question: string; answer: string }>(source, { question: 'string', answer: 'string' });
        return recs.map((r) => ({ index: r.index, fields: { ...r.value }, target: ` ${r.value.answer}`, answer: r.value.answer }));
      },
    };
    const reg = new TaskRegistry();
    reg.register(trivia);
    const data = '{"question": "2+2?", "answer": "4"}\n{"question": "Capital of France?", "answer": "Paris"}\n';
    const examples = await loadTaskExamples(reg.get('my-trivia'), 'test', () => textSource('trivia.jsonl', data));
    expect(examples.map((e) => trivia.template.render(e.fields))).toEqual(['Q: 2+2?\nA:', 'Q: Capital of France?\nA:']);
    await expect(loadTaskExamples(trivia, 'test', () => textSource('trivia.jsonl', ''))).rejects.toThrow('trivia.jsonl: empty data set: no records found');
  });
});
