import type { Command } from 'commander';
import { ADAPTER_METHODS, injectAdapter } from '@smoa/adapters';
import { adapterConfigFrom, withAdapterOptions, type AdapterFlags } from './adapter-options';
import { configHook, describeBackend, loadModel, startBackend, withModelOptions } from './shared';

interface InfoOpts extends AdapterFlags {
  model?: string;
  backend?: string;
}

export function registerInfo(program: Command): void {
  let cmd = withModelOptions(program.command('info').description('backend report, model summary, and trainable parameters of each adapter method'));
  cmd = withAdapterOptions(cmd, ADAPTER_METHODS);
  configHook(cmd).action(async (opts: InfoOpts) => {
    const info = await startBackend(opts.backend);
    const { model, config, dir } = await loadModel(opts.model);
    const fmt = (n: number) => n.toLocaleString('en-US');
    const lines = [describeBackend(info), '', `model: ${dir}`];
    lines.push(
      `  ${config.numHiddenLayers} layers, hidden ${config.hiddenSize}, intermediate ${config.intermediateSize}, ${config.numAttentionHeads} heads (${config.numKeyValueHeads} kv), vocab ${config.vocabSize}, ${config.maxPositionEmbeddings} positions`,
      `  ${fmt(model.numParameters())} parameters`,
      '  linear modules:',
    );
    for (const [path, lin] of model.namedLinears()) lines.push(`    ${path} [${lin.weight.shape.join(', ')}]`);
    lines.push('', `trainable parameters at r=${opts.r}, targets ${opts.targetModules.join(',')}:`);
    for (const method of ADAPTER_METHODS) {
      const adapters = injectAdapter(model, adapterConfigFrom({ ...opts, method }));
      const { trainable, percent } = adapters.trainableParameters();
      lines.push(`  ${method.padEnd(8)} ${fmt(trainable).padStart(10)}  (${percent.toFixed(3)}% of all)`);
      adapters.unload();
    }
    process.stdout.write(lines.join('\n') + '\n');
  });
}
