// A spectral pool worker (a build entry of its own, dist/spectral-worker.{js,cjs}): sleeps on the
// generation word, takes the newest job from its port and claims row blocks of it with the caller.
import { receiveMessageOnPort, workerData, type MessagePort } from 'node:worker_threads';
import { GEN, READY, runBlocks, type Job, type Shared } from './protocol';

const { control, ticket, port } = workerData as Shared & { port: MessagePort };
const shared: Shared = { control, ticket };
Atomics.add(control, READY, 1);
let seen = Atomics.load(control, GEN);
for (;;) {
  Atomics.wait(control, GEN, seen);
  const gen = Atomics.load(control, GEN);
  if (gen < 0) break;
  if (gen === seen) continue;
  seen = gen;
  // The caller posts a job before it publishes its generation, so the newest message is here already.
  let job: Job | undefined;
  for (let msg = receiveMessageOnPort(port); msg !== undefined; msg = receiveMessageOnPort(port)) {
    const j = msg.message as Job;
    if (j.gen === gen) job = j;
  }
  if (job !== undefined) runBlocks(shared, job, true);
}
port.close();
