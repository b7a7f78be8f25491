// Child process for the durability test: one training step saved with the directory store, run under
// strace so the test can see the fsync and rename calls. Usage: node save-child.mjs <checkpoint dir>
import { initBackend } from '@smoa/backend';
import { train } from '@smoa/train';
import { DirectoryCheckpointStore } from '@smoa/train/node';
import { TinyLM, shakespeareExamples } from './tiny-lm.mjs';

await initBackend();
const result = await train({ model: new TinyLM(), train: shakespeareExamples({ count: 8 }), store: new DirectoryCheckpointStore(process.argv[2]), config: { maxSteps: 1, batchSize: 4 } });
console.log(result.reason);
