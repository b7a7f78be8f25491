import { readdir, rename, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { convertLlama2c } from '@smoa/llama/node';
import { createStagingDir, replaceDirectory } from '@smoa/train/node';
import { checkOutputDir, recoverOutput, requirePath } from '../run/run-dir';

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
      await recoverOutput(opts.output);
      const out = await checkOutputDir(opts.output, opts.overwrite);
      // Converted inside a staging folder, then swapped in whole: a kill at any point leaves the old
      // output or the new one, and the next run repairs the swap and removes the staging folder.
      const staging = await createStagingDir(out);
      let r;
      try {
        const inner = join(staging, 'model');
        r = await convertLlama2c(ckpt, tok, inner);
        for (const f of await readdir(inner)) await rename(join(inner, f), join(staging, f));
        await rmdir(inner);
        await replaceDirectory(staging, out);
      } catch (err) {
        await rm(staging, { recursive: true, force: true });
        throw err;
      }
      process.stdout.write(
        `wrote ${out}: llama2.c ${r.format} checkpoint, ${r.numParameters.toLocaleString('en-US')} parameters${r.tiedEmbeddings ? ', tied embeddings' : ''}\n`,
      );
    });
}
