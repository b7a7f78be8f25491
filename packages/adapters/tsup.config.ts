import { packageConfig, packageEntries } from '../../tsup.shared';

// The spectral pool's worker is a file of its own that worker_threads loads beside the chunk that
// starts it (dist/spectral-worker.{js,cjs}); it is no export, so the exports map does not list it.
export default packageConfig({ entry: { ...packageEntries(), 'spectral-worker': 'src/spectral/threads/worker.ts' } });
