/** Adapter names become folder names when saved, so they may not walk the file system. */
export function checkAdapterName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw new Error(`adapter name must be a non-empty string, got ${JSON.stringify(name)}`);
  if (/[/\\]/.test(name) || name === '.' || name.includes('..') || name.includes('\0')) {
    throw new Error(`adapter name ${JSON.stringify(name)} is not allowed: it must not contain a path separator ("/" or "\\") or ".."`);
  }
  return name;
}
