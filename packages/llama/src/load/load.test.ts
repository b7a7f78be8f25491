import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@smoa/backend';
import { serializeSafetensors, type TensorToWrite } from '@smoa/safetensors';
import { loadLlama } from '../node';
import { fixture, readAll } from '../test-util/fixtures';

beforeAll(async () => {
  await initBackend();
});

/** A copy of llama_tiny_mha to break in one way. */
async function tinyCopy(): Promise<string> {
  const dir = join(await mkdtemp(join(tmpdir(), 'smoa-llama-load-')), 'tiny');
  await cp(fixture('llama_tiny_mha'), dir, { recursive: true });
  await rm(join(dir, 'expected.safetensors'));
  return dir;
}

async function editConfig(dir: string, edit: (c: Record<string, unknown>) => void): Promise<void> {
  const c = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
  edit(c);
  await writeFile(join(dir, 'config.json'), JSON.stringify(c));
}

async function editTensors(dir: string, edit: (t: Record<string, TensorToWrite>) => void): Promise<void> {
  const all = await readAll(join(dir, 'model.safetensors'));
  const t: Record<string, TensorToWrite> = {};
  for (const [k, v] of Object.entries(all)) t[k] = { shape: v.shape, data: v.data };
  edit(t);
  await writeFile(join(dir, 'model.safetensors'), serializeSafetensors(t));
}

describe('loading a Hugging Face directory', () => {
  it('reads config, weights and module paths', async () => {
    const { model, config, tokenizer } = await loadLlama(fixture('llama_tiny_mha'));
    expect(config).toMatchObject({ hiddenSize: 64, numHiddenLayers: 2, vocabSize: 97, headDim: 16, tieWordEmbeddings: false });
    expect(tokenizer).toBeUndefined();
    const paths = [...model.namedLinears()].map(([p]) => p);
    expect(paths.slice(0, 7)).toEqual([
      'model.layers.0.self_attn.q_proj',
      'model.layers.0.self_attn.k_proj',
      'model.layers.0.self_attn.v_proj',
      'model.layers.0.self_attn.o_proj',
      'model.layers.0.mlp.gate_proj',
      'model.layers.0.mlp.up_proj',
      'model.layers.0.mlp.down_proj',
    ]);
    expect(paths.at(-1)).toBe('lm_head');
    expect(paths.length).toBe(15);
    const w = await readAll(fixture('llama_tiny_mha', 'model.safetensors'));
    const down = [...model.namedLinears()].find(([p]) => p === 'model.layers.1.mlp.down_proj')![1];
    expect(down.weight.shape).toEqual([64, 176]);
    expect(await down.weight.data()).toEqual(w['model.layers.1.mlp.down_proj.weight'].data);
    model.dispose();
  });
});

