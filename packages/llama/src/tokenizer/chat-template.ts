import { Template } from '@huggingface/jinja';

export interface ChatMessage {
  role: string;
  content: string;
}

export interface ApplyChatTemplateOptions {
  /** End with the template's opening of an assistant turn (default true: the prompt for generation). */
  addGenerationPrompt?: boolean;
  /** Further variables some templates read (tools, date_string, ...). */
  variables?: Record<string, unknown>;
}

/**
 * The chat template of a tokenizer_config.json: a string, or (newer files) a list of named templates of
 * which "default" is plain chat.
 */
export function chatTemplateOf(config: Record<string, unknown>, where: string): string | undefined {
  const t = config.chat_template;
  if (t === undefined || t === null) return undefined;
  if (typeof t === 'string') return t;
  if (Array.isArray(t)) {
    const named = t.find((x) => x && typeof x === 'object' && (x as { name?: unknown }).name === 'default') as { template?: unknown } | undefined;
    if (typeof named?.template === 'string') return named.template;
  }
  throw new Error(`${where}: field "chat_template" must be a string or a list with a {"name": "default", "template": ...} entry`);
}

/** Compiles a chat template once (through @huggingface/jinja, the engine transformers.js uses). */
export function compileChatTemplate(
  source: string,
  tokens: { bosToken?: string; eosToken?: string },
  where: string,
): (messages: ChatMessage[], options?: ApplyChatTemplateOptions) => string {
  let template: Template;
  try {
    template = new Template(source);
  } catch (err) {
    throw new Error(`${where}: chat_template does not parse: ${(err as Error).message}`);
  }
  return (messages, options = {}) => {
    if (!Array.isArray(messages) || !messages.every((m) => m && typeof m.role === 'string' && typeof m.content === 'string')) {
      throw new Error(`${where}: applyChatTemplate needs a list of { role: string, content: string } messages`);
    }
    try {
      return template.render({
        ...options.variables,
        messages,
        add_generation_prompt: options.addGenerationPrompt ?? true,
        bos_token: tokens.bosToken ?? '',
        eos_token: tokens.eosToken ?? '',
      });
    } catch (err) {
      throw new Error(`${where}: chat_template failed: ${(err as Error).message}`);
    }
  };
}
