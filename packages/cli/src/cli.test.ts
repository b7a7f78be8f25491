import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { serializeSafetensors } from '@smoa/safetensors';
import { findBenchScript } from './commands/bench';

// These tests run the built executable, as a user would.
const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../test-fixtures/', import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'smoa-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface SpawnOptions {
  cwd?: string;
  uid?: number;
  /** Called with the child once it runs (to send it signals). */
  onChild?: (child: ChildProcess) => void;
}

/** Runs the bin without blocking the test worker (a blocked worker misses vitest's heartbeats). */
function smoa(...args: (string | SpawnOptions)[]): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const options = (typeof args.at(-1) === 'object' ? args.pop() : {}) as SpawnOptions;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...(args as string[])], {
      env: { ...process.env, SMOA_BACKEND: 'wasm' },
      ...(options.cwd ? { cwd: options.cwd } : {}),
      ...(options.uid !== undefined ? { uid: options.uid, gid: options.uid } : {}),
    });
    options.onChild?.(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const filtered = stderr
        .split('\n')
        .filter((l) => !/already registered/.test(l))
        .join('\n');
      resolve({ code, signal, stdout, stderr: filtered });
    });
  });
}

const SMALL_TRAIN = ['--max-steps', '4', '--eval-every', '2', '--checkpoint-every', '2', '--batch-size', '4', '--cutoff-length', '48', '--validation-size', '6', '--max-train-examples', '24'];

describe('smoa --help', () => {
  it('lists every command, and every command has --help with its defaults', async () => {
    const top = await smoa('--help');
    expect(top.code).toBe(0);
    for (const c of ['train', 'eval', 'generate', 'merge', 'convert', 'info', 'bench']) expect(top.stdout).toContain(c);
    const train = await smoa('train', '--help');
    train.stdout = train.stdout.replace(/\s+/g, ' ');
    expect(train.stdout).toMatch(/--max-steps <n> optimizer steps \(default: 100\)/);
    expect(train.stdout).toMatch(/--method <name>.*\(choices: "smoa", "lora", "hira", "melora", "dora", "full", default: "smoa"\)/s);
    expect(train.stdout).toMatch(/--model <dir>.*\(default: the embedded stories260K\)/s);
    for (const c of [['eval'], ['generate'], ['merge'], ['convert', 'llama2c'], ['info'], ['bench']]) {
      const r = await smoa(...c, '--help');
      expect(r.code, c.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/Usage: smoa/);
    }
    expect((await smoa('eval', '--help')).stdout.replace(/\s+/g, ' ')).toMatch(/--split <name>.*default: "test"/);
  });
});

