import { Command } from 'commander';
import { registerBench } from './commands/bench';
import { registerConvert } from './commands/convert';
import { registerEval } from './commands/eval';
import { registerGenerate } from './commands/generate';
import { registerInfo } from './commands/info';
import { registerMerge } from './commands/merge';
import { registerExperiment } from './commands/experiment';
import { registerTrain } from './commands/train';
import { rejectRepeatedOptions } from './options/once';
import { VERSION } from './version';

/**
 * The `smoa` program. Commander parses (it reports unknown options and commands by name, checks
 * `.choices()`, shows defaults in every `--help`, and has no dependencies of its own).
 */
export function createProgram(): Command {
  const program = new Command('smoa')
    .description('Fine-tune, evaluate and run Llama models with SMoA and other adapters on TensorFlow.js')
    .version(VERSION)
    .showHelpAfterError('(add --help for usage)')
    .showSuggestionAfterError(true)
    .configureHelp({ showGlobalOptions: false, sortOptions: false });
  registerTrain(program);
  registerEval(program);
  registerGenerate(program);
  registerMerge(program);
  registerConvert(program);
  registerInfo(program);
  registerBench(program);
  registerExperiment(program);
  for (const cmd of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)]) {
    cmd.showHelpAfterError('(add --help for usage)');
    rejectRepeatedOptions(cmd, ['adapter']);
  }
  return program;
}

/** Runs the program on argv; errors from a command print as "smoa <command>: error: ..." with exit code 1. */
export async function runCli(argv: string[]): Promise<void> {
  const program = createProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const e = err as Error & { code?: string };
    if (e.code?.startsWith('commander.')) throw err;
    const which = argv.slice(2).filter((a) => !a.startsWith('-'))[0];
    process.stderr.write(`smoa${which ? ` ${which}` : ''}: error: ${e.message}\n`);
    if (process.env.SMOA_DEBUG) process.stderr.write(`${e.stack}\n`);
    process.exitCode = 1;
  }
}
