import { ADAPTER_METHODS } from '@smoa/adapters';
import { getTask } from '@smoa/datasets';
import { PLAN_DEFAULTS, type MethodSpec, type Plan } from './plan';

/** A plan that cannot run: `field` is its JSON path (e.g. "methods[2].method"). */
export class PlanError extends Error {
  constructor(
    readonly field: string,
    message: string,
    readonly source?: string,
  ) {
    super(`${source ? `${source}: ` : ''}plan field "${field}": ${message}`);
    this.name = 'PlanError';
  }
}

const TOP_KEYS = [
  'name', 'model', 'tasks', 'methods', 'budget', 'learningRates', 'seeds', 'targetModules', 'maxSteps', 'batchSize',
  'gradientAccumulationSteps', 'warmupSteps', 'weightDecay', 'decay', 'maxGradNorm', 'checkpointEvery', 'cutoffLength', 'validationSize', 'maxTrainExamples', 'dataDir',
  'evalLimit', 'evalBatchSize', 'choiceModes',
] as const;
export const PLAN_METHODS = [...ADAPTER_METHODS, 'full', 'none'] as const;

/**
 * Checks a plan (parsed JSON) and fills its defaults. Everything that can be checked without the model
 * is checked here, so a bad plan fails before any training with the field it is about; the rank budget
 * and the data are checked by runExperiment before its first run.
 */
export function parsePlan(raw: unknown, source?: string): Plan {
  const fail = (field: string, message: string): never => {
    throw new PlanError(field, message, source);
  };
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail('(root)', `expected a JSON object, got ${describe(raw)}`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!(TOP_KEYS as readonly string[]).includes(k)) fail(k, `unknown key (known: ${TOP_KEYS.join(', ')})`);

  const str = (k: string, v: unknown): string => (typeof v === 'string' && v.trim() !== '' ? v : fail(k, `expected a non-empty string, got ${describe(v)}`));
  const int = (k: string, v: unknown, min: number): number => (Number.isInteger(v) && (v as number) >= min ? (v as number) : fail(k, `expected an integer >= ${min}, got ${describe(v)}`));
  const num = (k: string, v: unknown, min: number, exclusive = false): number =>
    typeof v === 'number' && Number.isFinite(v) && (exclusive ? v > min : v >= min) ? v : fail(k, `expected a number ${exclusive ? '>' : '>='} ${min}, got ${describe(v)}`);
  const list = (k: string, v: unknown): unknown[] => (Array.isArray(v) ? (v.length > 0 ? v : fail(k, 'is empty: the grid needs at least one value')) : fail(k, `expected a non-empty array, got ${describe(v)}`));
  const unique = <T>(k: string, xs: T[]): T[] => {
    const seen = new Set<T>();
    xs.forEach((x, i) => (seen.has(x) ? fail(`${k}[${i}]`, `duplicate ${JSON.stringify(x)}`) : seen.add(x)));
    return xs;
  };

  const name = o.name === undefined ? 'experiment' : str('name', o.name);
  const tasks = unique(
    'tasks',
    list('tasks', o.tasks).map((t, i) => {
      const s = str(`tasks[${i}]`, t);
      try {
        return getTask(s).name;
      } catch (err) {
        return fail(`tasks[${i}]`, (err as Error).message);
      }
    }),
  );
  const methods = list('methods', o.methods).map((m, i) => parseMethod(m, `methods[${i}]`, fail));
  const names = methods.map((m) => m.name);
  const dup = names.findIndex((n, i) => names.indexOf(n) !== i);
  if (dup !== -1) fail(`methods[${dup}].name`, `duplicate method name "${names[dup]}"`);

  let budget: Plan['budget'];
  if (o.budget !== undefined) {
    if (o.budget === null || typeof o.budget !== 'object' || Array.isArray(o.budget)) fail('budget', `expected { "reference": "<method name>" }, got ${describe(o.budget)}`);
    const b = o.budget as Record<string, unknown>;
    for (const k of Object.keys(b)) if (k !== 'reference' && k !== 'tolerance') fail(`budget.${k}`, 'unknown key (known: reference, tolerance)');
    const reference = str('budget.reference', b.reference);
    const ref = methods.find((m) => m.name === reference);
    if (!ref) fail('budget.reference', `names no method (methods: ${names.join(', ')})`);
    if (ref!.method === 'none' || ref!.method === 'full') fail('budget.reference', `"${reference}" is ${ref!.method === 'none' ? 'the base model' : 'full fine-tuning'}; the reference must be an adapter with a rank r`);
    if (ref!.r === undefined) fail('budget.reference', `"${reference}" must set its own rank r (it is what the others are matched to)`);
    budget = { reference, tolerance: b.tolerance === undefined ? PLAN_DEFAULTS.budgetTolerance : num('budget.tolerance', b.tolerance, 0) };
  }
  methods.forEach((m, i) => {
    const adapter = m.method !== 'none' && m.method !== 'full';
    if (m.budget !== undefined && !budget) fail(`methods[${i}].budget`, 'needs a plan "budget": { "reference": "<method name>" } to be a fraction of');
    if (m.budget !== undefined && m.r !== undefined) fail(`methods[${i}].budget`, 'give either r or budget, not both');
    if (m.budget !== undefined && !adapter) fail(`methods[${i}].budget`, `method "${m.method}" has no rank to match`);
    if (adapter && m.r === undefined && !budget) fail(`methods[${i}].r`, 'required (or set a plan "budget" to match it)');
  });
  if (!methods.some((m) => m.method !== 'none')) fail('methods', 'has nothing to train (only "none")');

  const learningRates = unique('learningRates', list('learningRates', o.learningRates).map((v, i) => num(`learningRates[${i}]`, v, 0, true)));
  const seeds = unique('seeds', list('seeds', o.seeds).map((v, i) => int(`seeds[${i}]`, v, 0)));
  const d = PLAN_DEFAULTS;
  let targetModules: Plan['targetModules'] = d.targetModules;
  if (o.targetModules !== undefined) {
    targetModules = o.targetModules === 'all-linear' ? 'all-linear' : (list('targetModules', o.targetModules).map((t, i) => str(`targetModules[${i}]`, t)) as string[]);
  }
  const choiceModes =
    o.choiceModes === undefined
      ? d.choiceModes
      : unique(
          'choiceModes',
          list('choiceModes', o.choiceModes).map((v, i) => (v === 'loglikelihood' || v === 'generate' ? v : fail(`choiceModes[${i}]`, `expected "loglikelihood" or "generate", got ${describe(v)}`))),
        );
  const validationSize = o.validationSize === undefined ? d.validationSize : num('validationSize', o.validationSize, 0, true);
  if (validationSize >= 1 && !Number.isInteger(validationSize)) fail('validationSize', `expected a whole count or a fraction below 1, got ${validationSize}`);
  return {
    name,
    ...(o.model === undefined ? {} : { model: str('model', o.model) }),
    tasks,
    methods,
    ...(budget ? { budget } : {}),
    learningRates,
    seeds,
    targetModules,
    maxSteps: o.maxSteps === undefined ? d.maxSteps : int('maxSteps', o.maxSteps, 1),
    batchSize: o.batchSize === undefined ? d.batchSize : int('batchSize', o.batchSize, 1),
    gradientAccumulationSteps: o.gradientAccumulationSteps === undefined ? d.gradientAccumulationSteps : int('gradientAccumulationSteps', o.gradientAccumulationSteps, 1),
    warmupSteps: o.warmupSteps === undefined ? d.warmupSteps : int('warmupSteps', o.warmupSteps, 0),
    weightDecay: o.weightDecay === undefined ? d.weightDecay : num('weightDecay', o.weightDecay, 0),
    decay: o.decay === undefined ? d.decay : o.decay === 'linear' || o.decay === 'cosine' || o.decay === 'constant' ? o.decay : fail('decay', `expected "linear", "cosine" or "constant", got ${describe(o.decay)}`),
    maxGradNorm: o.maxGradNorm === undefined ? d.maxGradNorm : num('maxGradNorm', o.maxGradNorm, 0),
    checkpointEvery: o.checkpointEvery === undefined ? d.checkpointEvery : int('checkpointEvery', o.checkpointEvery, 0),
    cutoffLength: o.cutoffLength === undefined ? d.cutoffLength : int('cutoffLength', o.cutoffLength, 2),
    validationSize,
    ...(o.maxTrainExamples === undefined ? {} : { maxTrainExamples: int('maxTrainExamples', o.maxTrainExamples, 1) }),
    ...(o.dataDir === undefined ? {} : { dataDir: str('dataDir', o.dataDir) }),
    ...(o.evalLimit === undefined ? {} : { evalLimit: int('evalLimit', o.evalLimit, 1) }),
    evalBatchSize: o.evalBatchSize === undefined ? d.evalBatchSize : int('evalBatchSize', o.evalBatchSize, 1),
    choiceModes,
  };
}

