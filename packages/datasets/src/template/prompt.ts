/**
 * A prompt template turns an example's fields into the text the model sees before its response.
 * Placeholders are `{field}`; `{{` and `}}` stand for literal braces.
 */
export interface PromptTemplate {
  readonly name: string;
  /** Field names the template reads. */
  readonly placeholders: readonly string[];
  render(fields: Readonly<Record<string, string>>): string;
}

type Piece = { text: string } | { field: string };

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/**
 * Compiles a template once. With `fields` given (the fields a task's examples carry), a
 * placeholder outside that list is an error now rather than a blank in every prompt later.
 */
export function createPromptTemplate(text: string, options: { name?: string; fields?: readonly string[] } = {}): PromptTemplate {
  const name = options.name ?? 'custom';
  const pieces = compile(text, name);
  const placeholders = [...new Set(pieces.flatMap((p) => ('field' in p ? [p.field] : [])))];
  if (options.fields !== undefined) checkPlaceholders(name, placeholders, options.fields);
  return {
    name,
    placeholders,
    render(fields) {
      let out = '';
      for (const p of pieces) {
        if ('text' in p) {
          out += p.text;
          continue;
        }
        const v = fields[p.field];
        if (typeof v !== 'string') {
          throw new TemplateError(`template "${name}": no value for placeholder {${p.field}} (example has: ${Object.keys(fields).join(', ')})`);
        }
        out += v;
      }
      return out;
    },
  };
}

export function checkPlaceholders(name: string, placeholders: readonly string[], fields: readonly string[]): void {
  const unknown = placeholders.filter((p) => !fields.includes(p));
  if (unknown.length > 0) {
    throw new TemplateError(
      `template "${name}": unknown placeholder ${unknown.map((u) => `{${u}}`).join(', ')}; the examples have the fields: ${fields.join(', ')}`,
    );
  }
}

function compile(text: string, name: string): Piece[] {
  const pieces: Piece[] = [];
  let literal = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '{' && text[i + 1] === '{') {
      literal += '{';
      i++;
    } else if (c === '}' && text[i + 1] === '}') {
      literal += '}';
      i++;
    } else if (c === '{') {
      const close = text.indexOf('}', i);
      const field = close === -1 ? '' : text.slice(i + 1, close);
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) {
        throw new TemplateError(`template "${name}": malformed placeholder at character ${i + 1} (write {field}, or {{ for a literal brace)`);
      }
      if (literal) pieces.push({ text: literal });
      literal = '';
      pieces.push({ field });
      i = close;
    } else if (c === '}') {
      throw new TemplateError(`template "${name}": unmatched "}" at character ${i + 1} (write }} for a literal brace)`);
    } else {
      literal += c;
    }
  }
  if (literal) pieces.push({ text: literal });
  return pieces;
}

/** The SMoA paper's instruction prompt, character for character (two spaces after "request."). */
export const PAPER_PROMPT =
  'Below is an instruction that describes a task. Write a response that appropriately completes the request.  \n\n### Instruction:\n{instruction}\n\n### Response:\n';

/** The same prompt for records with a non-empty `input` (the Alpaca/LLM-Adapters variant, same spacing). */
export const PAPER_PROMPT_WITH_INPUT =
  'Below is an instruction that describes a task, paired with an input that provides further context. Write a response that appropriately completes the request.  \n\n### Instruction:\n{instruction}\n\n### Input:\n{input}\n\n### Response:\n';

/**
 * The paper's template as used for every instruction task: the with-input variant only when the
 * example has a non-empty `input` field (none of the shipped LLM-Adapters records do).
 */
export function instructionTemplate(): PromptTemplate {
  const plain = createPromptTemplate(PAPER_PROMPT, { name: 'instruction' });
  const withInput = createPromptTemplate(PAPER_PROMPT_WITH_INPUT, { name: 'instruction-with-input' });
  return {
    name: 'instruction',
    placeholders: ['instruction', 'input'],
    render: (fields) => (fields.input ? withInput : plain).render(fields),
  };
}
