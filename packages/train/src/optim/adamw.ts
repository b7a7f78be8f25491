import * as tf from '@tensorflow/tfjs-core';

export interface AdamWConfig {
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Decoupled weight decay (PyTorch's AdamW `weight_decay`), applied as p -= lr * wd * p. */
  weightDecay?: number;
  /** Which variables (by tfjs variable name) decay; all by default. */
  decays?: (variableName: string) => boolean;
}

/** tfjs-core's NamedTensor, which it does not export from its entry point. */
type NamedTensor = { name: string; tensor: tf.Tensor };

interface Moments {
  m: tf.Variable;
  v: tf.Variable;
}

/** Optimizer state in a form a checkpoint can store: first and second moments, per variable. */
export interface AdamWState {
  step: number;
  moments: { m: Float32Array; v: Float32Array; shape: number[] }[];
}

/**
 * Adam with decoupled weight decay (Loshchilov & Hutter), computed as torch.optim.AdamW does.
 * tfjs ships Adam only, whose L2 penalty would be rescaled by the adaptive step. It is a tf.Optimizer,
 * so a tfjs-layers model can `compile({ optimizer: new AdamW(...) })` with it too.
 */
export class AdamW extends tf.Optimizer {
  static get className(): string {
    return 'AdamW';
  }

  learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  private readonly decays: (name: string) => boolean;
  private readonly moments = new Map<string, Moments>();

  constructor(config: AdamWConfig = {}) {
    super();
    // tf.Optimizer leaves its counter undefined until first read; the bias correction needs a number.
    this.iterations_ = 0;
    this.learningRate = config.learningRate ?? 1e-3;
    this.beta1 = config.beta1 ?? 0.9;
    this.beta2 = config.beta2 ?? 0.999;
    this.epsilon = config.epsilon ?? 1e-8;
    this.weightDecay = config.weightDecay ?? 0.01;
    this.decays = config.decays ?? (() => true);
    for (const [k, v] of Object.entries({ learningRate: this.learningRate, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, weightDecay: this.weightDecay })) {
      if (!Number.isFinite(v) || v < 0) throw new Error(`AdamW: ${k} must be a finite number >= 0, got ${v}`);
    }
    if (this.beta1 >= 1 || this.beta2 >= 1) throw new Error(`AdamW: beta1 and beta2 must be < 1, got ${this.beta1}, ${this.beta2}`);
  }

  /** Optimizer steps taken so far. */
  get step(): number {
    return this.iterations_;
  }

  applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const pairs: [string, tf.Tensor][] = Array.isArray(variableGradients)
      ? variableGradients.map((g) => [g.name, g.tensor])
      : Object.entries(variableGradients);
    const t = this.iterations_ + 1;
    const lr = this.learningRate;
    const bc1 = 1 - this.beta1 ** t;
    const bc2Sqrt = Math.sqrt(1 - this.beta2 ** t);
    for (const [name, grad] of pairs) {
      if (grad == null) continue;
      const variable = tf.engine().registeredVariables[name];
      if (!variable) throw new Error(`AdamW: no variable named "${name}" is registered`);
      const state = this.momentsFor(name, variable);
      tf.tidy(() => {
        const m = tf.add(tf.mul(state.m, this.beta1), tf.mul(grad, 1 - this.beta1));
        const v = tf.add(tf.mul(state.v, this.beta2), tf.mul(tf.square(grad), 1 - this.beta2));
        state.m.assign(m);
        state.v.assign(v);
        const decayed = this.weightDecay > 0 && this.decays(name) ? tf.mul(variable, 1 - lr * this.weightDecay) : variable;
        const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), this.epsilon);
        variable.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), lr / bc1)));
      });
    }
    this.incrementIterations();
  }

  private momentsFor(name: string, variable: tf.Variable): Moments {
    let state = this.moments.get(name);
    if (!state) {
      state = tf.tidy(() => ({
        m: tf.variable(tf.zerosLike(variable), false),
        v: tf.variable(tf.zerosLike(variable), false),
      }));
      this.moments.set(name, state);
    }
    return state;
  }

  /** Moments of `variables` (zeros for a variable never updated), in that order, plus the step count. */
  exportState(variables: readonly tf.Variable[]): AdamWState {
    return {
      step: this.iterations_,
      moments: variables.map((variable) => {
        const s = this.moments.get(variable.name);
        const size = variable.size;
        return {
          shape: [...variable.shape],
          m: s ? (s.m.dataSync() as Float32Array).slice() : new Float32Array(size),
          v: s ? (s.v.dataSync() as Float32Array).slice() : new Float32Array(size),
        };
      }),
    };
  }

  /**
   * exportState read back asynchronously: the form GPU backends need (tfjs-backend-webgpu cannot read
   * synchronously under Node, and a synchronous read in a browser stalls the page). The step count is
   * taken before the first await, so an update in between cannot make it disagree with the moments.
   */
  async exportStateAsync(variables: readonly tf.Variable[]): Promise<AdamWState> {
    const step = this.iterations_;
    const moments = await Promise.all(
      variables.map(async (variable) => {
        const s = this.moments.get(variable.name);
        // Copies: on the cpu backend data() hands out the tensor's own buffer, and the caller owns this state.
        const read = async (t?: tf.Variable) => (t ? ((await t.data()) as Float32Array).slice() : new Float32Array(variable.size));
        const [m, v] = await Promise.all([read(s?.m), read(s?.v)]);
        return { shape: [...variable.shape], m, v };
      }),
    );
    return { step, moments };
  }

  /** Restores what exportState returned for the same variables (same order and shapes). */
  importState(variables: readonly tf.Variable[], state: AdamWState): void {
    if (state.moments.length !== variables.length) {
      throw new Error(`AdamW state holds moments for ${state.moments.length} variables; the model has ${variables.length} trainable variables`);
    }
    variables.forEach((variable, i) => {
      const { shape, m, v } = state.moments[i];
      if (shape.join(',') !== variable.shape.join(',')) {
        throw new Error(`AdamW state for variable ${i} ("${variable.name}") has shape [${shape}]; the variable has [${variable.shape}]`);
      }
      const s = this.momentsFor(variable.name, variable);
      tf.tidy(() => {
        s.m.assign(tf.tensor(m, variable.shape));
        s.v.assign(tf.tensor(v, variable.shape));
      });
    });
    this.iterations_ = state.step;
  }

  override dispose(): void {
    for (const { m, v } of this.moments.values()) {
      m.dispose();
      v.dispose();
    }
    this.moments.clear();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    const weights: NamedTensor[] = [await this.saveIterations()];
    for (const [name, { m, v }] of this.moments) {
      weights.push({ name: `${name}/m`, tensor: m }, { name: `${name}/v`, tensor: v });
    }
    return weights;
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    const rest = await this.extractIterations(weightValues);
    for (const { name, tensor } of rest) {
      const slash = name.lastIndexOf('/');
      const varName = name.slice(0, slash);
      const which = name.slice(slash + 1);
      const variable = tf.engine().registeredVariables[varName];
      if (!variable || (which !== 'm' && which !== 'v')) throw new Error(`AdamW.setWeights: unexpected weight "${name}"`);
      const s = this.momentsFor(varName, variable);
      s[which].assign(tensor);
    }
  }

  getConfig(): tf.serialization.ConfigDict {
    return {
      learningRate: this.learningRate,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      weightDecay: this.weightDecay,
    };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(
    cls: tf.serialization.SerializableConstructor<T>,
    config: tf.serialization.ConfigDict,
  ): T {
    return new cls(config);
  }
}

tf.serialization.registerClass(AdamW);
