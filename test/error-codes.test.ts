import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isEnumType, isInterfaceType, isNonNullType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { withErrorCodeTable } from '../scripts/readme-error-codes.js';
import { ERROR_CODE_NAMES } from '../src/graphql/error-codes.js';
import { schema } from '../src/graphql/schema.js';

/**
 * src/graphql/error-codes.ts is the one list of codes: the code can emit nothing that is
 * not on it, nothing stays on it that nobody emits, and the schema and the README say
 * what it says.
 */
const root = fileURLToPath(new URL('..', import.meta.url));

/** Codes graphql-yoga itself answers with; each is checked against the installed yoga. */
const FROM_YOGA = [
  'BAD_REQUEST',
  'REQUEST_ENTITY_TOO_LARGE',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'OPERATION_RESOLUTION_FAILURE',
  'INTERNAL_SERVER_ERROR',
];

/**
 * Where our code sets a code: `code: 'X'`, `code = 'X'`, `['code'] = 'X'`, or the first
 * argument of an error helper (`limitError('X', …)`, `refusal('X', …)`).
 */
const EMITTING = [/\bcode\b['"\]]*\s*[:=]\s*'([A-Z][A-Z0-9_]+)'/g, /\b\w*(?:Error|refusal)\(\s*'([A-Z][A-Z0-9_]+)'/g];

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return entry.name === 'generated' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

function emittedCodes(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of sourceFiles(join(root, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const pattern of EMITTING) {
      for (const match of text.matchAll(pattern)) {
        const code = match[1] as string;
        found.set(code, [...(found.get(code) ?? []), file.slice(root.length)]);
      }
    }
  }
  return found;
}

function yogaSource(): string {
  const yogaEntry = createRequire(import.meta.url).resolve('graphql-yoga');
  return sourceFilesJs(dirname(yogaEntry))
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n');
}

function sourceFilesJs(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFilesJs(path);
    return entry.name.endsWith('.js') ? [path] : [];
  });
}

describe('error codes', () => {
  it('lists every code the source emits', () => {
    const unlisted = [...emittedCodes()]
      .filter(([code]) => !ERROR_CODE_NAMES.includes(code as never))
      .map(([code, files]) => `${code} (${[...new Set(files)].join(', ')})`);
    expect(unlisted, 'add these to src/graphql/error-codes.ts with a description').toEqual([]);
  });

  it('lists no code that nothing emits', () => {
    const emitted = new Set([...emittedCodes().keys(), ...FROM_YOGA]);
    expect(ERROR_CODE_NAMES.filter((code) => !emitted.has(code))).toEqual([]);
  });

  it("counts as yoga's only codes that the installed graphql-yoga really emits", () => {
    const yoga = yogaSource();
    expect(FROM_YOGA.filter((code) => !yoga.includes(`'${code}'`))).toEqual([]);
  });

  it('is the ErrorCode enum of the schema, and the type of Error.code', () => {
    const enumType = schema.getType('ErrorCode');
    if (!isEnumType(enumType)) throw new Error('ErrorCode is not an enum');
    expect(enumType.getValues().map((value) => value.name)).toEqual([...ERROR_CODE_NAMES].sort());
    const errorType = schema.getType('Error');
    if (!isInterfaceType(errorType)) throw new Error('Error is not an interface');
    const code = errorType.getFields()['code']?.type;
    expect(isNonNullType(code) && code.ofType === enumType).toBe(true);
  });

  it('is the table in the README (npm run schema:print rewrites it)', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme).toBe(withErrorCodeTable(readme));
  });
});
