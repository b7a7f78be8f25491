import type { Command } from 'commander';
import { generateText } from '@smoa/llama';
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
  stream?: boolean;
  stop: string[];
  chat?: boolean;
}

export function registerGenerate(program: Command): void {
  const cmd = withModelOptions(program.command('generate').description('continue a prompt with the model (and an adapter)'))
    .requiredOption('--prompt <text>', 'text to continue (with --chat: the user message)')
    .option('--adapter <dir>', 'adapter directory in PEFT layout to apply')
    .option('--max-new-tokens <n>', 'tokens to generate', intArg(1), 64)
    .option('--temperature <t>', 'sampling temperature; 0 is greedy', floatArg(0), 0)
    .option('--top-k <k>', 'sample among the k most likely tokens', intArg(1))
    .option('--top-p <p>', 'nucleus sampling mass', floatArg(0, 1))
    .option('--seed <n>', 'sampling seed', intArg(0), 0)
    .option('--no-bos', 'do not start the prompt with the BOS token')
    .option('--stream', 'print the text as it is generated')
    .option('--stop <text>', 'stop before this text (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--chat', "format --prompt as a user message with the tokenizer's chat template");
  configHook(cmd).action(async (opts: GenerateOpts) => {
    await startBackend(opts.backend);
    const { model, tokenizerRequired: tok, dir } = await loadModel(opts.model);
    if (opts.adapter) await attachAdapter(model, opts.adapter, dir);
    const prompt = opts.chat ? tok.applyChatTemplate([{ role: 'user', content: opts.prompt }]) : opts.prompt;
    // Shown as typed; with --chat the template's markup is not echoed.
    const shown = opts.chat ? '' : opts.prompt;
    if (opts.stream) process.stdout.write(shown);
    const text = await generateText(model, tok, prompt, {
      maxNewTokens: opts.maxNewTokens,
      temperature: opts.temperature,
      ...(opts.topK !== undefined ? { topK: opts.topK } : {}),
      ...(opts.topP !== undefined ? { topP: opts.topP } : {}),
      seed: opts.seed,
      addBos: opts.bos && !opts.chat,
      stopStrings: opts.stop,
      ...(opts.stream ? { onText: (d: string) => void process.stdout.write(d) } : {}),
    });
    process.stdout.write(opts.stream ? '\n' : shown + text + '\n');
  });
}
