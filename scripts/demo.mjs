#!/usr/bin/env node
// The main job (`pnpm demo`): offline, from a fresh clone, fine-tune the embedded stories260K Llama
// (trained on TinyStories) with SMoA, and with LoRA at the same trainable-parameter budget, on vendored
// real data from two new domains, evaluate before and after, and print a results table.
//   - tinyshakespeare: validation perplexity on held-out passages (a new domain for a TinyStories model);
//   - BoolQ (LLM-Adapters format): log-likelihood accuracy of "the correct answer is true/false"
//     after the task prompt, and the share of generations in the answer format.
// Each run is a fineTune run directory under runs/demo/ (run.json, metrics.jsonl, checkpoints, adapter/).
// Every package is loaded from its built dist/ (`pnpm demo` builds first), so this runs from a clone.
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const started = performance.now();
const pkg = (name, entry = 'index') => import(new URL(`../packages/${name}/dist/${entry}.js`, import.meta.url));
const [{ initBackend }, llama, datasets, datasetsNode, trainNode, trainPkg, evalPkg] = await Promise.all([
  pkg('backend'),
  pkg('llama', 'node'),
  pkg('datasets'),
  pkg('datasets', 'node'),
  pkg('train', 'node'),
  pkg('train'),
  pkg('eval'),
]);
const { loadLlama, embeddedModelDir } = llama;
const { tokenBlocks, encodeExample, exampleFormatter, getTask, shuffled } = datasets;
const { loadTask } = datasetsNode;
const { fineTune } = trainNode;
const { prepareModel } = trainPkg;
const { evaluatePerplexity, evaluateMultipleChoice, evaluateGeneration } = evalPkg;

const SEED = 0;
const STEPS = Number(process.env.SMOA_DEMO_STEPS ?? 50);
const BLOCK = 64;
const info = await initBackend();
console.log(`backend: ${info.name} (${info.source}), threads ${info.threads}${info.simd === undefined ? '' : `, SIMD ${info.simd ? 'on' : 'off'}`}`);

// ---- data (vendored in @smoa/datasets) --------------------------------------------------------
const { tokenizer } = await loadLlama(embeddedModelDir());
const shakespeare = getTask('tinyshakespeare');
const boolq = getTask('boolq');
const shTrain = await loadTask(shakespeare, 'train');
const shTest = await loadTask(shakespeare, 'test');
const bqTrain = shuffled(await loadTask(boolq, 'train'), SEED).slice(0, 400);
const bqTest = (await loadTask(boolq, 'test')).slice(0, 60);
const format = exampleFormatter(boolq);
const trainSet = [
  ...tokenBlocks(tokenizer, shTrain.slice(0, 300).map((e) => e.target), { blockSize: BLOCK }),
  ...bqTrain.map((e) => encodeExample(tokenizer, format(e), { cutoffLength: 96 })),
];
const shEval = tokenBlocks(tokenizer, shTest.map((e) => e.target), { blockSize: BLOCK }).slice(0, 24);

async function evaluate(model) {
  const ppl = await evaluatePerplexity(model, shEval, { batchSize: 12, task: 'tinyshakespeare', split: 'test' });
  const ll = await evaluateMultipleChoice(model, tokenizer, boolq, bqTest, { mode: 'labels', batchSize: 16, cutoffLength: 96 });
  const gen = await evaluateGeneration(model, tokenizer, boolq, bqTest.slice(0, 24), { batchSize: 12, maxNewTokens: 16, cutoffLength: 96 });
  const formatted = gen.predictions.filter((p) => p.predicted !== null && p.predicted !== undefined).length / gen.predictions.length;
  return { perplexity: ppl.summary.metrics.perplexity, llAccuracy: ll.summary.metrics.accuracy, genAccuracy: gen.summary.metrics.accuracy, formatted };
}

// ---- runs --------------------------------------------------------------------------------------
const TARGETS = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'];
const runs = [
  { name: 'base (no training)', mode: { kind: 'none' } },
  { name: 'SMoA r=8 K=2', dir: 'smoa', mode: { kind: 'adapter', adapter: { method: 'smoa', r: 8, numBlocks: 2, alpha: 8, targetModules: TARGETS } }, lr: 3e-2 },
  { name: 'LoRA r=4', dir: 'lora', mode: { kind: 'adapter', adapter: { method: 'lora', r: 4, alpha: 4, targetModules: TARGETS } }, lr: 1e-2 },
];
const rows = [];
for (const run of runs) {
  const t0 = performance.now();
  const { model } = await loadLlama(embeddedModelDir());
  let prepared;
  let finalLoss;
  if (run.mode.kind === 'none') {
    prepared = prepareModel(model, run.mode);
  } else {
    const result = await fineTune({
      model,
      data: { train: trainSet },
      mode: run.mode,
      config: { maxSteps: STEPS, batchSize: 8, learningRate: run.lr, warmupSteps: 5, decay: 'cosine', seed: SEED, maxGradNorm: 1 },
      runDir: fileURLToPath(new URL(`../runs/demo/${run.dir}`, import.meta.url)),
      overwrite: true,
      onEvent: (e) => {
        if (e.type === 'step' && e.step % 20 === 0) process.stderr.write(`  ${run.name}: step ${e.step}/${STEPS} loss ${e.loss.toFixed(3)}\n`);
        if (e.type === 'step') finalLoss = e.loss;
      },
    });
    if (result.reason !== 'completed') throw new Error(`${run.name}: ${result.message}`);
    prepared = result.model;
  }
  const metrics = await evaluate(prepared);
  rows.push({ name: run.name, trainable: prepared.numTrainable, finalLoss, ...metrics, seconds: (performance.now() - t0) / 1000 });
  process.stderr.write(`  ${run.name}: done in ${rows.at(-1).seconds.toFixed(0)} s\n`);
  model.dispose();
}

// ---- table -------------------------------------------------------------------------------------
const pct = (x) => `${(100 * x).toFixed(1)}%`;
const header = ['method', 'trainable params', 'train loss (last step)', 'Shakespeare ppl', 'BoolQ LL acc', 'BoolQ gen acc', 'BoolQ answer format', 'time'];
const table = rows.map((r) => [
  r.name,
  r.trainable.toLocaleString('en-US'),
  r.finalLoss === undefined ? '-' : r.finalLoss.toFixed(3),
  r.perplexity.toFixed(2),
  pct(r.llAccuracy),
  pct(r.genAccuracy),
  pct(r.formatted),
  `${r.seconds.toFixed(0)} s`,
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(`\nstories260K fine-tuned ${STEPS} steps (batch 8) on tinyshakespeare blocks + 400 BoolQ training examples, seed ${SEED}`);
console.log(`Shakespeare perplexity on ${shEval.length} held-out blocks of ${BLOCK} tokens; BoolQ on the first ${bqTest.length} test questions (log-likelihood of "the correct answer is true/false"), generation on the first 24.`);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const row of table) console.log(line(row));
const majority = bqTest.filter((e) => e.answer === 'true').length / bqTest.length;
console.log(`BoolQ majority class ("true") on these questions: ${pct(majority)}.`);
console.log(`total ${((performance.now() - started) / 1000).toFixed(0)} s`);
