// The tokenizer contract lives in @smoa/core (one copy for llama, eval, train and datasets). The
// ./contracts entry has no tfjs code, so this package stays free of tfjs at run time.
export type { TextTokenizer } from '@smoa/core/contracts';
