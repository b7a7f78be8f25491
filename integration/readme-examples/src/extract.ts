import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { marked, type Token, type Tokens } from 'marked';

/**
 * Info-string words after the language:
 * - `no-run`: type-checked only (it needs a browser, the network, files the reader brings, or a long run);
 * - `continue`: continues the previous code block of the same README (one program, as a reader types it
 *   in; the chain runs once, at its last block).
 * A block tagged `text output` (or `output`) right after a code block lists lines the program must print,
 * in order.
 */
export const FLAGS = ['no-run', 'continue'] as const;
export type Flag = (typeof FLAGS)[number];

const LANGS: Record<string, 'ts' | 'js'> = { ts: 'ts', typescript: 'ts', js: 'js', javascript: 'js', mjs: 'js' };

export interface CodeBlock {
  /** README path relative to the repository root. */
  readme: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: 'ts' | 'js';
  flags: Set<Flag>;
  code: string;
  /** Lines the program must print (from a following output block). */
  expectedOutput: string[];
}

/** The root README and every package's and example's README, in a stable order. */
export function readmeFiles(root: string): string[] {
  const out = existsSync(join(root, 'README.md')) ? ['README.md'] : [];
  for (const group of ['packages', 'examples']) {
    const dir = join(root, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      if (existsSync(join(dir, name, 'README.md'))) out.push(`${group}/${name}/README.md`);
    }
  }
  return out;
}

function codeTokens(tokens: Token[]): Tokens.Code[] {
  const out: Tokens.Code[] = [];
  marked.walkTokens(tokens, (t) => {
    if (t.type === 'code') out.push(t as Tokens.Code);
  });
  return out;
}

/** Index of the first whole line (ignoring indentation) equal to `line` at or after `from`, or -1. */
function findLine(text: string, line: string, from: number): number {
  const re = new RegExp(`^[ \\t>]*${line.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[ \\t]*$`, 'gm');
  re.lastIndex = from;
  const m = re.exec(text);
  return m === null ? -1 : m.index + m[0].indexOf(line);
}

/** The TypeScript and JavaScript blocks of one README (other languages, such as sh, are left alone). */
export function extractBlocks(readme: string, text: string): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  let searchFrom = 0;
  let previous: CodeBlock | undefined;
  let previousEnd = -1;
  for (const token of codeTokens(marked.lexer(text))) {
    // Where the block sits, for messages: its first and last code lines found after the previous block
    // (marked strips a list item's indentation from the code, so token.raw is not always in the text).
    const codeLines = token.text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
    const first = codeLines.length === 0 ? -1 : findLine(text, codeLines[0]!, searchFrom);
    const offset = first === -1 ? searchFrom : text.lastIndexOf('\n', first - 1) - 1;
    const last = codeLines.length === 0 || first === -1 ? -1 : findLine(text, codeLines[codeLines.length - 1]!, first);
    searchFrom = last === -1 ? Math.max(searchFrom, first + 1) : last + codeLines[codeLines.length - 1]!.length;
    const line = text.slice(0, Math.max(0, offset)).split('\n').length;
    const [lang = '', ...words] = (token.lang ?? '').trim().split(/\s+/);
    if (lang === 'output' || (lang === 'text' && words.includes('output'))) {
      const between = previousEnd < 0 ? '' : text.slice(previousEnd, offset + 1).replace(/^\s*(`{3,}|~{3,}).*$/gm, '');
      if (previous === undefined || between.trim() !== '') {
        throw new Error(`${readme}:${line}: an output block must follow a ts/js code block directly`);
      }
      previous.expectedOutput.push(...token.text.split('\n').map((l) => l.trim()).filter((l) => l !== ''));
      continue;
    }
    const kind = LANGS[lang];
    previous = undefined;
    if (kind === undefined) continue;
    const unknown = words.filter((w) => !(FLAGS as readonly string[]).includes(w));
    if (unknown.length > 0) throw new Error(`${readme}:${line}: unknown code block flag ${unknown.join(', ')}; expected ${FLAGS.join(', ')}`);
    const block: CodeBlock = { readme, line, lang: kind, flags: new Set(words as Flag[]), code: token.text, expectedOutput: [] };
    if (block.flags.has('continue') && !blocks.some((b) => b.readme === readme)) {
      throw new Error(`${readme}:${line}: a "continue" block needs a code block before it`);
    }
    blocks.push(block);
    previous = block;
    previousEnd = searchFrom;
  }
  return blocks;
}

export function extractAll(root: string): CodeBlock[] {
  return readmeFiles(root).flatMap((r) => extractBlocks(r, readFileSync(join(root, r), 'utf8')));
}

export interface Program {
  /** The block whose test this is (the last of a chain). */
  block: CodeBlock;
  /** The blocks that make up the program, first to last. */
  parts: CodeBlock[];
  /** Runs unless some part is `no-run`. */
  runnable: boolean;
  /** A later block continues this one: the chain runs at its end, not here. */
  continued: boolean;
}

/**
 * One program per block: the block with the blocks it continues. A `continue` block continues the nearest
 * earlier block of its README that is not `no-run` (a no-run aside, such as a browser-only snippet, does not
 * break a chain).
 */
export function programs(blocks: CodeBlock[]): Program[] {
  const out: Program[] = [];
  blocks.forEach((block) => {
    let parts = [block];
    if (block.flags.has('continue')) {
      const base = [...out].reverse().find((p) => p.block.readme === block.readme && !p.block.flags.has('no-run'));
      if (base === undefined) throw new Error(`${block.readme}:${block.line}: a "continue" block needs a runnable code block before it`);
      parts = [...base.parts, block];
      // A runnable continuation runs the chain; its base need not run on its own.
      if (!block.flags.has('no-run')) base.continued = true;
    }
    out.push({ block, parts, runnable: parts.every((p) => !p.flags.has('no-run')), continued: false });
  });
  return out;
}