describe('bad input', () => {
  it('names an unknown flag, a bad choice and a bad number', async () => {
    const unknown = await smoa('train', '--output', join(scratch, 'x'), '--learning-rate', '1');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/unknown option '--learning-rate'/);
    const choice = await smoa('train', '--output', join(scratch, 'x'), '--decay', 'step');
    expect(choice.stderr).toMatch(/option '--decay <kind>' argument 'step' is invalid\. Allowed choices are linear, cosine, constant/);
    const num = await smoa('train', '--output', join(scratch, 'x'), '--max-steps', 'ten');
    expect(num.stderr).toMatch(/option '--max-steps <n>' argument 'ten' is invalid\. expected an integer >= 1, got "ten"/);
    const cmd = await smoa('trian');
    expect(cmd.stderr).toMatch(/unknown command 'trian'/);
    expect(cmd.stderr).toMatch(/Did you mean train\?/);
    const task = await smoa('eval', '--task', 'no-such-task', '--limit', '1');
    expect(task.code).toBe(1);
    expect(task.stderr).toMatch(/unknown task "no-such-task"; known tasks: .*boolq/);
  });

  it('names missing paths', async () => {
    const model = await smoa('eval', '--task', 'boolq', '--model', join(scratch, 'nope'));
    expect(model.code).toBe(1);
    expect(model.stderr).toMatch(/--model .*nope: no such directory/);
    const adapter = await smoa('generate', '--prompt', 'Once', '--adapter', join(scratch, 'missing-adapter'));
    expect(adapter.stderr).toMatch(/--adapter .*missing-adapter: no such directory/);
    const ckpt = await smoa('convert', 'llama2c', join(scratch, 'none.bin'), join(FIXTURES, 'tok512.bin'), '--output', join(scratch, 'conv'));
    expect(ckpt.stderr).toMatch(/<checkpoint> .*none\.bin: no such file/);
    const config = await smoa('train', '--output', join(scratch, 'c'), '--config', join(scratch, 'none.json'));
    expect(config.stderr).toMatch(/none\.json: cannot read the config file \(no such file\)/);
  });

  it('rejects config files with unknown keys or bad values, by key', async () => {
    const file = join(scratch, 'bad.json');
    writeFileSync(file, JSON.stringify({ maxSteps: 3, learningRate: 0.1 }));
    expect((await smoa('train', '--output', join(scratch, 'c1'), '--config', file)).stderr).toMatch(/bad\.json: unknown key "learningRate" for "smoa train" \(known: .*lr/);
    writeFileSync(file, JSON.stringify({ 'max-steps': -1 }));
    expect((await smoa('train', '--output', join(scratch, 'c2'), '--config', file)).stderr).toMatch(/bad\.json: key "max-steps": expected an integer >= 1, got "-1"/);
    writeFileSync(file, `{"max-steps": ${'['.repeat(5000)}${']'.repeat(5000)}}`);
    expect((await smoa('train', '--output', join(scratch, 'c4'), '--config', file)).stderr).toMatch(/bad\.json: .*(deep|depth|nest)/i);
    writeFileSync(file, JSON.stringify({ method: 'qlora' }));
    expect((await smoa('train', '--output', join(scratch, 'c3'), '--config', file)).stderr).toMatch(/key "method" must be one of smoa, lora, hira, melora, dora, full, got "qlora"/);
  });

  it('refuses an existing output directory unless --overwrite', async () => {
    const out = join(scratch, 'exists');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'keep.txt'), 'x');
    const r = await smoa('train', ...SMALL_TRAIN, '--output', out);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--output .*exists: already exists and is not empty; pass --overwrite to replace it or --resume to continue it/);
    expect(existsSync(join(out, 'keep.txt'))).toBe(true);
    const conv = await smoa('convert', 'llama2c', join(FIXTURES, 'stories260K.bin'), join(FIXTURES, 'tok512.bin'), '--output', out);
    expect(conv.stderr).toMatch(/already exists and is not empty; pass --overwrite/);
  });

  it('names the module and shapes when an adapter does not fit the model', async () => {
    const dir = join(scratch, 'wrong-adapter');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'adapter_config.json'),
      JSON.stringify({ peft_type: 'LORA', r: 4, lora_alpha: 8, target_modules: ['q_proj'], lora_dropout: 0, bias: 'none', fan_in_fan_out: false }),
    );
    const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (let i = 0; i < 5; i++) {
      // stories260K's q_proj is [64, 64]; this adapter was made for a model with hidden size 32.
      tensors[`base_model.model.model.layers.${i}.self_attn.q_proj.lora_A.weight`] = { shape: [4, 32], data: new Float32Array(128) };
      tensors[`base_model.model.model.layers.${i}.self_attn.q_proj.lora_B.weight`] = { shape: [32, 4], data: new Float32Array(128) };
    }
    writeFileSync(join(dir, 'adapter_model.safetensors'), serializeSafetensors(tensors));
    const r = await smoa('eval', '--task', 'tinyshakespeare', '--limit', '1', '--adapter', dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--adapter .*wrong-adapter does not fit --model/);
    expect(r.stderr).toMatch(/model\.layers\.0\.self_attn\.q_proj/);
    expect(r.stderr).toMatch(/\[4, ?32\]/);
    expect(r.stderr).toMatch(/64/);
  });
});

