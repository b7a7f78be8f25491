import * as tf from '@tensorflow/tfjs-core';

/*
 * Activation checkpointing. tfjs's tape keeps a copy of every saved op input until the whole backward
 * pass ends (on wasm each save is a real copy), so a training step holds every layer's intermediates
 * at once. A checkpointed function keeps only its inputs; its forward runs off the tape, and in the
 * backward pass it runs again on a tape of its own whose copies are released as soon as its gradients
 * are out. Cost: one more forward of that function per step.
 *
 * Random ops must draw the same values when recomputed (dropout masks). The seeds they take are drawn
 * through `replayableDraw` (the adapters' dropout does), and tfjs seeds an unseeded random op from
 * Math.random: both kinds of draw made during the forward pass are recorded and replayed in order.
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
  const draws: unknown[] = [];
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

/** The draws of the checkpointed forward pass in progress (record) or being recomputed (replay). */
let active: { mode: 'record' | 'replay'; draws: unknown[]; next: number } | undefined;

/**
 * draw(), except inside a checkpointed function: there the value drawn in its forward pass is
 * recorded, and its recompute in the backward pass gets the same value back. Random ops that take a
 * seed (dropout) draw it through this, so a recomputed mask equals the original.
 */
export function replayableDraw<T>(draw: () => T): T {
  const a = active;
  if (!a) return draw();
  if (a.mode === 'record') {
    const v = draw();
    a.draws.push(v);
    return v;
  }
  return a.next < a.draws.length ? (a.draws[a.next++] as T) : draw();
}

function withRandom<T>(draws: unknown[], mode: 'record' | 'replay', fn: () => T): T {
  const outer = active;
  const original = Math.random;
  active = { mode, draws, next: 0 };
  Math.random = () => replayableDraw(original);
  try {
    return fn();
  } finally {
    Math.random = original;
    active = outer;
  }
}
