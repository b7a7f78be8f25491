import { join } from 'node:path';
import { writeFileAtomic } from '@smoa/safetensors/node';
import { readMetrics } from '@smoa/train/node';
import { renderLossSvg } from './loss-svg';

export const PLOT_FILE = 'loss.svg';

/** Redraws <runDir>/loss.svg (training and validation loss) from the run's metrics.jsonl. */
export async function plotRun(runDir: string, metricsPath: string, title: string): Promise<string> {
  const records = await readMetrics(metricsPath);
  const points = (type: string) => records.flatMap((r) => (r.type === type && typeof r.step === 'number' && typeof r.loss === 'number' ? [[r.step, r.loss] as [number, number]] : []));
  const path = join(runDir, PLOT_FILE);
  await writeFileAtomic(
    path,
    renderLossSvg(
      [
        { name: 'training loss', color: '#1f77b4', points: points('step') },
        { name: 'validation loss', color: '#d62728', points: points('eval') },
      ],
      title,
    ),
  );
  return path;
}