describe('bad config.json', () => {
  const cases: [string, (c: Record<string, unknown>) => void, RegExp][] = [
    ['a missing field', (c) => delete c.hidden_size, /config\.json: field "hidden_size" must be a positive integer, got nothing \(the field is missing\)/],
    ['a wrong-typed field', (c) => (c.num_hidden_layers = '2'), /config\.json: field "num_hidden_layers" must be a positive integer, got "2"/],
    ['a wrong-typed flag', (c) => (c.tie_word_embeddings = 'no'), /config\.json: field "tie_word_embeddings" must be true or false, got "no"/],
    ['an unsupported model_type', (c) => (c.model_type = 'gemma2'), /config\.json: field "model_type" must be one of the supported architectures: LlamaForCausalLM \(model_type "llama"\), MistralForCausalLM \(model_type "mistral"\), Qwen2ForCausalLM \(model_type "qwen2"\), got "gemma2"/],
    ['an unsupported architectures list', (c) => (c.architectures = ['Gemma2ForCausalLM']), /config\.json: field "architectures" must be a list naming one of the supported architectures: LlamaForCausalLM .*got \["Gemma2ForCausalLM"\]/],
    ['Qwen2 sliding-window attention', (c) => Object.assign(c, { model_type: 'qwen2', architectures: ['Qwen2ForCausalLM'], use_sliding_window: true }), /config\.json: field "use_sliding_window" must be false \(sliding-window attention of Qwen2 is not supported\), got true/],
    ['kv heads that do not divide heads', (c) => (c.num_key_value_heads = 3), /config\.json: field "num_key_value_heads" must be a divisor of num_attention_heads \(4\), got 3/],
    ['an unsupported rope scaling', (c) => (c.rope_scaling = { rope_type: 'yarn', factor: 4 }), /config\.json: field "rope_scaling\.rope_type" must be "linear", "llama3" or "default".*got "yarn"/],
    ['a llama3 scaling without its fields', (c) => (c.rope_scaling = { rope_type: 'llama3', factor: 8 }), /config\.json: field "rope_scaling\.low_freq_factor" must be a positive number, got nothing/],
    ['another activation', (c) => (c.hidden_act = 'gelu'), /config\.json: field "hidden_act" must be "silu"/],
  ];
  it.each(cases)('names %s', async (_, edit, message) => {
    const dir = await tinyCopy();
    await editConfig(dir, edit);
    await expect(loadLlama(dir)).rejects.toThrow(message);
  });

  it('names the file of a config.json or tokenizer.json nested 5,000 deep (was "Maximum call stack size exceeded")', async () => {
    const dir = await tinyCopy();
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    await writeFile(join(dir, 'config.json'), `{"x": ${deep}}`);
    await expect(loadLlama(dir)).rejects.toThrow(/tiny\/config\.json: .*nest/i);
    const tok = await tinyCopy();
    await writeFile(join(tok, 'tokenizer.json'), `{"model": ${deep}}`);
    await expect(loadLlama(tok)).rejects.toThrow(/tiny\/tokenizer\.json: .*nest/i);
  });

  it('names a config that is not JSON, a missing config and a missing directory', async () => {
    const dir = await tinyCopy();
    await writeFile(join(dir, 'config.json'), '{"model_type": "llama",');
    await expect(loadLlama(dir)).rejects.toThrow(/tiny\/config\.json: not valid JSON/);
    await rm(join(dir, 'config.json'));
    await expect(loadLlama(dir)).rejects.toThrow(/tiny\/config\.json: no such file/);
    await expect(loadLlama(join(dir, 'nope'))).rejects.toThrow(/nope: no such directory, and not a Hub id \(expected "org\/name" or "org\/name@revision"\)/);
    await expect(loadLlama(join(dir, 'model.safetensors'))).rejects.toThrow(/model\.safetensors: not a directory \(expected a Hugging Face model directory with config\.json, or a Hub id/);
  });
});

describe('bad weights', () => {
  it('names a missing tensor with its expected shape', async () => {
    const dir = await tinyCopy();
    await editTensors(dir, (t) => delete t['model.layers.1.mlp.up_proj.weight']);
    await expect(loadLlama(dir)).rejects.toThrow(/tiny\/model\.safetensors: missing tensor "model\.layers\.1\.mlp\.up_proj\.weight" \[176, 64\]/);
  });

  it('names an extra tensor and the file', async () => {
    const dir = await tinyCopy();
    await editTensors(dir, (t) => (t['model.layers.2.mlp.up_proj.weight'] = { shape: [2], data: new Float32Array(2) }));
    await expect(loadLlama(dir)).rejects.toThrow(/model\.safetensors: unexpected tensor "model\.layers\.2\.mlp\.up_proj\.weight"/);
  });

  it('names a tensor of the wrong shape', async () => {
    const dir = await tinyCopy();
    await editTensors(dir, (t) => (t['model.norm.weight'] = { shape: [63], data: new Float32Array(63) }));
    await expect(loadLlama(dir)).rejects.toThrow(/model\.safetensors: tensor "model\.norm\.weight" has shape \[63\]; config\.json implies \[64\]/);
  });

  it('names a tensor of a non-float dtype', async () => {
    const dir = await tinyCopy();
    await editTensors(dir, (t) => (t['model.norm.weight'] = { shape: [64], data: new Int32Array(64) }));
    await expect(loadLlama(dir)).rejects.toThrow(/model\.safetensors: tensor "model\.norm\.weight" has dtype I32; expected F32, F16 or BF16/);
  });

  it.each([
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['-Infinity', Number.NEGATIVE_INFINITY],
  ])('refuses %s in a base weight, naming the tensor, unless allowNonFinite', async (shown, value) => {
    const dir = await tinyCopy();
    await editTensors(dir, (t) => ((t['model.layers.1.self_attn.v_proj.weight'].data as Float32Array)[17] = value));
    const before = tf.memory().numTensors;
    await expect(loadLlama(dir)).rejects.toThrow(
      new RegExp(`tiny/model\\.safetensors: tensor "model\\.layers\\.1\\.self_attn\\.v_proj\\.weight" holds ${shown} at flat index 17; .*Pass allowNonFinite`),
    );
    // Nothing loaded before the bad tensor is left behind.
    expect(tf.memory().numTensors).toBe(before);
    const { model } = await loadLlama(dir, { allowNonFinite: true });
    model.dispose();
  });

  it('names a missing weights file', async () => {
    const dir = await tinyCopy();
    await rm(join(dir, 'model.safetensors'));
    await expect(loadLlama(dir)).rejects.toThrow(/tiny: has neither model\.safetensors nor model\.safetensors\.index\.json/);
  });
});

describe('corrupt safetensors', () => {
  const corrupt = async (mutate: (bytes: Uint8Array) => Uint8Array) => {
    const dir = await tinyCopy();
    const bytes = new Uint8Array(await readFile(join(dir, 'model.safetensors')));
    await writeFile(join(dir, 'model.safetensors'), mutate(bytes));
    return loadLlama(dir);
  };
  const headerLength = (b: Uint8Array) => Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true));
  const withHeader = (b: Uint8Array, edit: (h: Record<string, { dtype: string; data_offsets: number[] }>) => void) => {
    const n = headerLength(b);
    const h = JSON.parse(new TextDecoder().decode(b.subarray(8, 8 + n)));
    edit(h);
    let text = JSON.stringify(h);
    text += ' '.repeat(Math.max(0, n - text.length));
    if (text.length !== n) throw new Error('test edit changed the header length');
    const out = b.slice();
    out.set(new TextEncoder().encode(text), 8);
    return out;
  };

  it('names a header length beyond the file', async () => {
    await expect(corrupt((b) => b.subarray(0, 200))).rejects.toThrow(/model\.safetensors: corrupt safetensors file: header length \d+ goes beyond the file \(200 bytes\)/);
  });

  it('names a truncated data section (offsets out of range)', async () => {
    await expect(corrupt((b) => b.subarray(0, b.length - 1000))).rejects.toThrow(/model\.safetensors: corrupt safetensors file: tensor ".*": data_offsets \[\d+, \d+\] are out of range/);
  });

  it('names an unknown dtype', async () => {
    await expect(corrupt((b) => withHeader(b, (h) => (h['model.norm.weight'].dtype = 'F8')))).rejects.toThrow(
      /model\.safetensors: corrupt safetensors file: tensor "model\.norm\.weight": unknown dtype "F8"/,
    );
  });
});

