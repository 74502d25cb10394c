import { execFile } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * The frontend example (examples/frontend-codegen) generates typed documents from the checked-in
 * schema alone, and code written against them type-checks: what a frontend team would run.
 */
const run = promisify(execFile);
const root = new URL('..', import.meta.url).pathname;
const generated = `${root}examples/frontend-codegen/src/gql/`;

describe('typed documents for a frontend', () => {
  it('generate from schema/schema.graphql with no server and no token, and type-check', async () => {
    rmSync(generated, { recursive: true, force: true });
    await run('npm', ['run', '--silent', 'example:frontend-codegen'], {
      cwd: root,
      env: { ...process.env, CI: 'true' },
    });
    const types = readFileSync(`${generated}graphql.ts`, 'utf8');
    expect(types).toMatch(/export type OpenSessionsQuery = \{ sessions: \{ totalCount: number/);
    expect(types).toMatch(/totalPrice: string/);
    expect(types).toContain('export const OpenSessionsDocument');
    expect(readFileSync(`${generated}gql.ts`, 'utf8')).toContain('query OpenSessions(');
    await run(
      process.execPath,
      [
        'node_modules/typescript/bin/tsc',
        '--noEmit',
        '--strict',
        '--skipLibCheck',
        '--target',
        'es2022',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        'examples/frontend-codegen/src/open-sessions.ts',
      ],
      { cwd: root },
    );
  }, 120_000);
});
