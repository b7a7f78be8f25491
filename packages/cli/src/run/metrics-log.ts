import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@smoa/safetensors/node';
import { renderLossSvg } from '../plot/loss-svg';

export const METRICS_FILE = 'metrics.jsonl';
export const PLOT_FILE = 'loss.svg';

/**
 * metrics.jsonl (one JSON object per line: steps, evaluations, checkpoints, the stop) and loss.svg,
 * redrawn after every evaluation and at the end, in a run directory.
 */
export class MetricsLog {
  private readonly trainPoints: [number, number][] = [];
  private readonly validPoints: [number, number][] = [];
  readonly path: string;

  constructor(
    readonly dir: string,
    append: boolean,
  ) {
    this.path = join(dir, METRICS_FILE);
    if (!append || !existsSync(this.path)) {
      writeFileSync(this.path, '');
      return;
    }
    // A resumed run redraws the whole curve, so earlier points are read back.
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        this.track(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // a line cut by a crash is skipped; the rest of the file still plots
      }
    }
  }

  private track(record: Record<string, unknown>): void {
    if (record.type === 'step' && typeof record.step === 'number' && typeof record.loss === 'number') this.trainPoints.push([record.step, record.loss]);
    if (record.type === 'eval' && typeof record.step === 'number' && typeof record.loss === 'number') this.validPoints.push([record.step, record.loss]);
  }

  write(record: Record<string, unknown>): void {
    appendFileSync(this.path, JSON.stringify({ time: new Date().toISOString(), ...record }) + '\n');
    this.track(record);
  }

  async plot(title: string): Promise<string> {
    const path = join(this.dir, PLOT_FILE);
    const svg = renderLossSvg(
      [
        { name: 'training loss', color: '#1f77b4', points: this.trainPoints },
        { name: 'validation loss', color: '#d62728', points: this.validPoints },
      ],
      title,
    );
    await writeFileAtomic(path, svg);
    return path;
  }
}
