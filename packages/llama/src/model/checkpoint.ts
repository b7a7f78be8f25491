import * as tf from '@tensorflow/tfjs-core';

/*
 * Activation checkpointing. tfjs's tape keeps a copy of every saved op input until the whole backward
 * pass ends (on wasm each save is a real copy), so a training step holds every layer's intermediates
 * at once. A checkpointed function keeps only its inputs; its forward runs off the tape, and in the
 * backward pass it runs again on a tape of its own whose copies are released as soon as its gradients
 * are out. Cost: one more forward of that function per step.
 *
 * Random ops must draw the same values when recomputed (dropout masks). tfjs seeds an unseeded random
 * op from Math.random, so the draws made during the forward pass are recorded and replayed in order.
 */

export interface CheckpointOptions {
  /** Variables `f` reads that gradients must reach (adapter weights; every weight in full fine-tuning). */
  params?: tf.Variable[];
  /** Tensors `f` reads that need no gradient (rotary tables, masks); saved, so they may be freed before backward. */
  constants?: tf.Tensor[];
}

type Engine = { state: { activeTape: unknown }; gradients: (f: () => tf.Tensor, xs: tf.Tensor[], dy: tf.Tensor, allowNoGradients: boolean) => { value: tf.Tensor; grads: (tf.Tensor | undefined)[] } };

/**
 * f(inputs, constants) with its intermediates recomputed in the backward pass instead of kept. Gradients
 * flow to `inputs` and `options.params` exactly as through f itself.
 */
export function checkpoint<T extends tf.Tensor>(f: (inputs: tf.Tensor[], constants: tf.Tensor[]) => T, inputs: tf.Tensor[], options: CheckpointOptions = {}): T {
  const params = options.params ?? [];
  const constants = options.constants ?? [];
  const n = inputs.length;
  const draws: number[] = [];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const xs = args.slice(0, n) as tf.Tensor[];
    save([...xs, ...constants]);
    const value = withRandom(draws, 'record', () => f(xs, constants));
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const xsSaved = saved.slice(0, n);
        const constantsSaved = saved.slice(n);
        const engine = tf.engine() as unknown as Engine;
        // A gradient computation inside the backward pass starts a tape of its own and clears the
        // engine's; the outer pass still needs its tape afterwards.
        const outerTape = engine.state.activeTape;
        try {
          const wrt = [...xsSaved, ...params];
          const { value: y, grads } = engine.gradients(() => withRandom(draws, 'replay', () => f(xsSaved, constantsSaved)), wrt, dy, true);
          y.dispose();
          return grads.map((g, i) => g ?? tf.zerosLike(wrt[i]));
        } finally {
          engine.state.activeTape = outerTape;
        }
      },
    };
  });
  return op(...inputs, ...params) as T;
}

function withRandom<T>(draws: number[], mode: 'record' | 'replay', fn: () => T): T {
  const original = Math.random;
  let next = 0;
  Math.random =
    mode === 'record'
      ? () => {
          const v = original();
          draws.push(v);
          return v;
        }
      : () => (next < draws.length ? draws[next++] : original());
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}
