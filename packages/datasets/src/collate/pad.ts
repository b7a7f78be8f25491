import { IGNORE_INDEX } from './encode';
import type { TextTokenizer } from '../tokenizer';

export type PaddingSide = 'left' | 'right';

export interface PaddedBatch {
  batchSize: number;
  seqLength: number;
  /** Row-major [batchSize, seqLength]. */
  inputIds: Int32Array;
  /** 1 for a real token, 0 for padding. */
  attentionMask: Int32Array;
  /** IGNORE_INDEX at padding; present when every row had labels. */
  labels?: Int32Array;
}

export interface PadOptions {
  /** 'left' for generation (every prompt ends at the last column); either for training. */
  side: PaddingSide;
  padTokenId: number;
  /** Pad to this length instead of the longest row (rows longer than it are an error). */
  length?: number;
  /** Round the length up to a multiple (fewer distinct shapes, fewer kernel recompilations). */
  multipleOf?: number;
}

/** The id to pad with: the tokenizer's pad token, else EOS, else 0 (padding is masked either way). */
export function padTokenIdOf(tokenizer: TextTokenizer): number {
  return tokenizer.padTokenId ?? tokenizer.eosTokenId ?? 0;
}

export function padBatch(rows: { inputIds: readonly number[]; labels?: readonly number[] }[], options: PadOptions): PaddedBatch {
  if (rows.length === 0) throw new RangeError('padBatch: no rows');
  const longest = Math.max(...rows.map((r) => r.inputIds.length));
  let seqLength = options.length ?? longest;
  if (seqLength < longest) throw new RangeError(`padBatch: a row has ${longest} tokens, more than length ${seqLength}`);
  if (options.multipleOf !== undefined && options.multipleOf > 1) seqLength = Math.ceil(seqLength / options.multipleOf) * options.multipleOf;
  const withLabels = rows.every((r) => r.labels !== undefined);
  const inputIds = new Int32Array(rows.length * seqLength).fill(options.padTokenId);
  const attentionMask = new Int32Array(rows.length * seqLength);
  const labels = withLabels ? new Int32Array(rows.length * seqLength).fill(IGNORE_INDEX) : undefined;
  rows.forEach((row, b) => {
    const n = row.inputIds.length;
    if (row.labels !== undefined && row.labels.length !== n) {
      throw new RangeError(`padBatch: row ${b} has ${n} input ids but ${row.labels.length} labels`);
    }
    const offset = b * seqLength + (options.side === 'left' ? seqLength - n : 0);
    inputIds.set(row.inputIds, offset);
    attentionMask.fill(1, offset, offset + n);
    if (labels && row.labels) labels.set(row.labels, offset);
  });
  return { batchSize: rows.length, seqLength, inputIds, attentionMask, labels };
}
