import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** A live training-loss line chart (uPlot): push one point per step. */
export class LossChart {
  private readonly steps: number[] = [];
  private readonly losses: number[] = [];
  private readonly plot: uPlot;

  constructor(container: HTMLElement, width = 640, height = 260) {
    const opts: uPlot.Options = {
      title: 'training loss',
      width,
      height,
      scales: { x: { time: false } },
      axes: [{ label: 'step' }, { label: 'cross-entropy' }],
      series: [{ label: 'step' }, { label: 'loss', stroke: '#d9480f', width: 2, points: { show: true, size: 5 } }],
    };
    this.plot = new uPlot(opts, [[], []], container);
  }

  push(step: number, loss: number): void {
    this.steps.push(step);
    this.losses.push(loss);
    this.plot.setData([this.steps, this.losses]);
  }

  clear(): void {
    this.steps.length = 0;
    this.losses.length = 0;
    this.plot.setData([[], []]);
  }
}