describe('train, eval, resume, merge, generate, convert, info on real data', () => {
  const run = join(scratch, 'run');
  const steps = () =>
    readFileSync(join(run, 'metrics.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l))
      .filter((l) => l.type === 'step')
      .map((l) => l.step as number);

  it('trains SMoA on tinyshakespeare, writing metrics.jsonl, loss.svg, checkpoints and the adapter', async () => {
    const r = await smoa('train', ...SMALL_TRAIN, '--output', run, '--lr', '0.01');
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/completed: completed 4 steps/);
    const lines = readFileSync(join(run, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(steps()).toEqual([1, 2, 3, 4]);
    expect(JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'))).toMatchObject({ format: 'smoa-run', info: { task: 'tinyshakespeare' }, config: { learningRate: 0.01, evalEvery: 2 } });
    expect(lines.filter((l) => l.type === 'eval').map((l) => l.step)).toEqual([2, 4]);
    const svg = readFileSync(join(run, 'loss.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('validation loss');
    expect((svg.match(/<polyline/g) ?? []).length).toBe(2);
    const config = JSON.parse(readFileSync(join(run, 'adapter', 'adapter_config.json'), 'utf8'));
    expect(config.peft_type).toBe('SMOA');
    expect(existsSync(join(run, 'adapter', 'adapter_model.safetensors'))).toBe(true);
  });

  it('resumes after a kill -9 without repeating steps, warns about and records a changed --lr, cleans stale temporaries', async () => {
    const args = [...SMALL_TRAIN];
    args[args.indexOf('--max-steps') + 1] = '8';
    // Killed with SIGKILL once step 5 is in metrics.jsonl: the last checkpoint is step 4.
    const killed = await smoa('train', ...args, '--output', run, '--lr', '0.01', '--resume', {
      onChild: (child) => {
        const timer = setInterval(() => {
          if (steps().includes(5)) {
            child.kill('SIGKILL');
            clearInterval(timer);
          }
        }, 20);
        child.on('exit', () => clearInterval(timer));
      },
    });
    expect(killed.signal).toBe('SIGKILL');
    expect(steps()).toContain(5);
    // What a kill in the middle of a checkpoint save leaves behind.
    mkdirSync(join(run, 'checkpoints', '.step-000006.0123456789ab.tmp'));
    const r = await smoa('train', ...args, '--output', run, '--lr', '0.02', '--resume');
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/resuming from step \d+/);
    // The checkpoint (step 4) came from the 4-step run: --max-steps changed too.
    expect(r.stderr).toMatch(/warning: --resume with changed settings: --max-steps 4 -> 8, --lr 0\.01 -> 0\.02; recorded in run\.json/);
    expect(steps()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const record = JSON.parse(readFileSync(join(run, 'run.json'), 'utf8'));
    expect(record.resumes.at(-1).changed).toEqual([
      { field: 'maxSteps', from: 4, to: 8 },
      { field: 'learningRate', from: 0.01, to: 0.02 },
    ]);
    expect(readdirSync(join(run, 'checkpoints')).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  it('evaluates the trained adapter and the base model; the adapter changes the perplexity', async () => {
    const base = await smoa('eval', '--task', 'tinyshakespeare', '--limit', '6', '--block-size', '48');
    const tuned = await smoa('eval', '--task', 'tinyshakespeare', '--limit', '6', '--block-size', '48', '--adapter', join(run, 'adapter'), '--output', join(scratch, 'eval-out'));
    expect(base.code).toBe(0);
    expect(tuned.code).toBe(0);
    const ppl = (s: string) => Number(/perplexity ([\d.]+)/.exec(s)![1]);
    expect(ppl(tuned.stdout)).not.toBeCloseTo(ppl(base.stdout), 1);
    expect(tuned.stdout).toMatch(/adapter/);
    expect(existsSync(join(scratch, 'eval-out'))).toBe(true);
  });

  it('merges the adapter into a Hugging Face checkpoint that evaluates like model + adapter', async () => {
    const out = join(scratch, 'merged');
    // A complete merged folder that a kill left between the two renames of an earlier --overwrite run,
    // and a partial build of another: the next run finishes the first swap and drops the partial one.
    mkdirSync(join(scratch, '.merged.aaaaaaaaaaaa.new'));
    writeFileSync(join(scratch, '.merged.aaaaaaaaaaaa.new', 'config.json'), '{"earlier": true}');
    mkdirSync(join(scratch, '.merged.bbbbbbbbbbbb.tmp'));
    const refused = await smoa('merge', '--adapter', join(run, 'adapter'), '--output', out);
    expect(refused.stderr).toMatch(/--output .*merged: finished the replacement an earlier run was killed in/);
    expect(refused.stderr).toMatch(/removed 1 stale temporary folder/);
    expect(refused.stderr).toMatch(/--output .*merged: already exists and is not empty; pass --overwrite to replace it\n/);
    expect(readFileSync(join(out, 'config.json'), 'utf8')).toBe('{"earlier": true}');
    const r = await smoa('merge', '--adapter', join(run, 'adapter'), '--output', out, '--overwrite');
    expect(r.stderr).not.toMatch(/error/);
    expect(r.code).toBe(0);
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json']) expect(existsSync(join(out, f))).toBe(true);
    expect(readdirSync(scratch).filter((f) => f.startsWith('.merged'))).toEqual([]);
    const merged = await smoa('eval', '--task', 'tinyshakespeare', '--limit', '6', '--block-size', '48', '--model', out);
    const withAdapter = await smoa('eval', '--task', 'tinyshakespeare', '--limit', '6', '--block-size', '48', '--adapter', join(run, 'adapter'));
    const ppl = (s: string) => Number(/perplexity ([\d.]+)/.exec(s)![1]);
    expect(ppl(merged.stdout)).toBeCloseTo(ppl(withAdapter.stdout), 2);
  });

  it('converts the llama2.c checkpoint and generates the documented story greedily', async () => {
    const out = join(scratch, 'converted');
    // A kill after an earlier --overwrite moved the old output aside: no output folder, only the old one.
    mkdirSync(join(scratch, '.converted.cccccccccccc.old'));
    writeFileSync(join(scratch, '.converted.cccccccccccc.old', 'config.json'), '{"old": true}');
    const c = await smoa('convert', 'llama2c', join(FIXTURES, 'stories260K.bin'), join(FIXTURES, 'tok512.bin'), '--output', out, '--overwrite');
    expect(c.stderr).toMatch(/--output .*converted: restored the previous output/);
    expect(c.code).toBe(0);
    expect(readdirSync(scratch).filter((f) => f.startsWith('.converted'))).toEqual([]);
    expect(readdirSync(out).sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    expect(c.stdout).toMatch(/legacy checkpoint/);
    const g = await smoa('generate', '--model', out, '--prompt', 'Once upon a time', '--max-new-tokens', '20');
    expect(g.code).toBe(0);
    expect(g.stdout).toMatch(/^Once upon a time, there was a little girl named Lily/);
  });

  it('reports the backend, the model and trainable parameters per method', async () => {
    const r = await smoa('info', '--r', '8');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/backend: wasm/);
    expect(r.stdout).toMatch(/5 layers, hidden 64/);
    expect(r.stdout).toMatch(/model\.layers\.0\.self_attn\.q_proj \[64, 64\]/);
    const count = (m: string) => Number(new RegExp(`\\n  ${m}\\s+([\\d,]+)`).exec(r.stdout)![1].replace(/,/g, ''));
    // SMoA with K=2 trains half of LoRA's parameters at the same r.
    expect(count('smoa') * 2).toBe(count('lora'));
  });
});

describe('runs that go wrong', () => {
  it('SIGTERM stops like Ctrl-C: the step finishes, a checkpoint and the adapter are saved, exit code 143', async () => {
    const out = join(scratch, 'sigterm');
    const args = [...SMALL_TRAIN];
    args[args.indexOf('--max-steps') + 1] = '500';
    const r = await smoa('train', ...args, '--output', out, {
      onChild: (child) => {
        const timer = setInterval(() => {
          if (existsSync(join(out, 'metrics.jsonl')) && readFileSync(join(out, 'metrics.jsonl'), 'utf8').includes('"type":"step"')) {
            child.kill('SIGTERM');
            clearInterval(timer);
          }
        }, 20);
        child.on('exit', () => clearInterval(timer));
      },
    });
    expect(r.code).toBe(143);
    expect(r.stderr).toMatch(/SIGTERM: finishing this step and saving a checkpoint/);
    expect(r.stdout).toMatch(/interrupted: interrupted at step \d+; checkpoint saved/);
    expect(existsSync(join(out, 'checkpoints', 'last'))).toBe(true);
    expect(existsSync(join(out, 'adapter', 'adapter_model.safetensors'))).toBe(true);
  });

  it('--lr 1e9 is caught by the divergence guard and exits 1', async () => {
    const r = await smoa('train', ...SMALL_TRAIN, '--output', join(scratch, 'lr1e9'), '--lr', '1e9');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/(diverged|non-finite): step \d+: .*(diverged|NaN|Infinity)/);
  });

  it('a read-only --output gives a permission error naming the flag, not ENOENT', async (ctx) => {
    // root ignores file modes, so as root the run is made as "nobody" in a folder only root may write.
    const asRoot = process.getuid?.() === 0;
    if (asRoot) {
      // "nobody" must be able to start the CLI at all: a checkout under a private folder (mktemp -d makes
      // 0700 ones) is out of its reach, and the run would fail with MODULE_NOT_FOUND instead of EACCES.
      const probe = spawnSync(process.execPath, [BIN, '--version'], { uid: 65534, gid: 65534, cwd: '/tmp', encoding: 'utf8' });
      if (probe.status !== 0) {
        console.warn(`skipped: as root this test runs the CLI as uid 65534, which cannot start ${BIN} here (a parent folder is private): ${probe.stderr.split('\n').find((l) => l.startsWith('Error')) ?? probe.error?.message}`);
        return ctx.skip();
      }
    }
    const parent = join(asRoot ? '/tmp' : scratch, `smoa-readonly-${process.pid}`);
    mkdirSync(parent, { recursive: true });
    chmodSync(parent, 0o555);
    try {
      const r = await smoa('train', ...SMALL_TRAIN, '--output', join(parent, 'run'), asRoot ? { uid: 65534, cwd: '/tmp' } : {});
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/--output .*run \(in .*smoa-readonly-\d+\): permission denied \(EACCES\)/);
      expect(r.stderr).not.toMatch(/ENOENT/);
    } finally {
      chmodSync(parent, 0o755);
      rmSync(parent, { recursive: true, force: true });
    }
  });
});

describe('smoa bench', () => {
  it('finds the repository bench script from inside a checkout only', async () => {
    const here = fileURLToPath(new URL('.', import.meta.url));
    const found = findBenchScript(here);
    if (found) expect(found).toMatch(/scripts[\\/]bench\.mjs$/);
    expect(findBenchScript(tmpdir())).toBeUndefined();
    // A project of its own with a scripts/bench.mjs is not the SMoA repository.
    const other = join(scratch, 'other-project');
    mkdirSync(join(other, 'scripts'), { recursive: true });
    writeFileSync(join(other, 'scripts', 'bench.mjs'), 'process.exit(3)');
    writeFileSync(join(other, 'pnpm-workspace.yaml'), '');
    writeFileSync(join(other, 'package.json'), '{"name":"someone-else"}');
    expect(findBenchScript(other)).toBeUndefined();
    const r = await smoa('bench', { cwd: other });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is not inside a clone of the SMoA repository\. The benchmarks are not part of the installed package: git clone https:\/\/github\.com\/smoa-js\/smoa/);
  });

  it.skipIf(!findBenchScript(fileURLToPath(new URL('.', import.meta.url))))('inside the clone, writes its results to --out', async () => {
    const out = join(scratch, 'bench-out');
    const r = await smoa('bench', '--only', 'none', '--runs', '1', '--out', out, { cwd: fileURLToPath(new URL('.', import.meta.url)) });
    expect(r.code).toBe(0);
    const records = JSON.parse(readFileSync(join(out, 'latest.json'), 'utf8'));
    expect(records[0]).toMatchObject({ name: 'environment', params: { runs: 1 } });
    expect(existsSync(join(out, 'latest.md'))).toBe(true);
  });
});

describe('smoa train --checkpoint-activations', () => {
  it('trains with each decoder layer recomputed in backward and records the setting in run.json', async () => {
    const out = join(scratch, 'ckpt-activations');
    const args = [...SMALL_TRAIN];
    args[args.indexOf('--max-steps') + 1] = '2';
    const r = await smoa('train', '--method', 'lora', '--r', '2', '--checkpoint-activations', ...args, '--output', out);
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { config: { checkpointActivations?: boolean } };
    expect(run.config.checkpointActivations).toBe(true);
  }, 240_000);
});
