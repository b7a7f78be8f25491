import { IGNORE_INDEX } from '@smoa/core';

export { IGNORE_INDEX };

/**
 * One tokenized training sequence with the tokens the loss looks at marked either way:
 * - `lossMask[t]` 1 when token t is a target the model must predict (the response), 0 for prompt tokens;
 * - `labels[t]` the token at t, or -100 where the loss does not look (what @smoa/datasets' encodeExample
 *   and tokenBlocks produce).
 */
export type TrainExample =
  | { inputIds: readonly number[]; lossMask: readonly number[] }
  | { inputIds: readonly number[]; labels: readonly number[] };

/** The form the trainer computes with. */
export interface MaskedExample {
  inputIds: readonly number[];
  lossMask: readonly number[];
}

/**
 * Checks examples once up front, so a bad record fails with its index rather than deep inside a step,
 * and turns labels into a loss mask.
 */
export function validateExamples(examples: readonly TrainExample[], what: string, vocabSize?: number): MaskedExample[] {
  if (!Array.isArray(examples)) throw new Error(`${what}: expected an array of examples`);
  return examples.map((e, i) => {
    const ids = (e as { inputIds?: unknown })?.inputIds;
    const mask = (e as { lossMask?: unknown })?.lossMask;
    const labels = (e as { labels?: unknown })?.labels;
    if (!Array.isArray(ids) || (!Array.isArray(mask) && !Array.isArray(labels))) {
      throw new Error(`${what}[${i}]: expected { inputIds: number[], lossMask: number[] } or { inputIds: number[], labels: number[] }`);
    }
    const lossMask = Array.isArray(mask) ? (mask as number[]).map((m) => (m ? 1 : 0)) : (labels as number[]).map((l) => (l === IGNORE_INDEX ? 0 : 1));
    const field = Array.isArray(mask) ? 'lossMask' : 'labels';
    if (ids.length !== lossMask.length) throw new Error(`${what}[${i}]: inputIds has ${ids.length} tokens but ${field} has ${lossMask.length}`);
    if (ids.length < 2) throw new Error(`${what}[${i}]: needs at least 2 tokens to predict one, got ${ids.length}`);
    if (!lossMask.slice(1).some((m) => m)) {
      throw new Error(`${what}[${i}]: ${field} marks no token after the first, so the example has nothing to learn or score`);
    }
    if (vocabSize !== undefined) {
      const bad = (ids as unknown[]).find((id) => !Number.isInteger(id) || (id as number) < 0 || (id as number) >= vocabSize);
      if (bad !== undefined) throw new Error(`${what}[${i}]: token id ${bad} is outside the vocabulary [0, ${vocabSize})`);
    }
    return { inputIds: ids as number[], lossMask };
  });
}
