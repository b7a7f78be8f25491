import type { Command } from 'commander';
import { floatArg, intArg } from '../options/parse';
import { configHook, loadModel, startBackend, withModelOptions } from './shared';
import { attachAdapter } from '../model/adapter';

interface GenerateOpts {
  model?: string;
  backend?: string;
  adapter?: string;
  prompt: string;
  maxNewTokens: number;
  temperature: number;
  topK?: number;
  topP?: number;
  seed: number;
  bos: boolean;
}

export function registerGenerate(program: Command): void {
  const cmd = withModelOptions(program.command('generate').description('continue a prompt with the model (and an adapter)'))
    .requiredOption('--prompt <text>', 'text to continue')
    .option('--adapter <dir>', 'adapter directory in PEFT layout to apply')
    .option('--max-new-tokens <n>', 'tokens to generate', intArg(1), 64)
    .option('--temperature <t>', 'sampling temperature; 0 is greedy', floatArg(0), 0)
    .option('--top-k <k>', 'sample among the k most likely tokens', intArg(1))
    .option('--top-p <p>', 'nucleus sampling mass', floatArg(0, 1))
    .option('--seed <n>', 'sampling seed', intArg(0), 0)
    .option('--no-bos', 'do not start the prompt with the BOS token');
  configHook(cmd).action(async (opts: GenerateOpts) => {
    await startBackend(opts.backend);
    const { model, tokenizerRequired: tok, dir } = await loadModel(opts.model);
    if (opts.adapter) await attachAdapter(model, opts.adapter, dir);
    const ids = [...(opts.bos && tok.bosTokenId !== undefined ? [tok.bosTokenId] : []), ...tok.encode(opts.prompt)];
    const [out] = await model.generate([ids], {
      maxNewTokens: opts.maxNewTokens,
      temperature: opts.temperature,
      ...(opts.topK !== undefined ? { topK: opts.topK } : {}),
      ...(opts.topP !== undefined ? { topP: opts.topP } : {}),
      seed: opts.seed,
      ...(tok.eosTokenId !== undefined ? { eosTokenId: tok.eosTokenId } : {}),
    });
    process.stdout.write(opts.prompt + tok.decode(out, { skipSpecialTokens: true }) + '\n');
  });
}
