import { SingleBar, Presets } from 'cli-progress';
import type { ProgressCallback } from '../progress';

/**
 * A terminal progress bar with ETA (cli-progress) as a ProgressCallback. It draws only on a TTY
 * (cli-progress stays silent otherwise, so logs and CI output stay clean) and stops itself when
 * the count reaches the total.
 */
export function progressBar(label: string, options: { stream?: NodeJS.WritableStream; /** Draw even when the stream is not a terminal. */ force?: boolean } = {}): ProgressCallback {
  let bar: SingleBar | undefined;
  return ({ done, total }) => {
    if (!bar) {
      bar = new SingleBar(
        { format: `${label} [{bar}] {value}/{total} | {duration_formatted} elapsed | ETA {eta_formatted}`, stream: (options.stream ?? process.stderr) as NodeJS.WriteStream, hideCursor: true, etaBuffer: 50, noTTYOutput: options.force ?? false, notTTYSchedule: 0 },
        Presets.shades_classic,
      );
      bar.start(total, 0);
    }
    bar.update(done);
    if (done >= total) bar.stop();
  };
}
