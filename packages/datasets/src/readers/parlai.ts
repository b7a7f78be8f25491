import { DataError } from '../errors';
import type { DataSource } from './source';

export interface Dialogue {
  /** 0-based index of the dialogue (episode) in the file. */
  index: number;
  /** 1-based line where the episode starts. */
  line: number;
  /** The persona of the speaker whose replies are the labels ("your persona:" lines). */
  personas: string[];
  /** The partner's persona when the file carries it ("partner's persona:" lines), else empty. */
  partnerPersonas: string[];
  turns: { message: string; reply: string; line: number }[];
}

export interface DialogueExample {
  dialogue: number;
  turn: number;
  line: number;
  personas: string[];
  /** Every utterance so far, oldest first, alternating partner / self, ending with the partner's message. */
  history: string[];
  reply: string;
}

const YOUR = 'your persona:';
const PARTNER = "partner's persona:";

/**
 * Reads dialogues in either of ParlAI's text layouts: the numbered FbDialog lines of the ConvAI2
 * release ("1 your persona: ...", "5 message<TAB>reply"; a line numbered 1 starts an episode) or
 * ParlAI's own "text:...<TAB>labels:...<TAB>episode_done:True" lines. The layout is chosen per line.
 */
export async function readParlAIDialogues(source: DataSource): Promise<Dialogue[]> {
  const dialogues: Dialogue[] = [];
  let current: Dialogue | undefined;
  let lineNo = 0;
  let episodeDone = true;
  const start = (line: number): Dialogue => {
    const d: Dialogue = { index: dialogues.length, line, personas: [], partnerPersonas: [], turns: [] };
    dialogues.push(d);
    return d;
  };
  for await (const raw of source.lines()) {
    lineNo++;
    if (raw.trim() === '') continue;
    if (raw.startsWith('text:')) {
      const fields = parseKeyValueLine(raw);
      if (episodeDone || current === undefined) current = start(lineNo);
      const textLines = (fields.text ?? '').split('\n');
      const spoken = textLines.filter((l) => !addPersona(current!, l)).join('\n');
      const labels = fields.labels ?? fields.eval_labels;
      if (labels === undefined) throw new DataError({ source: source.name, line: lineNo, field: 'labels' }, 'missing (expected "labels:" or "eval_labels:")');
      current.turns.push({ message: spoken, reply: labels.split('|')[0]!, line: lineNo });
      episodeDone = fields.episode_done === 'True' || fields.episode_done === 'true';
      continue;
    }
    const m = /^(\d+) (.*)$/.exec(raw);
    if (m === null) {
      throw new DataError({ source: source.name, line: lineNo }, 'expected a numbered line ("<n> text") or a ParlAI "text:" line');
    }
    const body = m[2]!;
    if (Number(m[1]) === 1 || current === undefined) current = start(lineNo);
    if (addPersona(current, body)) continue;
    const parts = body.split('\t');
    if (parts.length < 2 || parts[1]!.trim() === '') {
      throw new DataError({ source: source.name, line: lineNo }, 'expected "message<TAB>reply" after the persona lines');
    }
    // Only the first label is the gold reply; further columns (reward, candidates) are not used here.
    current.turns.push({ message: parts[0]!, reply: parts[1]!.split('|')[0]!, line: lineNo });
  }
  return dialogues;
}

/** One example per turn: the persona and the history so far -> the next reply. */
export function dialogueExamples(dialogues: Dialogue[]): DialogueExample[] {
  const out: DialogueExample[] = [];
  for (const d of dialogues) {
    const history: string[] = [];
    d.turns.forEach((t, turn) => {
      if (t.message !== '' && t.message !== '__SILENCE__') history.push(t.message);
      out.push({ dialogue: d.index, turn, line: t.line, personas: d.personas, history: [...history], reply: t.reply });
      history.push(t.reply);
    });
  }
  return out;
}

function addPersona(d: Dialogue, text: string): boolean {
  if (text.startsWith(YOUR)) {
    d.personas.push(text.slice(YOUR.length).trim());
    return true;
  }
  if (text.startsWith(PARTNER)) {
    d.partnerPersonas.push(text.slice(PARTNER.length).trim());
    return true;
  }
  return false;
}

function parseKeyValueLine(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of line.split('\t')) {
    const colon = part.indexOf(':');
    if (colon === -1) continue;
    out[part.slice(0, colon)] = part.slice(colon + 1).replace(/\\n/g, '\n').replace(/\\t/g, '\t');
  }
  return out;
}
