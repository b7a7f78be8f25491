import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/**
 * The environment of a user's shell: the npm_* and pnpm variables that `pnpm run` and turbo add would
 * otherwise steer npm (lifecycle state, user agent, workspace config), so they are dropped; a registry or
 * cache the CI sets on purpose is kept.
 */
export function cleanEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const keep = new Set(['npm_config_registry', 'npm_config_cache', 'npm_config_userconfig']);
  return Object.fromEntries(
    Object.entries(env).filter(([k]) => keep.has(k.toLowerCase()) || !/^(npm_|pnpm_)/i.test(k)),
  );
}

/**
 * Runs a command in a user's environment (cleanEnv) and returns its stdout; on failure the error carries
 * the command, the folder and everything it printed, so a failing install or script explains itself.
 */
export async function run(cmd: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await exec(cmd, args, { cwd, env: cleanEnv(), maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) failed:\n${e.stdout ?? ''}\n${e.stderr ?? e.message}`);
  }
}
