/**
 * llama2.c tokenizer files (tokenizer.bin, tok512.bin, ...): int32 max_token_length, then per piece a
 * float32 score, an int32 byte length and the UTF-8 bytes. llama2.c's export wrote SentencePiece
 * pieces with "▁" turned into a space and BOS/EOS as "\n<s>\n" / "\n</s>\n".
 */

export interface Llama2cVocab {
  pieces: string[];
  scores: number[];
}

export function parseLlama2cTokenizer(bytes: Uint8Array, vocabSize: number, where = 'tokenizer.bin'): Llama2cVocab {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 4) throw new Error(`${where}: too short for a llama2.c tokenizer (${bytes.byteLength} bytes)`);
  const maxLen = view.getInt32(0, true);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const pieces: string[] = [];
  const scores: number[] = [];
  let o = 4;
  while (o < bytes.byteLength) {
    if (o + 8 > bytes.byteLength) throw new Error(`${where}: truncated in the entry of piece ${pieces.length}`);
    const score = view.getFloat32(o, true);
    const len = view.getInt32(o + 4, true);
    o += 8;
    if (len < 0 || len > maxLen || o + len > bytes.byteLength) {
      throw new Error(`${where}: piece ${pieces.length} has length ${len} (max_token_length ${maxLen}, ${bytes.byteLength - o} bytes left)`);
    }
    let piece: string;
    try {
      piece = decoder.decode(bytes.subarray(o, o + len));
    } catch {
      throw new Error(`${where}: piece ${pieces.length} is not valid UTF-8`);
    }
    pieces.push(piece);
    scores.push(score);
    o += len;
  }
  if (pieces.length !== vocabSize) {
    throw new Error(`${where}: has ${pieces.length} pieces but the checkpoint's vocab_size is ${vocabSize}`);
  }
  return { pieces, scores };
}

const SPECIAL: Record<string, string> = { '<unk>': '<unk>', '\n<s>\n': '<s>', '\n</s>\n': '</s>' };
const BYTE_PIECE = /^<0x[0-9A-F]{2}>$/;

/** A piece as SentencePiece names it: spaces back to "▁", BOS/EOS without llama2.c's newlines. */
function spPiece(piece: string): string {
  return SPECIAL[piece] ?? piece.replaceAll(' ', '\u2581');
}

/**
 * Hugging Face merges for a SentencePiece BPE vocabulary, as transformers' convert_slow_tokenizer
 * builds them for Llama: every split of a piece into two pieces of the vocabulary, ranked by the
 * score of the merged piece (higher first; the order SentencePiece merges in).
 */
export function mergesFromScores(pieces: string[], scores: number[], mergeable: (id: number) => boolean): [string, string][] {
  const ids = new Map(pieces.map((p, i) => [p, i]));
  // A split can only work when both halves have the length of some mergeable piece. Checking only
  // those lengths keeps a 60,000-character piece from costing 60,000 slices of 60,000 characters.
  const lengths = new Set<number>();
  for (const [id, piece] of pieces.entries()) if (mergeable(id)) lengths.add(codePoints(piece));
  const merges: { left: string; right: string; score: number }[] = [];
  for (const [id, piece] of pieces.entries()) {
    if (!mergeable(id)) continue;
    const n = codePoints(piece);
    const local: { left: string; right: string; score: number }[] = [];
    let offsets: number[] | undefined;
    for (const len of lengths) {
      if (len <= 0 || len >= n || !lengths.has(n - len)) continue;
      offsets ??= codePointOffsets(piece);
      const left = piece.slice(0, offsets[len]);
      const right = piece.slice(offsets[len]);
      const l = ids.get(left);
      const r = ids.get(right);
      if (l !== undefined && r !== undefined && mergeable(l) && mergeable(r)) local.push({ left, right, score: scores[id] });
    }
    local.sort((a, b) => ids.get(a.left)! - ids.get(b.left)! || ids.get(a.right)! - ids.get(b.right)!);
    merges.push(...local);
  }
  // Array.prototype.sort is stable, as Python's sorted is.
  merges.sort((a, b) => b.score - a.score);
  return merges.map((m) => [m.left, m.right]);
}

const pairAt = (s: string, i: number) => {
  const c = s.charCodeAt(i);
  const d = s.charCodeAt(i + 1);
  return c >= 0xd800 && c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff;
};

/** Code points, counted as Array.from(s).length counts them. */
function codePoints(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++, n++) if (pairAt(s, i)) i++;
  return n;
}

/** offsets[k] = code-unit index where the k-th code point starts (offsets[n] = length). */
function codePointOffsets(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    out.push(i);
    if (pairAt(s, i)) i++;
  }
  out.push(s.length);
  return out;
}

/**
 * tokenizer.json for a llama2.c vocabulary: a SentencePiece-style BPE with byte fallback in the layout
 * Hugging Face uses for Llama 2 (Prepend + Replace normalizer, no pre-tokenizer, BOS template,
 * ByteFallback/Fuse/Strip decoder), plus its tokenizer_config.json.
 */
export function llama2cTokenizerFiles(vocab: Llama2cVocab, maxLength: number): { tokenizer: object; tokenizerConfig: object } {
  const pieces = vocab.pieces.map(spPiece);
  const seen = new Set<string>();
  for (const p of pieces) {
    if (seen.has(p)) throw new Error(`tokenizer: piece ${JSON.stringify(p.length > 80 ? `${p.slice(0, 80)}...` : p)} occurs twice`);
    seen.add(p);
  }
  for (const [id, special] of ['<unk>', '<s>', '</s>'].entries()) {
    if (pieces[id] !== special) throw new Error(`tokenizer: piece ${id} is ${JSON.stringify(vocab.pieces[id])}; llama2.c vocabularies start with <unk>, <s>, </s>`);
  }
  const isSpecialOrByte = (id: number) => id < 3 || BYTE_PIECE.test(pieces[id]);
  const merges = mergesFromScores(pieces, vocab.scores, (id) => !isSpecialOrByte(id));
  const added = ['<unk>', '<s>', '</s>'].map((content, id) => ({
    id,
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special: true,
  }));
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: '\u2581' },
        { type: 'Replace', pattern: { String: ' ' }, content: '\u2581' },
      ],
    },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '<s>', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '<s>', type_id: 1 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { '<s>': { id: '<s>', ids: [1], tokens: ['<s>'] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: '\u2581' }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab: Object.fromEntries(pieces.map((p, i) => [p, i])),
      merges,
    },
  };
  const tokenizerConfig = {
    tokenizer_class: 'LlamaTokenizer',
    add_bos_token: true,
    add_eos_token: false,
    bos_token: '<s>',
    eos_token: '</s>',
    unk_token: '<unk>',
    pad_token: null,
    clean_up_tokenization_spaces: false,
    legacy: true,
    model_max_length: maxLength,
  };
  return { tokenizer, tokenizerConfig };
}
