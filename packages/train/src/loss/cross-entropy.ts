import * as tf from '@tensorflow/tfjs-core';

/*
 * Cross-entropy over a large vocabulary without [tokens, vocab] copies. tfjs's own formulation
 * (logSoftmax, a one-hot, a product, a sum) keeps several [tokens, vocab] float tensors for the
 * backward pass (for vocab 49152 and 1024 tokens each is 192 MiB, and on wasm every saved tensor is a
 * copy). Here rows are processed in chunks of about CHUNK_ELEMENTS logits: the forward pass keeps only
 * the per-row log-sum-exp, the target logit is gathered (no one-hot), and the gradient
 * softmax - onehot(target) is built chunk by chunk in its own tf.customGrad.
 */

/** Logits per chunk: 2^23 floats = 32 MiB per [rows, vocab] temporary. */
export const CHUNK_ELEMENTS = 2 ** 23;

/** Rows of a [rows, vocab] chunk within the element budget (at least one). */
export function chunkRows(vocab: number, budget = CHUNK_ELEMENTS): number {
  return Math.max(1, Math.floor(budget / vocab));
}

/** Positions i * V + target_i of the chunk's targets in its flattened logits. */
function flatTargets(targets: Int32Array, start: number, n: number, V: number): tf.Tensor1D {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i * V + targets[start + i];
  return tf.tensor1d(out, 'int32');
}

/** Per-row log-sum-exp and target logit of a chunk of logits [n, V]. */
function rowTerms(logits: tf.Tensor2D, flatIndex: tf.Tensor1D): { lse: tf.Tensor1D; target: tf.Tensor1D } {
  const [n, V] = logits.shape;
  return { lse: tf.logSumExp(logits, -1) as tf.Tensor1D, target: tf.gather(tf.reshape(logits, [n * V]), flatIndex) as tf.Tensor1D };
}

/** d(sum_i w_i (lse_i - logit_i[target_i])) / d logits = w_i (softmax_i - onehot(target_i)), without the one-hot. */
function rowGradient(logits: tf.Tensor2D, flatIndex: tf.Tensor1D, scale: tf.Tensor1D): tf.Tensor2D {
  const [n, V] = logits.shape;
  const lse = tf.logSumExp(logits, -1, true);
  const probs = tf.reshape(tf.exp(tf.sub(logits, lse)), [n * V]);
  const atTarget = tf.sub(tf.gather(probs, flatIndex), 1);
  const delta = tf.reshape(tf.tensorScatterUpdate(probs, tf.reshape(flatIndex, [n, 1]), atTarget), [n, V]);
  return tf.mul(delta, tf.reshape(scale, [n, 1]));
}

/**
 * rowTerms and the unit-weight rowGradient of the same chunk from one exponential: exp(logits - max)
 * gives both the log-sum-exp and, divided by its row sums, the softmax. Separately they take three
 * [n, V] exponentials (two log-sum-exps and the softmax), the costliest elementwise work of a step.
 */
function rowTermsAndGradient(logits: tf.Tensor2D, flatIndex: tf.Tensor1D): { lse: tf.Tensor1D; target: tf.Tensor1D; dLogits: tf.Tensor2D } {
  const [n, V] = logits.shape;
  const max = tf.max(logits, -1, true);
  const e = tf.exp(tf.sub(logits, max));
  const sums = tf.sum(e, -1, true);
  const lse = tf.reshape(tf.add(tf.log(sums), max), [n]) as tf.Tensor1D;
  const probs = tf.reshape(tf.div(e, sums), [n * V]);
  const target = tf.gather(tf.reshape(logits, [n * V]), flatIndex) as tf.Tensor1D;
  const atTarget = tf.sub(tf.gather(probs, flatIndex), 1);
  const dLogits = tf.reshape(tf.tensorScatterUpdate(probs, tf.reshape(flatIndex, [n, 1]), atTarget), [n, V]) as tf.Tensor2D;
  return { lse, target, dLogits };
}

function checkTargets(where: string, rows: number, targets: Int32Array, weights: Float32Array | undefined, vocab: number): void {
  if (targets.length !== rows) throw new Error(`${where}: ${targets.length} targets for ${rows} rows; expected one per row`);
  if (weights && weights.length !== rows) throw new Error(`${where}: ${weights.length} row weights for ${rows} rows; expected one per row`);
  for (let i = 0; i < targets.length; i++) {
    if (!Number.isInteger(targets[i]) || targets[i] < 0 || targets[i] >= vocab) throw new Error(`${where}: target ${targets[i]} at row ${i} is outside the vocabulary [0, ${vocab})`);
  }
}

/**
 * sum_i w_i * -log softmax(logits_i)[target_i] over logits [N, V] (w_i = 1 without weights), chunked.
 * Keeps one copy of the logits for the backward pass, no one-hot and no log-probabilities.
 */
