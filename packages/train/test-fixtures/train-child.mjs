// Child process for the Ctrl-C / SIGTERM test: trains the tiny model with a directory store and stops
// cleanly on either signal. Usage: node train-child.mjs <checkpoint dir>
import { initBackend } from '@smoa/backend';
import { train } from '@smoa/train';
import { DirectoryCheckpointStore, interruptOnSignals, signalExitCode } from '@smoa/train/node';
import { TinyLM, shakespeareExamples } from './tiny-lm.mjs';

await initBackend();
const store = new DirectoryCheckpointStore(process.argv[2]);
const interrupt = interruptOnSignals((signal) => console.log(`${signal} received, finishing the step`));
const result = await train({
  model: new TinyLM(),
  train: shakespeareExamples({ count: 32 }),
  store,
  signal: interrupt.signal,
  config: { maxSteps: 100000, batchSize: 4, checkpointEvery: 1000 },
  onEvent: (e) => {
    if (e.type === 'step') console.log(`step ${e.step}`);
  },
});
interrupt.dispose();
console.log(`stopped: ${result.reason}: ${result.message}`);
const received = interrupt.received();
process.exitCode = result.reason === 'interrupted' && received ? signalExitCode(received) : result.reason === 'completed' ? 0 : 1;
