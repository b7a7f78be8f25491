// The causal LM contract lives in @smoa/core (one copy for llama, eval, train and datasets).
export type { CausalLM, CausalLMGenerateOptions } from '@smoa/core';
