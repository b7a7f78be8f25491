/** The line over the whole grid: which run, how many are done, and an ETA from the mean time of the runs trained so far. */
export class GridProgress {
  private trainedMs = 0;
  private trained = 0;
  private done = 0;
  private readonly started = Date.now();

  constructor(
    private readonly total: number,
    private readonly write: (line: string) => void,
  ) {}

  skip(): void {
    this.done++;
  }

  start(what: string): void {
    this.write(`[${this.done + 1}/${this.total}] ${what}${this.eta()}`);
  }

  finish(ms: number): void {
    this.done++;
    this.trained++;
    this.trainedMs += ms;
  }

  private eta(): string {
    const elapsed = fmt(Date.now() - this.started);
    if (this.trained === 0) return ` (elapsed ${elapsed})`;
    return ` (elapsed ${elapsed}, ETA ${fmt((this.trainedMs / this.trained) * (this.total - this.done))})`;
  }
}

function fmt(ms: number): string {
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
