import { Option, type Command } from 'commander';
import { BACKEND_CHOICES, initBackend, type BackendChoice, type BackendInfo } from '@smoa/backend';
import { useSpectralThreads } from '@smoa/adapters/node';
import type { LoadedLlama } from '@smoa/llama';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { looksLikeHubId } from '@smoa/llama';
import { embeddedModelDir, loadLlama } from '@smoa/llama/node';
import { downloadProgress } from '../progress/download-progress';
import { applyConfigFile } from '../options/config-file';
import { requirePath } from '../run/run-dir';

export const EMBEDDED_MODEL = 'the embedded stories260K';

/** --model, --backend and --config, which every model-using command takes. */
export function withModelOptions(cmd: Command): Command {
  return cmd
    .addOption(
      new Option(
        '--model <dir>',
        `Hugging Face Llama directory (config.json, model.safetensors, tokenizer.json) or Hub id org/name[@revision], cached like huggingface_hub (HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE) (default: ${EMBEDDED_MODEL})`,
      ),
    )
    .addOption(new Option('--backend <name>', 'tfjs backend to use (default: the fastest available, or SMOA_BACKEND)').choices(BACKEND_CHOICES as string[]))
    .option('--config <file>', 'JSON file of option values (keys are the long option names; flags given on the command line win)');
}

/** Applies --config before the action reads its options. */
export function configHook(cmd: Command): Command {
  return cmd.hook('preAction', (_parent, action) => {
    const file = action.opts().config as string | undefined;
    if (file) applyConfigFile(action, file);
  });
}

export async function startBackend(backend: string | undefined): Promise<BackendInfo> {
  const info = await initBackend(backend ? { prefer: backend as BackendChoice } : {});
  // SMoA's block orders (a float64 eigen-decomposition per target weight, seconds each on a real model)
  // on every core, by the backend's own rule (SMOA_THREADS, 1 under a test runner); the pool's
  // workers are unref'd, so commands still exit by themselves.
  useSpectralThreads();
  return info;
}

/** The embedded model, a directory that exists, or a Hub id (a path that exists always wins). */
export function modelDirFrom(model: string | undefined): string {
  if (model === undefined) return embeddedModelDir();
  if (!existsSync(resolve(model)) && looksLikeHubId(model)) return model;
  return requirePath(model, '--model', 'directory');
}

export async function loadModel(model: string | undefined, options: { fullFineTuning?: boolean } = {}): Promise<LoadedLlama & { dir: string; tokenizerRequired: NonNullable<LoadedLlama['tokenizer']> }> {
  const dir = modelDirFrom(model);
  const loaded = await loadLlama(dir, { ...options, onProgress: downloadProgress() });
  if (!loaded.tokenizer) throw new Error(`--model ${dir}: has no tokenizer.json; this command needs the tokenizer`);
  return { ...loaded, dir, tokenizerRequired: loaded.tokenizer };
}

export function describeBackend(info: BackendInfo): string {
  const lines = [`backend: ${info.name} (${info.source}), threads ${info.threads}${info.simd === undefined ? '' : `, SIMD ${info.simd ? 'on' : 'off'}`}`];
  for (const s of info.skipped) lines.push(`  skipped ${s.source}: ${s.reason}`);
  return lines.join('\n');
}
