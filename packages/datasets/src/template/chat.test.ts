import { describe, expect, it } from 'vitest';
import { llama3Tokenizer } from '../testing/llama3-tokenizer';
import { ChatTemplate, chatTemplateFromConfig } from './chat';

describe('chat templates through @huggingface/jinja', () => {
  it("renders the Llama 3 tokenizer_config.json's template", () => {
    const tok = llama3Tokenizer();
    const chat = new ChatTemplate(tok.chatTemplate!);
    const text = chat.render([{ role: 'user', content: ' Hi there ' }], { addGenerationPrompt: true, bosToken: tok.bosToken });
    expect(text).toBe('<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi there<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n');
  });

  it('reads the template from a config as a string or the named "default" entry', () => {
    expect(chatTemplateFromConfig({ chat_template: '{{ x }}' })).toBe('{{ x }}');
    expect(chatTemplateFromConfig({ chat_template: [{ name: 'tool_use', template: 'a' }, { name: 'default', template: 'b' }] })).toBe('b');
    expect(chatTemplateFromConfig({})).toBeUndefined();
    expect(() => chatTemplateFromConfig({ chat_template: 3 }, 'cfg.json')).toThrow('cfg.json: field "chat_template" must be a string');
  });

  it('reports a template that does not parse', () => {
    expect(() => new ChatTemplate('{% for m in messages %}')).toThrow(/chat template does not parse/);
  });
});
