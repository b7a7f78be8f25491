import * as tf from '@tensorflow/tfjs-core';
import { resolveOrder } from './choose';
import { loadBackend } from './load';
import { SOURCES } from './sources';
import type { BackendInfo, InitBackendOptions, SkippedBackend } from './types';

const isNodeRuntime = (): boolean =>
  typeof process !== 'undefined' && typeof process.versions === 'object' && typeof process.versions.node === 'string';

function hardwareThreads(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return nav?.hardwareConcurrency ?? 1;
}

/**
 * Picks the fastest backend that works here, makes it tfjs's active backend and reports what was
 * skipped and why. An explicitly requested backend that cannot load is an error, never a fallback.
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const isNode = isNodeRuntime();
  const env = isNode ? process.env.SMOA_BACKEND : undefined;
  const { order, explicit } = resolveOrder(options.prefer, env, isNode);
  const skipped: SkippedBackend[] = [];
  for (const choice of order) {
    const result = await loadBackend(choice, isNode);
    const source = SOURCES[choice].pkg;
    if (result.ok) {
      return {
        name: tf.getBackend(),
        source,
        threads: result.threads ?? (choice.startsWith('tfjs-node') ? hardwareThreads() : 1),
        ...(result.simd === undefined ? {} : { simd: result.simd }),
        skipped,
      };
    }
    skipped.push({ source, reason: result.reason ?? 'unknown' });
  }
  const detail = skipped.map((s) => `  ${s.source}: ${s.reason}`).join('\n');
  throw new Error(
    `${explicit ? 'the requested backend' + (order.length > 1 ? 's' : '') : 'no TensorFlow.js backend'} could not load:\n${detail}`,
  );
}
