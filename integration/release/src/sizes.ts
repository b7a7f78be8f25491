import { readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export interface TarballSize {
  /** Bytes of the .tgz as published. */
  packed: number;
  /** Bytes of the files it holds, as installed. */
  unpacked: number;
  files: number;
}

/**
 * Sizes of an npm tarball, read from its tar headers (512-byte blocks; a file's size is the octal field at
 * byte 124). npm tarballs hold only plain files and folders, so no extension headers are needed.
 */
export function tarballSize(tgz: string): TarballSize {
  const tar = gunzipSync(readFileSync(tgz));
  let unpacked = 0;
  let files = 0;
  for (let at = 0; at + 512 <= tar.length; ) {
    const header = tar.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break; // end-of-archive blocks
    const size = parseInt(header.subarray(124, 136).toString('latin1').replace(/\0.*$/, '').trim() || '0', 8);
    if (!Number.isFinite(size)) throw new Error(`${tgz}: unreadable tar header at byte ${at}`);
    const type = String.fromCharCode(header[156]);
    if (type === '0' || type === '\0') {
      unpacked += size;
      files += 1;
    }
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return { packed: statSync(tgz).size, unpacked, files };
}

const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`.padStart(11);

export function formatSizes(sizes: Record<string, TarballSize>): string {
  const rows = Object.entries(sizes).map(([name, s]) => `${name.padEnd(24)} ${kb(s.packed)} ${kb(s.unpacked)} ${String(s.files).padStart(6)}`);
  return [`${'package'.padEnd(24)} ${'packed'.padStart(11)} ${'unpacked'.padStart(11)} ${'files'.padStart(6)}`, ...rows].join('\n');
}
