import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '@smoa/backend';
import { Linear } from '@smoa/core';
import { shakespeareExamples, VOCAB } from '../../test-fixtures/tiny-lm.mjs';
import { train } from '../trainer/train';
import { prepareModel } from './prepare';

beforeAll(async () => {
  await initBackend();
});

/** A byte-level causal bag-of-words LM whose two projections are core Linears, so adapters attach. */
class LinearLM {
  readonly config = { vocabSize: VOCAB, maxPositionEmbeddings: 1024 };
  private readonly embed = tf.randomNormal([VOCAB, 8], 0, 0.2, 'float32', 1) as tf.Tensor2D;
  private readonly up = new Linear(tf.randomNormal([16, 16], 0, 0.2, 'float32', 2) as tf.Tensor2D);
  private readonly head = new Linear(tf.randomNormal([VOCAB, 16], 0, 0.2, 'float32', 3) as tf.Tensor2D);

  namedLinears(): Iterable<[string, Linear]> {
    return [['mlp.up_proj', this.up], ['lm_head', this.head]];
  }

  trainableVariables(): tf.Variable[] {
    return [];
  }

  forward(ids: tf.Tensor2D): tf.Tensor3D {
    return tf.tidy(() => {
      const [b, t] = ids.shape;
      const x = tf.reshape(tf.gather(this.embed, tf.reshape(ids, [-1])), [b, t, -1]);
      const causal = tf.linalg.bandPart(tf.ones([t, t]), -1, 0);
      const context = tf.matMul(tf.div(causal, tf.sum(causal, -1, true)), x);
      const h = tf.tanh(this.up.apply(tf.concat([x, context], -1)));
      return this.head.apply(h) as tf.Tensor3D;
    });
  }

  async generate(): Promise<number[][]> {
    throw new Error('not used in this test');
  }

  dispose(): void {
    tf.dispose([this.embed, this.up.weight, this.head.weight]);
  }
}

describe('prepareModel in adapter mode', () => {
  it('repeats a run with adapter dropout 0.2 for the same seeds, and another trainer seed differs', async () => {
    const data = shakespeareExamples({ count: 16 });
    const curve = async (seed: number) => {
      const model = new LinearLM();
      const prepared = prepareModel(model, { kind: 'adapter', adapter: { method: 'lora', r: 2, dropout: 0.2, targetModules: ['up_proj', 'lm_head'] }, seed: 5 });
      const losses: number[] = [];
      await train({
        model: prepared,
        train: data,
        config: { maxSteps: 4, batchSize: 4, learningRate: 0.05, seed },
        onEvent: (e) => {
          if (e.type === 'step') losses.push(e.loss);
        },
      });
      prepared.adapters!.dispose();
      model.dispose();
      return losses;
    };
    const a = await curve(7);
    expect(a).toHaveLength(4);
    expect(await curve(7)).toEqual(a);
    expect(await curve(8)).not.toEqual(a);
  });
});
