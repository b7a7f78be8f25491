import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { createProgram } from '../program';
import { adapterConfigFrom, type AdapterFlags } from './adapter-options';

const scratch = mkdtempSync(join(tmpdir(), 'smoa-flags-'));

/** Parses a command line in-process; the command's action is replaced by one that returns its options. */
async function parse(args: string[]): Promise<{ opts?: Record<string, unknown>; error?: string }> {
  const program = createProgram();
  let errText = '';
  const all: Command[] = [program, ...program.commands];
  for (const c of all) c.exitOverride().configureOutput({ writeErr: (s) => (errText += s), writeOut: () => undefined });
  let captured: Record<string, unknown> | undefined;
  for (const c of program.commands) c.action(function (this: Command) {
    captured = this.opts();
  });
  try {
    await program.parseAsync(['node', 'smoa', ...args]);
  } catch (err) {
    return { error: errText || (err as Error).message };
  }
  return { opts: captured! };
}

describe('method and variant flags', () => {
  it('reaches every variant: --rslora, --init, --partition, --branch-ranks', async () => {
    const lora = await parse(['train', '--output', join(scratch, 'a'), '--method', 'lora', '--r', '4', '--rslora', '--init', 'pissa']);
    expect(adapterConfigFrom(lora.opts as unknown as AdapterFlags)).toMatchObject({ method: 'lora', r: 4, rslora: true, init: 'pissa' });
    const kaiming = await parse(['train', '--output', join(scratch, 'a'), '--method', 'lora', '--init', 'kaiming']);
    expect(adapterConfigFrom(kaiming.opts as unknown as AdapterFlags)).toMatchObject({ init: 'default' });
    const smoa = await parse(['train', '--output', join(scratch, 'a'), '--method', 'smoa', '--r', '7', '--num-blocks', '3', '--branch-ranks', '3,2,2', '--partition', 'subspaces']);
    expect(adapterConfigFrom(smoa.opts as unknown as AdapterFlags)).toMatchObject({ method: 'smoa', r: 7, numBlocks: 3, branchRanks: [3, 2, 2], partition: 'subspaces' });
    const dora = await parse(['train', '--output', join(scratch, 'a'), '--method', 'dora', '--rslora']);
    expect(adapterConfigFrom(dora.opts as unknown as AdapterFlags)).toMatchObject({ method: 'dora', rslora: true });
  });

  it('takes the same keys from a config file', async () => {
    const file = join(scratch, 'c.json');
    writeFileSync(file, JSON.stringify({ method: 'smoa', r: 7, numBlocks: 3, branchRanks: [3, 2, 2], partition: 'subspaces' }));
    const r = await parse(['train', '--output', join(scratch, 'a'), '--config', file]);
    expect(adapterConfigFrom(r.opts as unknown as AdapterFlags)).toMatchObject({ r: 7, numBlocks: 3, branchRanks: [3, 2, 2], partition: 'subspaces' });
    writeFileSync(file, JSON.stringify({ method: 'lora', rslora: true, init: 'gaussian' }));
    const l = await parse(['train', '--output', join(scratch, 'a'), '--config', file]);
    expect(adapterConfigFrom(l.opts as unknown as AdapterFlags)).toMatchObject({ method: 'lora', rslora: true, init: 'gaussian' });
    writeFileSync(file, JSON.stringify({ init: 'xavier' }));
    expect((await parse(['train', '--output', join(scratch, 'a'), '--config', file])).error).toMatch(/key "init" must be one of kaiming, gaussian, pissa, got "xavier"/);
  });

  it('refuses a variant for a method that does not have it, and inconsistent branch ranks', async () => {
    const bad = async (args: string[]) => adapterConfigFrom((await parse(['train', '--output', join(scratch, 'a'), ...args])).opts as unknown as AdapterFlags);
    await expect(bad(['--method', 'smoa', '--rslora'])).rejects.toThrow('--rslora applies to --method lora or dora, not smoa');
    await expect(bad(['--method', 'hira', '--init', 'pissa'])).rejects.toThrow('--init applies to --method lora, not hira');
    await expect(bad(['--method', 'lora', '--partition', 'blocks'])).rejects.toThrow('--partition applies to --method smoa, not lora');
    await expect(bad(['--method', 'smoa', '--r', '8', '--num-blocks', '2', '--branch-ranks', '3,2,2'])).rejects.toThrow('--branch-ranks has 3 ranks but --num-blocks is 2');
    await expect(bad(['--method', 'smoa', '--r', '8', '--num-blocks', '3', '--branch-ranks', '3,2,2'])).rejects.toThrow('--branch-ranks 3,2,2 sums to 7 but --r is 8');
    expect((await parse(['train', '--output', 'x', '--branch-ranks', '3,x'])).error).toMatch(/--branch-ranks <list>' argument '3,x' is invalid\. expected comma-separated non-negative integers/);
    expect((await parse(['train', '--output', 'x', '--init', 'xavier'])).error).toMatch(/argument 'xavier' is invalid\. Allowed choices are kaiming, gaussian, pissa/);
  });

  it('makes a one-value flag given twice an error, on every command; --adapter may repeat', async () => {
    const twice = await parse(['train', '--output', 'x', '--lr', '0.001', '--lr', '0.01']);
    expect(twice.error).toMatch(/option '--lr <x>' was given more than once; it takes one value/);
    expect((await parse(['eval', '--task', 'boolq', '--task', 'piqa'])).error).toMatch(/option '--task <name>' was given more than once/);
    expect((await parse(['train', '--output', 'x', '--rslora', '--rslora'])).error).toMatch(/'--rslora' was given more than once/);
    const adapters = await parse(['eval', '--task', 'boolq', '--adapter', 'a', '--adapter', 'b', '--split', 'validation']);
    expect(adapters.opts).toMatchObject({ adapter: ['a', 'b'], split: 'validation', validationSize: 64, seed: 0 });
  });
});

describe('smoa experiment', () => {
  it('names an unreadable plan, bad JSON and the bad field before anything runs', async () => {
    const run = async (...args: string[]) => {
      const program = createProgram();
      for (const c of [program, ...program.commands]) c.exitOverride();
      return program.parseAsync(['node', 'smoa', 'experiment', ...args]);
    };
    await expect(run(join(scratch, 'none.json'))).rejects.toThrow(/none\.json: cannot read the plan \(no such file\)/);
    const file = join(scratch, 'plan.json');
    writeFileSync(file, '{"tasks": ["boolq"],');
    await expect(run(file)).rejects.toThrow(/plan\.json: not valid JSON/);
    writeFileSync(file, JSON.stringify({ tasks: ['boolq'], methods: [{ name: 'l', method: 'lora', r: 2 }], learningRates: [], seeds: [0] }));
    await expect(run(file)).rejects.toThrow(/plan\.json: plan field "learningRates": is empty: the grid needs at least one value/);
  });
});
