import type { TrainingCheckpoint } from './payload';

/** "last" is what a resume starts from; "best" is the checkpoint with the best validation score. */
export type CheckpointTag = 'last' | 'best';

/** Where checkpoints go. The Node directory store is in @smoa/train/node; this one keeps them in memory. */
export interface CheckpointStore {
  save(checkpoint: TrainingCheckpoint, tag: CheckpointTag): Promise<void>;
  load(tag: CheckpointTag): Promise<TrainingCheckpoint | undefined>;
}

/** Keeps checkpoints in memory (browsers, tests, or a caller that writes them elsewhere itself). */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly saved = new Map<CheckpointTag, TrainingCheckpoint>();

  async save(checkpoint: TrainingCheckpoint, tag: CheckpointTag): Promise<void> {
    this.saved.set(tag, structuredClone(checkpoint));
  }

  async load(tag: CheckpointTag): Promise<TrainingCheckpoint | undefined> {
    const c = this.saved.get(tag);
    return c && structuredClone(c);
  }
}
