import type { Command } from 'commander';
import { convertLlama2c } from '@smoa/llama/node';
import { checkOutputDir, requirePath } from '../run/run-dir';

export function registerConvert(program: Command): void {
  const convert = program.command('convert').description('convert a model from another format into a Hugging Face directory');
  convert
    .command('llama2c')
    .description('convert a llama2.c checkpoint (legacy or v1 "ak42") and its tokenizer.bin')
    .argument('<checkpoint>', 'llama2.c model file, e.g. stories260K.bin')
    .argument('<tokenizer>', 'llama2.c tokenizer file, e.g. tok512.bin')
    .requiredOption('--output <dir>', 'directory to write (config.json, model.safetensors, tokenizer.json, tokenizer_config.json)')
    .option('--overwrite', 'replace --output if it exists', false)
    .action(async (checkpoint: string, tokenizer: string, opts: { output: string; overwrite: boolean }) => {
      const ckpt = requirePath(checkpoint, '<checkpoint>', 'file');
      const tok = requirePath(tokenizer, '<tokenizer>', 'file');
      checkOutputDir(opts.output, opts.overwrite);
      const r = await convertLlama2c(ckpt, tok, opts.output, { overwrite: opts.overwrite });
      process.stdout.write(
        `wrote ${r.outDir}: llama2.c ${r.format} checkpoint, ${r.numParameters.toLocaleString('en-US')} parameters${r.tiedEmbeddings ? ', tied embeddings' : ''}\n`,
      );
    });
}
