import { spawn } from 'node:child_process';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs a script with Node in cwd, killing it after timeoutMs. */
export function runNode(script: string, cwd: string, timeoutMs: number): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The expected lines that the output lacks, in order: each must appear after the previous one. */
export function missingLines(stdout: string, expected: string[]): string[] {
  const lines = stdout.split('\n').map((l) => l.trim());
  let at = 0;
  const missing: string[] = [];
  for (const want of expected) {
    const found = lines.indexOf(want, at);
    if (found === -1) missing.push(want);
    else at = found + 1;
  }
  return missing;
}
