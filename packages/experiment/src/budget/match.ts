import { injectAdapter, type AdapterModelConfig, type ModuleContainer } from '@smoa/adapters';
import { PlanError } from '../plan/parse';
import type { MethodSpec, Plan } from '../plan/plan';

/** What one method of a plan trains: its adapter config (rank settled), or full / none, and the count. */
export interface ResolvedMethod {
  spec: MethodSpec;
  mode: { kind: 'adapter'; adapter: AdapterModelConfig } | { kind: 'full' } | { kind: 'none' };
  /** Trainable parameters (0 for the base model). */
  numTrainable: number;
  /** How the rank was chosen, when it was matched ("0.5 x LoRA r4 = 3,072 -> r 4: 3,072"). */
  matched?: string;
}

/** The adapter config of a method with rank r (plan-wide target modules unless the method sets its own). */
export function adapterConfigOf(spec: MethodSpec, plan: Pick<Plan, 'targetModules'>, r: number): AdapterModelConfig {
  const { name: _name, budget: _budget, r: _r, ...rest } = spec;
  return { targetModules: plan.targetModules, ...rest, r } as AdapterModelConfig;
}

/** Trainable parameters of an adapter config on a model: injected, counted, and removed again. */
export function countTrainable(model: ModuleContainer, config: AdapterModelConfig): number {
  const adapters = injectAdapter(model, config);
  try {
    return adapters.trainableParameters().trainable;
  } finally {
    adapters.unload();
  }
}

/**
 * Settles every method's rank and counts its trainable parameters on `model` (before any training, so
 * a bad adapter setting fails here with its method). A method without `r` gets the rank whose count is
 * closest to `budget` x the reference's count (ties: the smaller rank); more than `tolerance` away is
 * an error naming the method and the nearest counts.
 */
export function matchBudgets(plan: Plan, model: ModuleContainer & { numParameters?: () => number }, options: { maxRank?: number } = {}): ResolvedMethod[] {
  const maxRank = options.maxRank ?? 512;
  const count = (spec: MethodSpec, r: number, at: string): number => {
    try {
      return countTrainable(model, adapterConfigOf(spec, plan, r));
    } catch (err) {
      throw new PlanError(at, `method "${spec.name}" with r ${r}: ${(err as Error).message}`);
    }
  };
  const fullCount = (): number => {
    let n = 0;
    for (const [, linear] of model.namedLinears()) n += linear.numParams;
    return typeof model.numParameters === 'function' ? model.numParameters() : n;
  };
  const at = (spec: MethodSpec) => `methods[${plan.methods.indexOf(spec)}]`;
  const reference = plan.budget ? plan.methods.find((m) => m.name === plan.budget!.reference)! : undefined;
  const referenceCount = reference ? count(reference, reference.r!, `${at(reference)}.r`) : 0;
  return plan.methods.map((spec): ResolvedMethod => {
    if (spec.method === 'none') return { spec, mode: { kind: 'none' }, numTrainable: 0 };
    if (spec.method === 'full') return { spec, mode: { kind: 'full' }, numTrainable: fullCount() };
    if (spec.r !== undefined) {
      const adapter = adapterConfigOf(spec, plan, spec.r);
      return { spec, mode: { kind: 'adapter', adapter }, numTrainable: count(spec, spec.r, `${at(spec)}.r`) };
    }
    const fraction = spec.budget ?? 1;
    const target = fraction * referenceCount;
    let best: { r: number; n: number } | undefined;
    let lastError: string | undefined;
    for (let r = 1; r <= maxRank; r++) {
      let n: number;
      try {
        n = countTrainable(model, adapterConfigOf(spec, plan, r));
      } catch (err) {
        lastError = (err as Error).message; // e.g. r not divisible by the number of blocks: try the next rank
        continue;
      }
      if (!best || Math.abs(n - target) < Math.abs(best.n - target)) best = { r, n };
      if (n > target) break;
    }
    const label = `${fraction} x ${reference!.name} (${referenceCount.toLocaleString('en-US')}) = ${Math.round(target).toLocaleString('en-US')}`;
    if (!best) throw new PlanError(`${at(spec)}.budget`, `no rank 1..${maxRank} of method "${spec.name}" is valid on this model (${lastError})`);
    if (Math.abs(best.n - target) > plan.budget!.tolerance * target) {
      throw new PlanError(
        `${at(spec)}.budget`,
        `cannot match ${label} trainable parameters with method "${spec.name}": the nearest is r ${best.r} with ${best.n.toLocaleString('en-US')} (tolerance ${plan.budget!.tolerance * 100}%)`,
      );
    }
    const adapter = adapterConfigOf(spec, plan, best.r);
    return { spec, mode: { kind: 'adapter', adapter }, numTrainable: best.n, matched: `${label} -> r ${best.r}: ${best.n.toLocaleString('en-US')}` };
  });
}
