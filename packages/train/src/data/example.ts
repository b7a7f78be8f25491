/**
 * One tokenized training sequence. lossMask[t] is 1 when token t is a target the model must predict
 * (the response), 0 for prompt tokens; it has the same length as inputIds.
 */
export interface TrainExample {
  inputIds: readonly number[];
  lossMask: readonly number[];
}

/** Checks examples once up front so a bad record fails with its index, not deep inside a step. */
export function validateExamples(examples: readonly TrainExample[], what: string, vocabSize?: number): void {
  examples.forEach((e, i) => {
    if (!e || !Array.isArray(e.inputIds) || !Array.isArray(e.lossMask)) {
      throw new Error(`${what}[${i}]: expected { inputIds: number[], lossMask: number[] }`);
    }
    if (e.inputIds.length !== e.lossMask.length) {
      throw new Error(`${what}[${i}]: inputIds has ${e.inputIds.length} tokens but lossMask has ${e.lossMask.length}`);
    }
    if (e.inputIds.length < 2) throw new Error(`${what}[${i}]: needs at least 2 tokens to predict one, got ${e.inputIds.length}`);
    if (!e.lossMask.slice(1).some((m) => m)) {
      throw new Error(`${what}[${i}]: lossMask marks no token after the first, so the example has nothing to learn or score`);
    }
    if (vocabSize !== undefined) {
      const bad = e.inputIds.find((id) => !Number.isInteger(id) || id < 0 || id >= vocabSize);
      if (bad !== undefined) throw new Error(`${what}[${i}]: token id ${bad} is outside the vocabulary [0, ${vocabSize})`);
    }
  });
}
