import { describe, expect, it } from 'vitest';
import { encodeExample, encodePrompt } from '../collate/encode';
import { loadTask } from '../node/vendored';
import { llama3Tokenizer } from '../testing/llama3-tokenizer';
import { getTask } from './builtin';
import { exampleFormatter } from './format';

describe('exampleFormatter', () => {
  it('formats a real record with the paper template followed by its output', async () => {
    const task = getTask('boolq');
    const [ex] = await loadTask(task, 'test');
    const { prompt, response } = exampleFormatter(task)(ex!);
    expect(prompt).toBe(
      'Below is an instruction that describes a task. Write a response that appropriately completes the request.  \n\n### Instruction:\n' +
        'Please answer the following question with true or false, question: does ethanol take more energy make that produces?\n\nAnswer format: true/false\n\n### Response:\n',
    );
    expect(response).toBe('the correct answer is false');
  });

  it('takes a custom template over the task fields and rejects unknown placeholders', async () => {
    const task = getTask('piqa');
    const [ex] = await loadTask(task, 'test');
    expect(exampleFormatter(task, { template: '{instruction}\nAnswer:' })(ex!).prompt.endsWith('solution1/solution2\nAnswer:')).toBe(true);
    expect(() => exampleFormatter(task, { template: '{question}' })).toThrow(
      'template "piqa (custom)": unknown placeholder {question}; the examples have the fields: instruction, input',
    );
  });

  it("wraps examples in a tokenizer's chat template and masks only the assistant turn", async () => {
    const tok = llama3Tokenizer();
    const task = getTask('winogrande');
    const [ex] = await loadTask(task, 'test');
    const format = exampleFormatter(task, { chat: { template: tok.chatTemplate!, bosToken: tok.bosToken, eosToken: tok.eosToken } });
    const { prompt, response } = format(ex!);
    expect(prompt.startsWith('<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nPlease choose the correct answer')).toBe(true);
    expect(prompt.endsWith('<|start_header_id|>assistant<|end_header_id|>\n\n')).toBe(true);
    expect(response.startsWith('the correct answer is option2<|eot_id|>')).toBe(true);
    const enc = encodeExample(tok, { prompt, response }, { cutoffLength: 512 });
    expect(enc.inputIds.filter((id) => id === tok.bosTokenId)).toHaveLength(1);
    expect(encodePrompt(tok, prompt, { cutoffLength: 512 })).toEqual(enc.inputIds.slice(0, enc.promptLength));
    expect(tok.decode(enc.inputIds.slice(enc.promptLength))).toBe(`${response}${tok.eosToken}`);
  });
});
