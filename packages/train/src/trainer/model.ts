// The causal LM contracts live in @smoa/core (one copy for llama, eval, train and datasets).
export type { CausalLM, TrainableCausalLM } from '@smoa/core';
