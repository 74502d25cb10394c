import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The server loads the demo code (prisma/seed*.ts: the story, the fleet, the chat lines) only when
 * it seeds: start-up reaches it through a dynamic import behind SEED_DEMO_DATA, so a production
 * server, which never seeds, never has it in memory. Checked on the import graph from src/main.ts:
 * the modules a start loads before it runs any code are those its static imports reach (type-only
 * imports are erased and load nothing).
 */
const ROOT = resolve('.');

const STATIC_IMPORT = /^\s*(?:import|export)\s+(?!type\s)[^;]*?\sfrom\s+'(\.[^']+)'/gms;
const DYNAMIC_IMPORT = /\bimport\(\s*'(\.[^']+)'\s*\)/g;

function reachable(entry: string, { dynamic }: { dynamic: boolean }): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    const specifiers = [...source.matchAll(STATIC_IMPORT), ...(dynamic ? source.matchAll(DYNAMIC_IMPORT) : [])];
    for (const match of specifiers) {
      const target = resolve(dirname(file), (match[1] as string).replace(/\.js$/, '.ts'));
      if (existsSync(target)) visit(target);
    }
  };
  visit(resolve(entry));
  return new Set([...seen].map((file) => relative(ROOT, file)));
}

const demoCode = (files: Set<string>) => [...files].filter((file) => file.startsWith('prisma/')).sort();

describe('the demo code', () => {
  it('is not among the modules the server loads at start-up', () => {
    const loaded = reachable('src/main.ts', { dynamic: false });
    expect(loaded.has('src/db/prepare.ts')).toBe(true);
    expect(demoCode(loaded)).toEqual([]);
  });

  it('is loaded by start-up when it seeds', () => {
    const whenSeeding = reachable('src/main.ts', { dynamic: true });
    expect(demoCode(whenSeeding)).toContain('prisma/seed.ts');
    expect(demoCode(whenSeeding)).toContain('prisma/seed-replay.ts');
  });
});
