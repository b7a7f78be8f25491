import type { AdapterModelConfig } from '@smoa/adapters';
import { tokenBlocks } from '@smoa/datasets';
import { loadLlamaFromUrl, type LlamaForCausalLM, type TextTokenizer } from '@smoa/llama';
import { prepareModel, train, type PreparedModel, type TrainEvent } from '@smoa/train';

/** SMoA on every projection of every layer (q, k, v, o, gate, up, down), rank 8 in 2 spectral blocks. */
export const ADAPTER: AdapterModelConfig = { method: 'smoa', r: 8, numBlocks: 2, targetModules: 'all-linear' };

/** The embedded model with SMoA attached, and its tokenizer, loaded from the files served with the page. */
export interface Session {
  base: LlamaForCausalLM;
  model: PreparedModel;
  tokenizer: TextTokenizer;
}

export async function loadSession(baseUrl: string, adapter: AdapterModelConfig = ADAPTER): Promise<Session> {
  const { model: base, tokenizer } = await loadLlamaFromUrl(baseUrl);
  if (tokenizer === undefined) throw new Error(`${baseUrl}: the model has no tokenizer.json`);
  // Seeded, so every page load starts from the same adapter: a run repeats, and backends can be compared.
  return { base, model: prepareModel(base, { kind: 'adapter', adapter, seed: 0 }), tokenizer };
}

/** Greedy continuation of a prompt (BOS added explicitly, as the tokenizer contract asks). */
export async function continueText({ model, tokenizer }: Session, prompt: string, maxNewTokens: number): Promise<string> {
  const ids = tokenizer.encode(prompt);
  const withBos = tokenizer.bosTokenId === undefined ? ids : [tokenizer.bosTokenId, ...ids];
  const [out] = await model.generate([withBos], { maxNewTokens, temperature: 0 });
  return tokenizer.decode(out, { skipSpecialTokens: true });
}

export interface TrainSettings {
  steps: number;
  learningRate: number;
  blockSize: number;
  batchSize: number;
}

/**
 * Fine-tunes the adapter on the pasted text: the text is cut into blocks of blockSize tokens (BOS first)
 * and the trainer of @smoa/train runs `steps` AdamW steps on them, reporting each step's loss.
 */
export async function fineTune(session: Session, text: string, settings: TrainSettings, onStep: (step: number, loss: number) => void): Promise<void> {
  const blocks = tokenBlocks(session.tokenizer, [text], { blockSize: settings.blockSize });
  if (blocks.length === 0) throw new Error('the text is too short to train on: paste at least a sentence');
  const onEvent = (e: TrainEvent): void => {
    if (e.type === 'step') onStep(e.step, e.loss);
  };
  const result = await train({
    model: session.model,
    train: blocks,
    config: {
      maxSteps: settings.steps,
      batchSize: Math.min(settings.batchSize, blocks.length),
      learningRate: settings.learningRate,
      decay: 'constant',
      seed: 0,
    },
    onEvent,
  });
  if (result.reason !== 'completed') throw new Error(`training stopped: ${result.message}`);
}
