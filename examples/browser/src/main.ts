// tfjs-core's ESM entry (what bundlers pick) registers no gradients; its Node build and the @tensorflow/tfjs
// union package do. Training needs them, so the page registers them once here.
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import * as tf from '@tensorflow/tfjs-core';
import { describeBackend, startBackend } from './backend';
import { LossChart } from './chart';
import { DEFAULT_TEXT } from './default-text';
import { continueText, fineTune, loadSession, type Session } from './finetune';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`index.html: element #${id} is missing`);
  return el as T;
};

const status = $('status');
const trainButton = $<HTMLButtonElement>('train');
const text = $<HTMLTextAreaElement>('text');
const chart = new LossChart($('chart'));
text.value = DEFAULT_TEXT;

/** Mirrors progress into data-* attributes too, so a test can read results without parsing prose. */
function setStatus(state: 'loading' | 'ready' | 'training' | 'done' | 'error', message: string): void {
  status.dataset.state = state;
  status.textContent = message;
}

const GENERATED_TOKENS = 40;

async function run(loaded: Session): Promise<void> {
  const steps = Number($<HTMLInputElement>('steps').value);
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`steps: expected a whole number >= 1, got "${$<HTMLInputElement>('steps').value}"`);
  const prompt = $<HTMLInputElement>('prompt').value;
  trainButton.disabled = true;
  setStatus('training', 'generating…');
  chart.clear();
  delete status.dataset.losses;
  $('before').textContent = prompt + (await continueText(loaded, prompt, GENERATED_TOKENS));
  const losses: number[] = [];
  await fineTune(loaded, text.value, { steps, learningRate: 1e-2, blockSize: 64, batchSize: 4 }, (step, loss) => {
    losses.push(loss);
    chart.push(step, loss);
    status.dataset.losses = JSON.stringify(losses);
    setStatus('training', `step ${step}/${steps}: loss ${loss.toFixed(3)}`);
  });
  $('after').textContent = prompt + (await continueText(loaded, prompt, GENERATED_TOKENS));
  showMemory();
  setStatus('done', `done: loss ${losses[0].toFixed(3)} → ${losses[losses.length - 1].toFixed(3)} in ${steps} steps`);
  trainButton.disabled = false;
}

/** Live tensors after a run: a leak in the train or generate loop shows up as a number that keeps growing. */
function showMemory(): void {
  const { numTensors, numBytes } = tf.memory();
  $('memory').dataset.tensors = String(numTensors);
  $('memory').textContent = `${numTensors} tensors, ${(numBytes / 2 ** 20).toFixed(1)} MiB`;
}

async function main(): Promise<void> {
  const info = await startBackend();
  $('backend').textContent = describeBackend(info);
  $('backend').dataset.name = info.name;
  const loaded = await loadSession(new URL('models/stories260K/', document.baseURI).href);
  const c = loaded.base.config;
  $('model').textContent = `stories260K: ${c.numHiddenLayers} layers, hidden ${c.hiddenSize}, vocab ${c.vocabSize}, ${loaded.base.numParameters().toLocaleString()} parameters`;
  $('adapters').textContent = loaded.model.adapters?.formatTrainableParameters() ?? 'none';
  showMemory();
  setStatus('ready', 'ready');
  trainButton.disabled = false;
  trainButton.addEventListener('click', () => {
    run(loaded).catch(fail);
  });
}

function fail(err: unknown): void {
  console.error(err);
  setStatus('error', `error: ${err instanceof Error ? err.message : String(err)}`);
  trainButton.disabled = false;
}

main().catch(fail);
