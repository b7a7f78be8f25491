import cliProgress from 'cli-progress';
import type { DownloadProgress } from '@smoa/llama/node';

const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`;

/**
 * Hub download progress: a bar per file with bytes, rate and ETA on a terminal; one line per
 * finished file otherwise (logs, CI, tests).
 */
export function downloadProgress(out: NodeJS.WriteStream = process.stderr): (p: DownloadProgress) => void {
  let current: { file: string; started: number; first: number; bar?: cliProgress.SingleBar } | undefined;
  const finish = (loaded: number) => {
    if (!current) return;
    current.bar?.stop();
    const s = Math.max(0.001, (Date.now() - current.started) / 1000);
    out.write(`downloaded ${current.file}: ${mb(loaded)} in ${s.toFixed(1)} s (${mb((loaded - current.first) / s)}/s)\n`);
    current = undefined;
  };
  return (p) => {
    if (current?.file !== p.file) {
      current = { file: p.file, started: Date.now(), first: p.loaded };
      if (out.isTTY && p.total !== undefined) {
        current.bar = new cliProgress.SingleBar(
          {
            stream: out,
            format: `${p.file} |{bar}| {percentage}% | {done}/{size} | {rate}/s | ETA {eta_formatted}`,
            hideCursor: true,
            etaBuffer: 50,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        current.bar.start(p.total, p.loaded, { done: mb(p.loaded), size: mb(p.total), rate: '-' });
      }
    }
    const s = Math.max(0.001, (Date.now() - current.started) / 1000);
    current.bar?.update(p.loaded, { done: mb(p.loaded), rate: mb((p.loaded - current.first) / s) });
    if (p.total !== undefined && p.loaded >= p.total) finish(p.loaded);
  };
}
