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

/** Several adapter directories applied together (each under its own name, all active: their updates add up). */
export async function attachAdapters(model: ModuleContainer, adapterDirs: readonly string[], modelDir: string): Promise<AdapterModel> {
  const first = await attachAdapter(model, adapterDirs[0]!, modelDir);
  const names = ['default'];
  for (const [i, d] of adapterDirs.slice(1).entries()) {
    const dir = requirePath(d, '--adapter', 'directory');
    const name = `adapter${i + 2}`;
    try {
      await loadAdapter(first, dir, { adapterName: name });
    } catch (err) {
      throw new Error(`--adapter ${dir} (the ${ordinal(i + 2)}) does not fit --model ${modelDir} or the first adapter: ${(err as Error).message}`);
    }
    names.push(name);
  }
  first.setAdapter(names);
  first.eval();
  return first;
}

function ordinal(n: number): string {
  return n === 2 ? '2nd' : n === 3 ? '3rd' : `${n}th`;
}
