import type { Command } from 'commander';

/**
 * Makes a one-value option given twice an error (commander keeps the last one silently, so
 * `--lr 1e-3 ... --lr 1e-2` would train at a rate the user may not have meant). Options whose parser
 * collects values (`repeatable`) may repeat.
 */
export function rejectRepeatedOptions(cmd: Command, repeatable: readonly string[] = []): Command {
  for (const option of cmd.options) {
    const name = option.name();
    if (option.variadic || repeatable.includes(name) || name === 'help' || name === 'version') continue;
    let seen = 0;
    cmd.on(`option:${name}`, () => {
      seen++;
      if (seen > 1) cmd.error(`error: option '${option.flags}' was given more than once; it takes one value`, { code: 'commander.repeatedOption', exitCode: 1 });
    });
  }
  return cmd;
}
