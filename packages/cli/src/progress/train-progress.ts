import cliProgress from 'cli-progress';

/**
 * A progress bar with loss, tokens/s and ETA on a terminal; plain lines every `every` steps
 * otherwise (logs, CI, tests), so piped output stays readable.
 */
export class TrainProgress {
  private readonly multi?: cliProgress.MultiBar;
  private readonly bar?: cliProgress.SingleBar;
  private tokens = 0;
  private ms = 0;
  private readonly started = Date.now();

  constructor(
    private readonly total: number,
    start: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly every = 10,
  ) {
    if (out.isTTY) {
      this.multi = new cliProgress.MultiBar(
        {
          stream: out,
          format: 'train |{bar}| {value}/{total} steps | loss {loss} | {tps} tok/s | ETA {eta_formatted}',
          hideCursor: true,
          etaBuffer: 20,
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar = this.multi.create(total, start, { loss: '-', tps: '-' });
    }
  }

  step(step: number, loss: number, tokens: number, elapsedMs: number): void {
    this.tokens += tokens;
    this.ms += elapsedMs;
    const tps = this.ms > 0 ? Math.round((this.tokens / this.ms) * 1000) : 0;
    if (this.bar) {
      this.bar.update(step, { loss: loss.toFixed(4), tps });
    } else if (step % this.every === 0 || step === this.total) {
      const perStep = (Date.now() - this.started) / Math.max(1, step);
      const eta = Math.round(((this.total - step) * perStep) / 1000);
      this.out.write(`step ${step}/${this.total} loss ${loss.toFixed(4)} ${tps} tok/s ETA ${eta}s\n`);
    }
  }

  /** A line that must not be drawn over by the bar. */
  log(line: string): void {
    if (this.multi) {
      this.multi.log(line + '\n');
    } else {
      this.out.write(line + '\n');
    }
  }

  stop(): void {
    this.multi?.stop();
  }
}
