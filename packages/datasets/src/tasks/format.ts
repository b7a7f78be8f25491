import type { PromptResponse } from '../collate/encode';
import { ChatTemplate, type ChatMessage } from '../template/chat';
import { checkPlaceholders, createPromptTemplate, type PromptTemplate } from '../template/prompt';
import type { Example, TaskDefinition } from './types';

export interface ChatFormat {
  /** A Jinja chat template (tokenizer_config.json's chat_template) or one compiled already. */
  template: string | ChatTemplate;
  system?: string;
  bosToken?: string;
  eosToken?: string;
}

export interface FormatOptions {
  /** Replaces the task's prompt template: a template string over the task's fields, or a compiled one. */
  template?: string | PromptTemplate;
  /** Wrap the prompt as a user turn and the target as the assistant turn of a chat template. */
  chat?: ChatFormat;
}

/** The template a task formats with, checked against the task's fields once, up front. */
export function resolveTemplate(task: TaskDefinition, template?: string | PromptTemplate): PromptTemplate {
  if (template === undefined) return task.template;
  if (typeof template === 'string') return createPromptTemplate(template, { name: `${task.name} (custom)`, fields: task.fields });
  checkPlaceholders(template.name, template.placeholders, task.fields);
  return template;
}

/**
 * A formatter for one task: example -> { prompt, response }. Training and evaluation both call it,
 * so both see the same prompt. With a chat template the user turn is the rendered instruction (or
 * the custom template) and the response is whatever the template writes after the generation
 * prompt (the assistant text and its end-of-turn tokens).
 */
export function exampleFormatter(task: TaskDefinition, options: FormatOptions = {}): (ex: Example) => PromptResponse {
  const template = resolveTemplate(task, options.template);
  if (!options.chat) return (ex) => ({ prompt: template.render(ex.fields), response: ex.target });
  const chat = typeof options.chat.template === 'string' ? new ChatTemplate(options.chat.template) : options.chat.template;
  const { system, bosToken, eosToken } = options.chat;
  const userText =
    options.template === undefined
      ? (f: Record<string, string>) => (f.input ? `${f.instruction ?? ''}\n\n${f.input}` : (f.instruction ?? template.render(f)))
      : (f: Record<string, string>) => template.render(f);
  return (ex) => {
    const messages: ChatMessage[] = [...(system ? [{ role: 'system', content: system }] : []), { role: 'user', content: userText(ex.fields) }];
    const prompt = chat.render(messages, { addGenerationPrompt: true, bosToken, eosToken });
    const full = chat.render([...messages, { role: 'assistant', content: ex.target }], { addGenerationPrompt: false, bosToken, eosToken });
    if (!full.startsWith(prompt)) {
      throw new Error(`chat template: the rendered prompt is not a prefix of the rendered conversation (example ${ex.index}); the response cannot be separated for the loss mask`);
    }
    return { prompt, response: full.slice(prompt.length) };
  };
}