describe('sharded checkpoints', () => {
  it('names a shard that the index lists but that does not exist', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'smoa-llama-shard-')), 'm');
    await cp(fixture('generated', 'gqa_attention_bias_sharded'), dir, { recursive: true });
    await rm(join(dir, 'model-00002-of-00002.safetensors'));
    await expect(loadLlama(dir)).rejects.toThrow(/model-00002-of-00002\.safetensors: cannot open \(no such file\)/);
  });

  it('names a weight_map entry that points at the wrong shard', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'smoa-llama-shard-')), 'm');
    await cp(fixture('generated', 'gqa_attention_bias_sharded'), dir, { recursive: true });
    const index = JSON.parse(await readFile(join(dir, 'model.safetensors.index.json'), 'utf8'));
    index.weight_map['model.norm.weight'] = index.weight_map['model.norm.weight'].includes('00001') ? 'model-00002-of-00002.safetensors' : 'model-00001-of-00002.safetensors';
    await writeFile(join(dir, 'model.safetensors.index.json'), JSON.stringify(index));
    await expect(loadLlama(dir)).rejects.toThrow(/model\.safetensors\.index\.json: weight_map puts "model\.norm\.weight" in model-0000\d-of-00002\.safetensors, but it is in/);
  });
});

describe('bad token input', () => {
  it('names token ids outside the vocabulary', async () => {
    const { model } = await loadLlama(fixture('llama_tiny_mha'));
    const ids = tf.tensor2d([[1, 5, 97]], undefined, 'int32');
    expect(() => model.forward(ids)).toThrow(/llama_tiny_mha: token id 97 at \[0, 2\] is outside the vocabulary \(vocab_size 97\)/);
    await expect(model.generate([[1, -3]], { maxNewTokens: 2 })).rejects.toThrow(/token id -3 at prompt 0 position 1 is outside the vocabulary/);
    expect(() => model.forward(tf.tensor2d([[1, 2]], undefined, 'float32') as tf.Tensor2D)).toThrow(/ids must be an int32 tensor \[batch, time\]; got float32 \[1, 2\]/);
    ids.dispose();
    model.dispose();
  });

  it('names a prompt longer than max_position_embeddings', async () => {
    const { model } = await loadLlama(fixture('llama_tiny_mha'));
    const ids = tf.zeros([1, 257], 'int32') as tf.Tensor2D;
    expect(() => model.forward(ids)).toThrow(/llama_tiny_mha: input needs 257 positions but max_position_embeddings is 256/);
    await expect(model.generate([new Array(250).fill(1)], { maxNewTokens: 10 })).rejects.toThrow(
      /a prompt of 250 tokens plus 10 new tokens needs 260 positions but max_position_embeddings is 256/,
    );
    ids.dispose();
    model.dispose();
  });

  it('names bad generate options and a mask of the wrong shape', async () => {
    const { model } = await loadLlama(fixture('llama_tiny_mha'));
    await expect(model.generate([[1]], { maxNewTokens: -1 })).rejects.toThrow(/generate option "maxNewTokens" must be a non-negative integer, got -1/);
    await expect(model.generate([[1]], { maxNewTokens: 2, topK: 5 })).rejects.toThrow(/generate option "temperature" must be above 0 when topK or topP is given/);
    await expect(model.generate([[1]], { maxNewTokens: 2, temperature: 1, topP: 1.5 })).rejects.toThrow(/generate option "topP" must be a number in \(0, 1\], got 1\.5/);
    await expect(model.generate([[]], { maxNewTokens: 2 })).rejects.toThrow(/prompt 0 is empty/);
    const ids = tf.tensor2d([[1, 2, 3]], undefined, 'int32');
    const mask = tf.tensor2d([[1, 1]], undefined, 'int32');
    expect(() => model.forward(ids, { attentionMask: mask })).toThrow(/attentionMask has shape \[1, 2\]; expected \[1, 3\]/);
    tf.dispose([ids, mask]);
    model.dispose();
  });
});
