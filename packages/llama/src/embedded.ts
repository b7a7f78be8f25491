import { fileURLToPath } from 'node:url';

/**
 * Absolute path of the model shipped inside this package: stories260K (Karpathy's tinyllamas, MIT),
 * converted from llama2.c to a Hugging Face directory. Works from src/ (tests) and dist/ (the package).
 */
export function embeddedModelDir(): string {
  return fileURLToPath(new URL('../models/stories260K', import.meta.url));
}
