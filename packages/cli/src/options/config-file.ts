import { readFileSync } from 'node:fs';
import type { Command, Option } from 'commander';
import { parseJsonBounded } from '@smoa/safetensors';

const camel = (s: string) => s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * Fills options the user did not give on the command line from a JSON config file. Keys are the
 * command's long option names, camelCase or kebab-case ("maxSteps" or "max-steps"); values go through
 * the same parsers as flags, so a bad value fails the same way. Unknown keys are an error naming them.
 */
export function applyConfigFile(cmd: Command, path: string): void {
  let raw: unknown;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(`${path}: cannot read the config file (${e.code === 'ENOENT' ? 'no such file' : e.message})`);
  }
  // Bounded: a hostile file (arrays nested thousands deep, duplicate keys) fails naming the file.
  raw = parseJsonBounded(text, { file: path });
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${path}: expected a JSON object of option names to values`);
  const byKey = new Map<string, Option>();
  for (const o of cmd.options) {
    const key = o.attributeName();
    if (key === 'config' || key === 'help') continue;
    byKey.set(key, o);
  }
  for (const [k, value] of Object.entries(raw as Record<string, unknown>)) {
    const option = byKey.get(camel(k));
    if (!option) throw new Error(`${path}: unknown key "${k}" for "smoa ${cmd.name()}" (known: ${[...byKey.keys()].join(', ')})`);
    const key = option.attributeName();
    if (cmd.getOptionValueSource(key) === 'cli') continue;
    let parsed: unknown;
    if (option.isBoolean() || option.negate) {
      if (typeof value !== 'boolean') throw new Error(`${path}: key "${k}" must be true or false, got ${JSON.stringify(value)}`);
      parsed = option.negate ? !value : value;
    } else {
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) throw new Error(`${path}: key "${k}" must be a string, number or list, got an object`);
      const text = Array.isArray(value) ? value.join(',') : String(value);
      if (option.argChoices && !option.argChoices.includes(text)) {
        throw new Error(`${path}: key "${k}" must be one of ${option.argChoices.join(', ')}, got "${text}"`);
      }
      try {
        parsed = option.parseArg ? option.parseArg(text, undefined) : text;
      } catch (err) {
        throw new Error(`${path}: key "${k}": ${(err as Error).message}`);
      }
    }
    cmd.setOptionValueWithSource(key, parsed, 'config');
  }
}
