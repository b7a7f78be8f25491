import type { Command } from 'commander';
import { writeHfCheckpoint } from '../model/hf-export';
import { attachAdapter } from '../model/adapter';
import { checkOutputDir, recoverOutput } from '../run/run-dir';
import { configHook, loadModel, startBackend, withModelOptions } from './shared';

interface MergeOpts {
  model?: string;
  backend?: string;
  adapter: string;
  output: string;
  overwrite: boolean;
}

export function registerMerge(program: Command): void {
  const cmd = withModelOptions(program.command('merge').description('merge an adapter into the base weights and write a Hugging Face checkpoint'))
    .requiredOption('--adapter <dir>', 'adapter directory in PEFT layout')
    .requiredOption('--output <dir>', 'directory for the merged model (config.json, model.safetensors, tokenizer files)')
    .option('--overwrite', 'replace --output if it exists', false);
  configHook(cmd).action(async (opts: MergeOpts) => {
    await recoverOutput(opts.output);
    const out = await checkOutputDir(opts.output, opts.overwrite);
    await startBackend(opts.backend);
    const { model, dir } = await loadModel(opts.model);
    const adapters = await attachAdapter(model, opts.adapter, dir);
    const merged = adapters.adapterNames.length;
    adapters.mergeAndUnload();
    const replaced = new Map([...model.namedLinears()].map(([path, linear]) => [`${path}.weight`, linear.weight]));
    const written = await writeHfCheckpoint(dir, out, replaced);
    process.stdout.write(`merged ${merged} adapter into ${written.replaced} weights; wrote ${out}\n`);
  });
}