export function crossEntropySum(logits: tf.Tensor2D, targets: Int32Array, weights?: Float32Array, budget = CHUNK_ELEMENTS): tf.Scalar {
  const [N, V] = logits.shape;
  checkTargets('crossEntropySum', N, targets, weights, V);
  const rows = chunkRows(V, budget);
  const chunks = chunkRanges(N, rows);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    save([x]);
    let total = tf.scalar(0);
    for (const [start, n] of chunks) {
      const next = tf.tidy(() => {
        const { lse, target } = rowTerms(tf.slice(x, [start, 0], [n, V]), flatTargets(targets, start, n, V));
        const perRow = tf.sub(lse, target);
        return tf.add(total, tf.sum(weights ? tf.mul(perRow, tf.tensor1d(weights.subarray(start, start + n))) : perRow));
      });
      total.dispose();
      total = next as tf.Scalar;
    }
    return {
      value: total,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs] = saved as [tf.Tensor2D];
        const parts = chunks.map(([start, n]) =>
          tf.tidy(() => {
            const scale = tf.mul(weights ? tf.tensor1d(weights.subarray(start, start + n)) : tf.ones([n]), dy) as tf.Tensor1D;
            return rowGradient(tf.slice(xs, [start, 0], [n, V]), flatTargets(targets, start, n, V), scale);
          }),
        );
        const grad = parts.length === 1 ? parts[0] : tf.concat(parts, 0);
        if (parts.length > 1) tf.dispose(parts);
        return grad;
      },
    };
  });
  return op(logits) as tf.Scalar;
}

/**
 * sum_i -log softmax(hidden_i W^T)[target_i] for hidden [N, D] and the LM head's W [V, D], with the head
 * fused in: logits exist one chunk at a time and nothing [N, V] is ever held. The loss is the end of
 * the graph, so while gradients are being recorded each chunk's gradient is taken in the same pass
 * (dh = (softmax - onehot) W, and dW for a trainable W) and only dh [N, D] is kept for the backward
 * pass, which scales it: no second pass over the vocabulary. W gets a gradient when it is a trainable
 * variable (full fine-tuning); a frozen W is read where it is and never copied.
 */
export function lmHeadCrossEntropySum(hidden: tf.Tensor2D, weight: tf.Tensor2D, targets: Int32Array, budget = CHUNK_ELEMENTS): tf.Scalar {
  const [N, D] = hidden.shape;
  const [V, D2] = weight.shape;
  if (D !== D2) throw new Error(`lmHeadCrossEntropySum: hidden is [${N}, ${D}] but the head weight is [${V}, ${D2}]; expected [vocab, ${D}]`);
  checkTargets('lmHeadCrossEntropySum', N, targets, undefined, V);
  const trainable = weight instanceof tf.Variable && weight.trainable;
  const chunks = chunkRanges(N, chunkRows(V, budget));
  // Outside a gradient computation only the value is needed.
  const recording = (tf.engine() as unknown as { state: { gradientDepth: number } }).state.gradientDepth > 0;
  // h W^T computed as (W h^T)^T: transposing the chunk of h (small) and the chunk of logits, never W,
  // and no transposed-operand matmul (slow on wasm).
  const logitsOf = (h: tf.Tensor2D, w: tf.Tensor2D) => tf.transpose(tf.matMul(w, tf.transpose(h))) as tf.Tensor2D;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const h = args[0] as tf.Tensor2D;
    const w = trainable ? (args[1] as tf.Tensor2D) : weight;
    let total: tf.Tensor = tf.scalar(0);
    const dhParts: tf.Tensor[] = [];
    let dw: tf.Tensor | undefined;
    for (const [start, n] of chunks) {
      const out = tf.tidy(() => {
        const hc = tf.slice(h, [start, 0], [n, D]);
        const logits = logitsOf(hc, w);
        const index = flatTargets(targets, start, n, V);
        if (!recording) {
          const { lse, target } = rowTerms(logits, index);
          return [tf.add(total, tf.sum(tf.sub(lse, target)))];
        }
        const { lse, target, dLogits } = rowTermsAndGradient(logits, index);
        const sum = tf.add(total, tf.sum(tf.sub(lse, target)));
        const dh = tf.matMul(dLogits, w);
        if (!trainable) return [sum, dh];
        const part = tf.matMul(tf.transpose(dLogits), hc);
        return [sum, dh, dw ? tf.add(dw, part) : part];
      });
      total.dispose();
      total = out[0];
      if (out[1]) dhParts.push(out[1]);
      if (out[2]) {
        dw?.dispose();
        dw = out[2];
      }
    }
    if (recording) save(trainable ? [tf.concat(dhParts, 0), dw as tf.Tensor] : [tf.concat(dhParts, 0)]);
    return {
      value: total as tf.Scalar,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => saved.map((g) => tf.mul(g, dy)),
    };
  });
  return (trainable ? op(hidden, weight) : op(hidden)) as tf.Scalar;
}

/** [start, length] of consecutive chunks covering n rows. */
function chunkRanges(n: number, rows: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < n; s += rows) out.push([s, Math.min(rows, n - s)]);
  return out;
}
