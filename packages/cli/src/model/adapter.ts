import type { AdapterModel, ModuleContainer } from '@smoa/adapters';
import { loadAdapter, saveAdapter } from '@smoa/adapters/node';
import { requirePath } from '../run/run-dir';

export async function saveAdapterDir(model: AdapterModel, dir: string): Promise<void> {
  await saveAdapter(model, dir);
}

/**
 * Loads a PEFT adapter directory onto the model. Errors say which flag was wrong and, for an adapter
 * made for another model, which module and shapes do not fit (from @smoa/adapters' checks).
 */
export async function attachAdapter(model: ModuleContainer, adapterDir: string, modelDir: string): Promise<AdapterModel> {
  const dir = requirePath(adapterDir, '--adapter', 'directory');
  try {
    const adapters = await loadAdapter(model, dir);
    adapters.eval();
    return adapters;
  } catch (err) {
    throw new Error(`--adapter ${dir} does not fit --model ${modelDir}: ${(err as Error).message}`);
  }
}
