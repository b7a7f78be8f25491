import type { Dtype, SafetensorsReader } from '@smoa/safetensors';

export interface TensorEntry {
  dtype: Dtype;
  shape: number[];
  /** The file that holds it, for error messages. */
  file: string;
}

/** Named tensors spread over one or more safetensors files (shards), read one at a time. */
export interface TensorSource {
  /** The weights file, or the index file of a sharded checkpoint. */
  readonly name: string;
  readonly entries: ReadonlyMap<string, TensorEntry>;
  readFloat32(name: string): Promise<{ shape: number[]; data: Float32Array }>;
  close(): Promise<void>;
}

/**
 * Joins opened safetensors readers (one file, or the shards of a sharded checkpoint). `weightMap` is the
 * index file's name -> shard map; when given, every name must be in the shard it names.
 */
export function shardedSource(readers: SafetensorsReader[], weightMap?: { map: Record<string, string>; file: string; shardName: (reader: SafetensorsReader) => string }): TensorSource {
  const entries = new Map<string, TensorEntry>();
  const owner = new Map<string, SafetensorsReader>();
  for (const r of readers) {
    for (const name of r.keys()) {
      const prev = entries.get(name);
      if (prev) throw new Error(`${r.source.name}: tensor "${name}" is also in ${prev.file}; shards must not overlap`);
      const { dtype, shape } = r.info(name);
      entries.set(name, { dtype, shape, file: r.source.name });
      owner.set(name, r);
    }
  }
  if (weightMap) {
    for (const [name, shard] of Object.entries(weightMap.map)) {
      const r = owner.get(name);
      if (!r) throw new Error(`${weightMap.file}: weight_map lists "${name}" in ${shard}, but no shard holds it`);
      if (weightMap.shardName(r) !== shard) {
        throw new Error(`${weightMap.file}: weight_map puts "${name}" in ${shard}, but it is in ${r.source.name}`);
      }
    }
    for (const name of entries.keys()) {
      if (!(name in weightMap.map)) throw new Error(`${weightMap.file}: weight_map does not list "${name}" (found in ${entries.get(name)!.file})`);
    }
  }
  return {
    name: weightMap?.file ?? readers.map((r) => r.source.name).join(', '),
    entries,
    readFloat32: (name) => {
      const r = owner.get(name);
      if (!r) throw new Error(`no tensor named "${name}"`);
      return r.readFloat32(name);
    },
    close: async () => {
      await Promise.all(readers.map((r) => r.close()));
    },
  };
}
