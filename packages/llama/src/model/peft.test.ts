import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@smoa/backend';
import { loadAdapter } from '@smoa/adapters/node';
import { loadLlama } from '../node';
import { join } from 'node:path';
import { fixture, fixturesDir, maxRelDiff, readAll } from '../test-util/fixtures';

beforeAll(async () => {
  await initBackend();
});

describe('PEFT adapter directories on llama_tiny_mha', () => {
  it.each([
    ['lora', 'logits_lora', 2 * 2 * 2],
    ['smoa', 'logits_smoa', 2 * 5 * 4],
  ])('%s changes the logits to the reference adapted logits', async (dir, key, numVariables) => {
    const { model } = await loadLlama(fixture('llama_tiny_mha'));
    const exp = await readAll(fixture('peft_tiny_mha', 'expected.safetensors'));
    const ids = tf.tensor2d(exp.input_ids.data as Int32Array, exp.input_ids.shape as [number, number], 'int32');
    const base = model.forward(ids);
    expect(maxRelDiff(await base.data(), exp.logits_base.data)).toBeLessThan(1e-4);
    const adapted = await loadAdapter(model, fixture('peft_tiny_mha', dir));
    const logits = model.forward(ids);
    expect(maxRelDiff(await logits.data(), exp[key].data)).toBeLessThan(1e-4);
    // The adapter visibly moves the logits, and its variables are what the model trains.
    expect(maxRelDiff(exp[key].data, exp.logits_base.data)).toBeGreaterThan(1e-3);
    expect(model.trainableVariables().length).toBe(numVariables);
    expect(new Set(model.trainableVariables())).toEqual(new Set(adapted.trainableVariables()));
    tf.dispose([ids, base, logits]);
    model.dispose();
  });

  // The SMoA authors' default save is adapter_model.bin (torch.save: zip + pickle); @smoa/adapters keeps
  // torch-written twins of the two directories above (packages/adapters/scripts/torch-bin-fixtures.py).
  const binTwin = (name: string) => join(fixturesDir, '..', '..', 'adapters', 'test-fixtures', 'peft_tiny_mha', `${name}_bin`);
  it.each([
    ['lora', 'logits_lora'],
    ['smoa', 'logits_smoa'],
  ])('the %s adapter_model.bin twin gives the logits of its safetensors twin', async (dir, key) => {
    const { model } = await loadLlama(fixture('llama_tiny_mha'));
    const exp = await readAll(fixture('peft_tiny_mha', 'expected.safetensors'));
    const ids = tf.tensor2d(exp.input_ids.data as Int32Array, exp.input_ids.shape as [number, number], 'int32');
    const st = await loadAdapter(model, fixture('peft_tiny_mha', dir));
    const want = await model.forward(ids).data();
    st.unload();
    const bin = await loadAdapter(model, binTwin(dir));
    const got = await model.forward(ids).data();
    expect(got).toEqual(want);
    expect(maxRelDiff(got, exp[key].data)).toBeLessThan(1e-4);
    bin.unload();
    ids.dispose();
    model.dispose();
  });
});
