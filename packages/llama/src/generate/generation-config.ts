/** The fields of generation_config.json that generation uses; the rest is ignored. */
export interface GenerationConfig {
  /** Generation stops after any of these. */
  eosTokenId?: number[];
  bosTokenId?: number;
  padTokenId?: number;
  maxNewTokens?: number;
  temperature?: number;
  topK?: number;
  topP?: number;
  doSample?: boolean;
}

/** Validates a parsed generation_config.json; `where` names the file in errors. */
export function parseGenerationConfig(json: unknown, where = 'generation_config.json'): GenerationConfig {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error(`${where}: expected a JSON object`);
  const raw = json as Record<string, unknown>;
  const fail = (field: string, expected: string): never => {
    throw new Error(`${where}: field "${field}" must be ${expected}, got ${JSON.stringify(raw[field])}`);
  };
  const id = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 0;
  const out: GenerationConfig = {};
  const eos = raw.eos_token_id;
  if (eos !== undefined && eos !== null) {
    if (id(eos)) out.eosTokenId = [eos as number];
    else if (Array.isArray(eos) && eos.every(id)) out.eosTokenId = eos as number[];
    else fail('eos_token_id', 'a token id, a list of them, or null');
  }
  for (const [field, key] of [
    ['bos_token_id', 'bosTokenId'],
    ['pad_token_id', 'padTokenId'],
  ] as const) {
    const v = raw[field];
    if (v === undefined || v === null) continue;
    if (!id(v)) fail(field, 'a token id or null');
    out[key] = v as number;
  }
  const num = (field: string, ok: (v: number) => boolean, expected: string): number | undefined => {
    const v = raw[field];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'number' || !ok(v)) fail(field, expected);
    return v as number;
  };
  out.maxNewTokens = num('max_new_tokens', (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer');
  out.temperature = num('temperature', (v) => Number.isFinite(v) && v >= 0, 'a number >= 0');
  out.topK = num('top_k', (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer');
  out.topP = num('top_p', (v) => v > 0 && v <= 1, 'a number in (0, 1]');
  if (raw.do_sample !== undefined && raw.do_sample !== null) {
    if (typeof raw.do_sample !== 'boolean') fail('do_sample', 'true or false');
    out.doSample = raw.do_sample as boolean;
  }
  for (const k of Object.keys(out) as (keyof GenerationConfig)[]) if (out[k] === undefined) delete out[k];
  return out;
}
