import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import type { Program } from './extract';

export interface WrittenProgram {
  program: Program;
  /** The program as one module, type-checked as written. */
  file: string;
  /** For each line of `file`, where it came from: "README.md:12". */
  origin: string[];
}

const slug = (p: Program) => `${p.block.readme.replace(/\/README\.md$|\.md$/, '').replace(/[^A-Za-z0-9]+/g, '-')}-L${p.block.line}`;

/** Writes each program to dir (which must sit inside this package, so that its node_modules resolve). */
export function writePrograms(programs: Program[], dir: string): WrittenProgram[] {
  mkdirSync(dir, { recursive: true });
  return programs.map((program) => {
    const lines: string[] = [];
    const origin: string[] = [];
    for (const part of program.parts) {
      part.code.split('\n').forEach((l, i) => {
        lines.push(l);
        origin.push(`${part.readme}:${part.line + 1 + i}`);
      });
    }
    // Every block is a module (top-level await, no globals shared between blocks).
    lines.push('export {};');
    origin.push(`${program.block.readme}:${program.block.line}`);
    const file = join(dir, `${slug(program)}.${program.block.lang === 'ts' ? 'ts' : 'mjs'}`);
    writeFileSync(file, lines.join('\n') + '\n');
    return { program, file, origin };
  });
}

/** Strict TypeScript, the settings the packages build with (JavaScript blocks are checked as JavaScript). */
export function compilerOptions(packageDir: string): ts.CompilerOptions {
  return {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    moduleDetection: ts.ModuleDetectionKind.Force,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    typeRoots: [join(packageDir, 'node_modules', '@types')],
    skipLibCheck: true,
    esModuleInterop: true,
    allowJs: true,
    checkJs: true,
    noImplicitOverride: true,
    forceConsistentCasingInFileNames: true,
  };
}

/** Type-checks all programs in one compiler run; returns the errors of each, mapped to README lines. */
export function typeCheck(written: WrittenProgram[], packageDir: string): Map<string, string[]> {
  const program = ts.createProgram(
    written.map((w) => w.file),
    compilerOptions(packageDir),
  );
  const byFile = new Map<string, string[]>(written.map((w) => [w.file, []]));
  const origins = new Map(written.map((w) => [w.file, w.origin]));
  for (const d of ts.getPreEmitDiagnostics(program)) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.file === undefined || !byFile.has(d.file.fileName)) {
      for (const list of byFile.values()) list.push(`(global) TS${d.code}: ${message}`);
      continue;
    }
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    byFile.get(d.file.fileName)!.push(`${origins.get(d.file.fileName)![line] ?? '?'}: TS${d.code}: ${message}`);
  }
  return byFile;
}

/** The program as JavaScript Node can run (types stripped; imports and top-level await kept). */
export function toJavaScript(w: WrittenProgram, source: string): string {
  if (w.program.block.lang === 'js') return source;
  return ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false },
    fileName: w.file,
  }).outputText;
}