function parseMethod(raw: unknown, at: string, fail: (field: string, message: string) => never): MethodSpec {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(at, `expected { "name": ..., "method": ... }, got ${describe(raw)}`);
  const m = raw as Record<string, unknown>;
  if (typeof m.name !== 'string' || m.name.trim() === '') fail(`${at}.name`, `expected a non-empty string, got ${describe(m.name)}`);
  if (typeof m.method !== 'string' || !(PLAN_METHODS as readonly string[]).includes(m.method)) {
    fail(`${at}.method`, `unknown method ${describe(m.method)} (known: ${PLAN_METHODS.join(', ')})`);
  }
  if (m.r !== undefined && !(Number.isInteger(m.r) && (m.r as number) >= 1)) fail(`${at}.r`, `expected an integer >= 1, got ${describe(m.r)}`);
  if (m.budget !== undefined && !(typeof m.budget === 'number' && m.budget > 0 && Number.isFinite(m.budget))) fail(`${at}.budget`, `expected a fraction > 0 (e.g. 0.5), got ${describe(m.budget)}`);
  if ((m.method === 'none' || m.method === 'full') && Object.keys(m).some((k) => k !== 'name' && k !== 'method')) {
    fail(`${at}`, `method "${m.method}" takes no adapter settings (only name and method)`);
  }
  return { ...m, name: (m.name as string).trim() } as MethodSpec;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
