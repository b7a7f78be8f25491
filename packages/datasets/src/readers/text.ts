export interface TextPassage {
  text: string;
  /** 1-based line where the passage starts. */
  line: number;
}

/**
 * Splits a plain-text corpus into passages at blank lines (a speech in a play, a paragraph in
 * prose), keeping line breaks inside a passage because they carry meaning in verse and dialogue.
 */
export function splitPassages(text: string): TextPassage[] {
  const out: TextPassage[] = [];
  const lines = text.split(/\r?\n/);
  let current: string[] = [];
  let start = 1;
  lines.forEach((line, i) => {
    if (line.trim() === '') {
      if (current.length > 0) out.push({ text: current.join('\n'), line: start });
      current = [];
      return;
    }
    if (current.length === 0) start = i + 1;
    current.push(line);
  });
  if (current.length > 0) out.push({ text: current.join('\n'), line: start });
  return out;
}
