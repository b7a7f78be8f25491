// Child process for the Ctrl-C test: trains the tiny model with a directory store and stops cleanly
// on SIGINT. Usage: node train-child.mjs <checkpoint dir>
import { initBackend } from '@smoa/backend';
import { train } from '@smoa/train';
import { DirectoryCheckpointStore, interruptOnSigint } from '@smoa/train/node';
import { TinyLM, shakespeareExamples } from './tiny-lm.mjs';

await initBackend();
const store = new DirectoryCheckpointStore(process.argv[2]);
const { signal, dispose } = interruptOnSigint(() => console.log('interrupt received, finishing the step'));
const result = await train({
  model: new TinyLM(),
  train: shakespeareExamples({ count: 32 }),
  store,
  signal,
  config: { maxSteps: 100000, batchSize: 4, checkpointEvery: 1000 },
  onEvent: (e) => {
    if (e.type === 'step') console.log(`step ${e.step}`);
  },
});
dispose();
console.log(`stopped: ${result.reason}: ${result.message}`);
process.exitCode = result.reason === 'interrupted' ? 130 : result.reason === 'completed' ? 0 : 1;
