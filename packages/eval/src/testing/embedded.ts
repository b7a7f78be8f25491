// Test support only (not exported): the real embedded stories260K model from @smoa/llama.
import { initBackend } from '@smoa/backend';
import type { TextTokenizer } from '@smoa/datasets';
import { embeddedModelDir, loadLlama } from '@smoa/llama/node';
import type { CausalLM } from '../model';

export async function loadEmbedded(): Promise<{ model: CausalLM; tokenizer: TextTokenizer }> {
  await initBackend();
  const { model, tokenizer } = await loadLlama(embeddedModelDir());
  if (!tokenizer) throw new Error('the embedded model has no tokenizer.json');
  return { model, tokenizer };
}
