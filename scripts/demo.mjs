#!/usr/bin/env node
// The main job (`npm run demo`): a small, honest experiment with @smoa/experiment's runExperiment, offline
// from a fresh clone. The embedded stories260K Llama (trained on TinyStories) is fine-tuned on two new
// domains from @smoa/data: tinyshakespeare (test perplexity) and BoolQ (log-likelihood accuracy,
// generation accuracy, and the share of generations in the answer format). Methods: the base model,
// LoRA r4, and SMoA K=2 at LoRA's trainable budget and at half of it (ranks matched by parameter count).
// Each method's learning rate is chosen on validation (carved from training data) with the first seed;
// every seed then trains at that rate and is scored on test. The table is mean ± sample sd over seeds
// and the verdict line is computed from it. The plan is examples/experiments/demo.json; it is shrunk to
// fit 5 minutes on 2 cores (install and build included), and the output says how.
import { rmSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const started = performance.now();
const pkg = (name, entry = 'index') => import(new URL(`../packages/${name}/dist/${entry}.js`, import.meta.url));
const [{ initBackend }, experiment, experimentNode] = await Promise.all([pkg('backend'), pkg('experiment'), pkg('experiment', 'node')]);
const { parsePlan, formatSummaryMarkdown, verdict } = experiment;
const { runExperiment } = experimentNode;

const plan = JSON.parse(readFileSync(new URL('../examples/experiments/demo.json', import.meta.url), 'utf8'));
if (process.env.SMOA_DEMO_STEPS) plan.maxSteps = Number(process.env.SMOA_DEMO_STEPS);
const parsed = parsePlan(plan, 'examples/experiments/demo.json');
const outDir = fileURLToPath(new URL('../.tmp/demo', import.meta.url));
rmSync(outDir, { recursive: true, force: true }); // a fresh experiment every time (runExperiment would resume it)

const info = await initBackend();
console.log(`backend: ${info.name} (${info.source}), threads ${info.threads}${info.simd === undefined ? '' : `, SIMD ${info.simd ? 'on' : 'off'}`}`);
console.log(
  `Shrunk to aim at 5 minutes on 2 cores (install and build included; SMOA_DEMO_STEPS=n shortens it): ${parsed.maxSteps} steps of batch ${parsed.batchSize}, a rate grid of ${parsed.learningRates.length} (${parsed.learningRates.join(', ')}), ` +
    `${parsed.seeds.length} seeds, ${parsed.maxTrainExamples} training sequences, ${parsed.evalLimit} test examples per task ` +
    `(the papers: ~3 epochs of 170k examples, a wider grid). examples/experiments/equal-budget.json is the larger run.`,
);

const result = await runExperiment(parsed, { outDir });
const summary = result.summary;
console.log('\n' + formatSummaryMarkdown(summary));
const boolq = await import(new URL('../packages/datasets/dist/node.js', import.meta.url)).then((m) => m.loadTask('boolq', 'test'));
const head = boolq.slice(0, parsed.evalLimit);
console.log(`BoolQ majority class on these ${head.length} test questions: ${((100 * Math.max(...['true', 'false'].map((a) => head.filter((e) => e.answer === a).length))) / head.length).toFixed(1)}%.`);
console.log('\nVerdict (computed from the table; "within the seed spread" means the gap is no larger than the larger sample sd):');
for (const other of ['SMoA K2 equal', 'SMoA K2 half']) for (const line of verdict(summary, other, 'LoRA r4')) console.log(`  ${other} vs LoRA r4 — ${line}`);
console.log(`\nresults: ${result.files.results}\nplots: ${result.files.plots.join(', ')}`);
console.log(`experiment ${((performance.now() - started) / 1000).toFixed(0)} s`);
