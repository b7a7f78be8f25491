import { loadLlamaFromUrl, type LlamaForCausalLM, type TextTokenizer } from '@smoa/llama';
import { tokenBlocks } from '@smoa/datasets';
import { train, type TrainEvent } from '@smoa/train';

/** The embedded model and its tokenizer, loaded from the files served with the page. */
export interface LoadedModel {
  model: LlamaForCausalLM;
  tokenizer: TextTokenizer;
}

export async function loadModel(baseUrl: string): Promise<LoadedModel> {
  const { model, tokenizer } = await loadLlamaFromUrl(baseUrl, { fullFineTuning: true });
  if (tokenizer === undefined) throw new Error(`${baseUrl}: the model has no tokenizer.json`);
  return { model, tokenizer };
}

/** Greedy continuation of a prompt (BOS added explicitly, as the tokenizer contract asks). */
export async function continueText({ model, tokenizer }: LoadedModel, prompt: string, maxNewTokens: number): Promise<string> {
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
 * Fine-tunes on the pasted text: the text is cut into blocks of blockSize tokens (BOS first) and the
 * trainer of @smoa/train runs `steps` AdamW steps on them, reporting each step's loss.
 */
export async function fineTune(
  loaded: LoadedModel,
  text: string,
  settings: TrainSettings,
  onStep: (step: number, loss: number) => void,
): Promise<void> {
  const blocks = tokenBlocks(loaded.tokenizer, [text], { blockSize: settings.blockSize });
  if (blocks.length === 0) throw new Error('the text is too short to train on: paste at least a sentence');
  const onEvent = (e: TrainEvent): void => {
    if (e.type === 'step') onStep(e.step, e.loss);
  };
  const result = await train({
    model: loaded.model,
    train: blocks,
    config: {
      maxSteps: settings.steps,
      batchSize: Math.min(settings.batchSize, blocks.length),
      learningRate: settings.learningRate,
      warmupSteps: 0,
      decay: 'constant',
      seed: 0,
    },
    onEvent,
  });
  if (result.reason !== 'completed') throw new Error(`training stopped: ${result.message}`);
}
