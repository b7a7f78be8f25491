import { SeededRng } from '../rng/seeded-rng';

/** Where a run is in its data: epoch number and how many examples of that epoch's order it has used. */
export interface DataPosition {
  epoch: number;
  offset: number;
}

/**
 * Walks a data set in a seeded order that depends only on (seed, epoch), so a position of two numbers
 * is enough to resume exactly. Batches never straddle epochs: the tail shorter than a batch is skipped,
 * which keeps every step's batch size (and so its loss scale) the same.
 */
export class DataCursor {
  private order: number[] = [];
  private orderEpoch = -1;

  constructor(
    private readonly size: number,
    private readonly seed: number,
    private readonly shuffle: boolean,
    public position: DataPosition = { epoch: 0, offset: 0 },
  ) {
    if (size <= 0) throw new Error('the training set is empty');
  }

  /** Indices of the next batch, advancing the position. */
  next(batchSize: number): number[] {
    if (batchSize > this.size) throw new Error(`batch size ${batchSize} is larger than the training set (${this.size} examples)`);
    if (this.position.offset + batchSize > this.size) this.position = { epoch: this.position.epoch + 1, offset: 0 };
    const order = this.orderFor(this.position.epoch);
    const out = order.slice(this.position.offset, this.position.offset + batchSize);
    this.position = { epoch: this.position.epoch, offset: this.position.offset + batchSize };
    return out;
  }

  private orderFor(epoch: number): number[] {
    if (this.orderEpoch !== epoch) {
      this.order = this.shuffle
        ? SeededRng.fromSeed((this.seed * 1_000_003 + epoch * 7919) | 0).permutation(this.size)
        : Array.from({ length: this.size }, (_, i) => i);
      this.orderEpoch = epoch;
    }
    return this.order;
  }
}
