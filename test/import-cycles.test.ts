import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * Modules form a tree of layers: no file reaches itself through its imports, type-only
 * imports included, because a cycle ties two ideas together (the workflow and the error
 * types once did) and makes either hard to change or load alone. Generated code is skipped.
 */
const SOURCE = resolve('src');

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

function importGraph(files: string[]): Map<string, string[]> {
  const known = new Set(files);
  const relativeImport = /^\s*(?:import|export)\s[^;]*?\sfrom\s+'(\.[^']+)'/gms;
  return new Map(
    files.map((file) => {
      const targets = [...readFileSync(file, 'utf8').matchAll(relativeImport)]
        .map((match) => resolve(dirname(file), (match[1] as string).replace(/\.js$/, '.ts')))
        .filter((target) => known.has(target));
      return [file, targets];
    }),
  );
}

function cyclesOf(graph: Map<string, string[]>): string[][] {
  const cycles: string[][] = [];
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (file: string) => {
    path.push(file);
    for (const target of graph.get(file) ?? []) {
      const start = path.indexOf(target);
      if (start >= 0) cycles.push([...path.slice(start), target]);
      else if (!done.has(target)) visit(target);
    }
    path.pop();
    done.add(file);
  };
  for (const file of graph.keys()) if (!done.has(file)) visit(file);
  return cycles;
}

describe('imports', () => {
  it('form no cycle in src, type-only imports included', () => {
    const cycles = cyclesOf(importGraph(sourceFiles(SOURCE)));
    expect(cycles.map((cycle) => cycle.map((file) => relative(SOURCE, file)).join(' → '))).toEqual([]);
  });
});
