import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type Entries = Record<string, Record<string, unknown>>;
// The namespaces are loaded at run time from the built files; the cases reach into them by name.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
export interface Case {
  /** What is made, through which entry, and whose class it must be an instance of. */
  what: string;
  make: (load: (pkg: string) => Promise<Entries>, dir: string) => Promise<{ made: unknown; Class: Any }>;
}

/**
 * For every package with several entries: objects made through one entry, checked with instanceof against the
 * class another entry exports. A package whose entries share no class says why instead (`none`); the one-copy
 * check in identity-suite.ts still covers its module state.
 */
export const CASES: Record<string, Case[] | { none: string }> = {
  '@smoa/safetensors': [
    {
      what: 'openSafetensorsFile (./node) returns a SafetensorsReader (.)',
      async make(load, dir) {
        const e = await load('@smoa/safetensors');
        const file = join(dir, 'w.safetensors');
        await (e['./node'] as Any).writeSafetensorsFile(file, { w: { shape: [2], data: new Float32Array([1, 2]) } });
        const made = await (e['./node'] as Any).openSafetensorsFile(file);
        await made.close();
        return { made, Class: e['.'].SafetensorsReader };
      },
    },
  ],
  '@smoa/llama': [
    {
      what: 'loadLlama (./node) returns a LlamaForCausalLM (.)',
      async make(load) {
        const e = await load('@smoa/llama');
        const node = e['./node'] as Any;
        const { model } = await node.loadLlama(node.embeddedModelDir());
        return { made: model, Class: e['.'].LlamaForCausalLM };
      },
    },
  ],
  '@smoa/adapters': [
    {
      what: 'loadAdapter (./node) returns an AdapterModel (.)',
      async make(load, dir) {
        const e = await load('@smoa/adapters');
        const llama = (await load('@smoa/llama'))['./node'] as Any;
        const adapters = e['.'] as Any;
        const node = e['./node'] as Any;
        const base = () => llama.loadLlama(llama.embeddedModelDir()).then((l: Any) => l.model);
        const injected = adapters.injectAdapter(await base(), { method: 'lora', r: 2, targetModules: ['q_proj'] });
        await node.saveAdapter(injected, join(dir, 'adapter'));
        const made = await node.loadAdapter(await base(), join(dir, 'adapter'));
        return { made, Class: adapters.AdapterModel };
      },
    },
    {
      what: 'the layers of an adapter loaded through ./node are the LoRALayer that . exports',
      async make(load, dir) {
        const e = await load('@smoa/adapters');
        const llama = (await load('@smoa/llama'))['./node'] as Any;
        const node = e['./node'] as Any;
        const base = () => llama.loadLlama(llama.embeddedModelDir()).then((l: Any) => l.model);
        await node.saveAdapter((e['.'] as Any).injectAdapter(await base(), { method: 'lora', r: 2, targetModules: ['q_proj'] }), dir);
        const loaded = await node.loadAdapter(await base(), dir);
        const [made] = [...loaded.modules().values()];
        return { made, Class: (e['.'] as Any).LoRALayer };
      },
    },
  ],
  '@smoa/datasets': [
    {
      what: 'a bad record read by loadTask (./node) throws a DataError (.)',
      async make(load, dir) {
        const e = await load('@smoa/datasets');
        mkdirSync(join(dir, 'data', 'llm-adapters', 'boolq'), { recursive: true });
        writeFileSync(join(dir, 'data', 'llm-adapters', 'boolq', 'test.json'), '[{"instruction": 7}]');
        const made = await (e['./node'] as Any).loadTask('boolq', 'test', { dataDir: join(dir, 'data') }).then(
          () => new Error('loadTask accepted a record whose instruction is a number'),
          (err: unknown) => err,
        );
        return { made, Class: e['.'].DataError };
      },
    },
  ],
  '@smoa/experiment': [
    {
      what: 'runExperiment (./node) throws a PlanError (.) for a bad plan',
      async make(load, dir) {
        const e = await load('@smoa/experiment');
        const made = await (e['./node'] as Any).runExperiment({ tasks: [] }, { outDir: join(dir, 'experiment'), log: () => undefined }).then(
          () => new Error('runExperiment accepted a plan without tasks'),
          (err: unknown) => err,
        );
        return { made, Class: e['.'].PlanError };
      },
    },
  ],
  '@smoa/core': { none: './contracts holds the shared interfaces and IGNORE_INDEX, no class; . re-exports the same constant' },
  '@smoa/train': { none: './node holds the checkpoint directory store and SIGINT handling; no class of . is made there' },
  '@smoa/eval': { none: '. exports no class' },
};

