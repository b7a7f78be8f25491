import { describe, expect, it } from 'vitest';
import { loadTask } from '../node/vendored';
import { getTask } from './builtin';
import { parseOptions } from './commonsense';

// Record counts from the data sets' documentation (LLM-Adapters releases).
const TEST_COUNTS: Record<string, number> = {
  boolq: 3270,
  piqa: 1838,
  social_i_qa: 1954,
  winogrande: 1267,
  'ARC-Easy': 2376,
  'ARC-Challenge': 1172,
  openbookqa: 500,
};
const TRAIN_COUNTS: Record<string, number> = { boolq: 9427, 'ARC-Easy': 2251, 'ARC-Challenge': 1119, openbookqa: 4957 };

describe('commonsense tasks on the vendored LLM-Adapters files', () => {
  for (const [name, count] of Object.entries(TEST_COUNTS)) {
    it(`${name}: ${count} test records; the extractor finds the gold answer in every gold output; options parse`, async () => {
      const task = getTask(name);
      const examples = await loadTask(task, 'test');
      expect(examples).toHaveLength(count);
      const mismatches = examples.filter((ex) => task.extractAnswer!(ex.target) !== ex.answer);
      expect(mismatches.map((m) => m.index)).toEqual([]);
      for (const ex of examples) {
        expect(ex.options!.map((o) => o.label)).toContain(ex.answer);
        expect(ex.options!.every((o) => o.text.length > 0)).toBe(true);
        expect(ex.question!.length).toBeGreaterThan(0);
      }
    });
  }

  for (const [name, count] of Object.entries(TRAIN_COUNTS)) {
    it(`${name}: ${count} training records`, async () => {
      expect(await loadTask(name, 'train')).toHaveLength(count);
    });
  }

  it('parses the option texts of each layout', async () => {
    const [piqa] = await loadTask('piqa', 'test');
    expect(piqa!.question).toBe("How do I ready a guinea pig cage for it's new occupants?");
    expect(piqa!.options![1]).toEqual({
      label: 'solution2',
      text: 'Provide the guinea pig with a cage full of a few inches of bedding made of ripped jeans material, you will also need to supply it with a water bottle and a food dish.',
    });
    const [wino] = await loadTask('winogrande', 'test');
    expect(wino!.options).toEqual([
      { label: 'option1', text: 'Sarah' },
      { label: 'option2', text: 'Maria' },
    ]);
    const [siqa] = await loadTask('siqa', 'test');
    expect(siqa!.options!.map((o) => o.text)).toEqual(['make a new plan', 'Go home and see Riley', 'Find somewhere to go']);
    const [boolq] = await loadTask('boolq', 'test');
    expect(boolq!.question).toBe('does ethanol take more energy make that produces?');
  });

  it('ARC keeps the one five-choice question', async () => {
    const five = (await loadTask('ARC-Easy', 'test')).filter((ex) => ex.options!.length === 5);
    expect(five.length).toBeGreaterThanOrEqual(1);
    expect(five.some((ex) => ex.answer === 'answer5')).toBe(true);
  });

  it('supports the HellaSwag layout without shipping its data', () => {
    const instruction =
      'Please choose the correct ending to complete the given sentence: Removing ice from car: Then, the man writes over the snow covering the window of a car, and a woman wearing winter clothes smiles. then\n\n' +
      'Ending1: , the man adds wax to the windshield and cuts it. Ending2: , a person board a ski lift, while two men supporting the head of the person wearing winter clothes snow as the we girls sled. Ending3: , the man puts on a christmas coat, knitted with netting. Ending4: , the man continues removing the snow on his car.\n\n' +
      'Answer format: ending1/ending2/ending3/ending4';
    const task = getTask('hellaswag');
    const parsed = parseOptions(instruction, { optionWord: 'Ending', labels: task.labels! });
    expect(parsed!.options.map((o) => o.label)).toEqual(['ending1', 'ending2', 'ending3', 'ending4']);
    expect(parsed!.options[3]!.text).toBe(', the man continues removing the snow on his car.');
    expect(task.extractAnswer!('the correct answer is ending4')).toBe('ending4');
  });

  it('names the record whose answer is not a label of the task', async () => {
    const { textSource } = await import('../readers/source');
    const bad = JSON.stringify([{ instruction: 'x: q\n\nAnswer format: true/false', input: '', output: 'the correct answer is true', answer: 'yes' }]);
    await expect(getTask('boolq').read(textSource('boolq.json', bad), 'test')).rejects.toThrow(
      'boolq.json record 0 field "answer": expected one of true, false, got "yes"',
    );
  });
});
