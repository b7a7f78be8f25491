#!/usr/bin/env node
// Regenerates models/stories260K/ (the embedded default model) from the llama2.c files vendored in
// test-fixtures/stories260K-llama2c/. Run after `pnpm build`; the test suite checks the result matches.
import { copyFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { convertLlama2c } from '@smoa/llama/node';

const pkg = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(pkg, 'test-fixtures', 'stories260K-llama2c');
const out = join(pkg, 'models', 'stories260K');
const result = await convertLlama2c(join(src, 'stories260K.bin'), join(src, 'tok512.bin'), out, { overwrite: true });
await copyFile(join(src, 'LICENSE'), join(out, 'LICENSE'));
await writeFile(join(out, 'README.md'), `# stories260K

A 260k-parameter Llama-2-architecture model trained on TinyStories by Andrej Karpathy
(karpathy/tinyllamas, https://huggingface.co/karpathy/tinyllamas), here in Hugging Face layout:
config.json, model.safetensors (float32), tokenizer.json, tokenizer_config.json.

Converted from the llama2.c checkpoint stories260K.bin and its 512-piece tokenizer tok512.bin, as
redistributed by clebert/llama2.zig under the MIT licence (LICENSE in this folder), with
\`convertLlama2c\` from @smoa/llama (packages/llama/scripts/convert-embedded.mjs).

dim 64, hidden 172, 5 layers, 8 heads, 4 key-value heads, vocab 512, 512 positions, tied embeddings.
Greedy decoding from BOS gives "Once upon a time, there was a little girl named Lily. She loved to
play outside in the park. One day, she saw a big, red ball. ..."
`);
console.log(JSON.stringify(result));
