import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { progressTracker } from '../progress';
import { progressBar } from './progress-bar';

describe('progressBar', () => {
  it('draws a cli-progress bar with counts and an ETA, and stops at the total', async () => {
    const stream = new PassThrough();
    let text = '';
    stream.on('data', (d: Buffer) => (text += d.toString()));
    const tracker = progressTracker(4, progressBar('boolq', { stream, force: true }));
    tracker.advance(2);
    tracker.advance(2);
    await new Promise((r) => setTimeout(r, 20));
    expect(text).toMatch(/boolq \[.*\] 4\/4 \| .* elapsed \| ETA 0s/);
  });
});
