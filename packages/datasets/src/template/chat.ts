import { Template } from '@huggingface/jinja';

export interface ChatMessage {
  role: string;
  content: string;
}

export interface ChatTemplateOptions {
  addGenerationPrompt?: boolean;
  bosToken?: string;
  eosToken?: string;
  /** Further variables some templates read (tools, date_string, ...). */
  variables?: Record<string, unknown>;
}

/** A Hugging Face chat template (Jinja), compiled once with @huggingface/jinja. */
export class ChatTemplate {
  private readonly template: Template;

  constructor(readonly source: string) {
    try {
      this.template = new Template(source);
    } catch (err) {
      throw new Error(`chat template does not parse: ${(err as Error).message}`);
    }
  }

  render(messages: ChatMessage[], options: ChatTemplateOptions = {}): string {
    return this.template.render({
      ...options.variables,
      messages,
      add_generation_prompt: options.addGenerationPrompt ?? false,
      bos_token: options.bosToken ?? '',
      eos_token: options.eosToken ?? '',
    });
  }
}

/**
 * The chat template of a parsed tokenizer_config.json, if it has one. The field is either a string
 * or, in newer files, a list of named templates, of which "default" is the one for plain chat.
 */
export function chatTemplateFromConfig(config: unknown, source = 'tokenizer_config.json'): string | undefined {
  if (config === null || typeof config !== 'object') throw new Error(`${source}: expected a JSON object`);
  const t = (config as Record<string, unknown>).chat_template;
  if (t === undefined || t === null) return undefined;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const named = t.find((x) => x && typeof x === 'object' && (x as { name?: unknown }).name === 'default') as { template?: unknown } | undefined;
    if (named && typeof named.template === 'string') return named.template;
  }
  throw new Error(`${source}: field "chat_template" must be a string or a list with a {"name": "default", "template": ...} entry`);
}

/** The token text of a tokenizer_config.json special-token field (a string or an AddedToken object). */
export function specialTokenFromConfig(config: Record<string, unknown>, field: string): string | undefined {
  const v = config[field];
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return undefined;
}
