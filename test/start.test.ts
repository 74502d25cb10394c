import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenVerifier } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';

/**
 * `npm start` on a fresh checkout: the embedded database, migrations, demo data,
 * GraphiQL with a working token, and the token command working beside the running
 * server (it must never open the embedded database a second time).
 */
const root = new URL('..', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'chat-sessions-start-'));
const environment: NodeJS.ProcessEnv = {
  ...process.env,
  NODE_ENV: 'development',
  PGLITE_DATA_DIR: dataDir,
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'info',
};
delete environment['DATABASE_URL'];
delete environment['REDIS_URL'];
delete environment['JWT_SECRET'];
delete environment['JWKS_URL'];

let server: ChildProcess;
let url = '';
let output = '';

function run(script: string, args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { cwd: root, env: environment });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.on('exit', (code) => resolve({ code, stdout }));
  });
}

beforeAll(async () => {
  server = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: root, env: environment });
  url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${output}`)), 90_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /GraphiQL: (\S+)/.exec(output);
      // The token line follows the URL.
      if (match?.[1] && /Authorization: Bearer \S+\n/.test(output)) {
        clearTimeout(timer);
        resolve(match[1].replace('localhost', '127.0.0.1'));
      }
    };
    server.stdout?.on('data', onData);
    server.stderr?.on('data', onData);
  });
});

afterAll(() => {
  if (server.exitCode === null) server.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start on the embedded database', () => {
  it('migrates, loads the demo data and prints a working token', async () => {
    expect(output).toMatch(/"msg":"demo data loaded"/);
    const token = /Authorization: Bearer (\S+)/.exec(output)?.[1];
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: '{ viewer { email } sessions { totalCount } }' }),
    });
    const body = (await response.json()) as { data: { viewer: { email: string }; sessions: { totalCount: number } } };
    expect(body.data.viewer.email).toBe('agent1@example.com');
    expect(body.data.sessions.totalCount).toBeGreaterThan(10);
  });

  it('serves GraphiQL with the token already in its headers', async () => {
    const page = await (await fetch(url, { headers: { accept: 'text/html' } })).text();
    expect(page).toContain('GraphiQL');
    expect(page).toMatch(/Bearer eyJ/);
  });

  it('prints tokens while the server holds the database', async () => {
    const verify = createTokenVerifier(loadConfig(environment).auth);
    const agent = await run('scripts/token.ts', ['agent2@example.com']);
    expect(agent.code).toBe(0);
    const agentToken = agent.stdout.trim().split('\n').at(-1) ?? '';
    expect((await verify(agentToken)).subject).toBe('demo|agent2@example.com');
    const viewer = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${agentToken}` },
      body: JSON.stringify({ query: '{ viewer { email } }' }),
    });
    expect(((await viewer.json()) as { data: { viewer: { email: string } } }).data.viewer.email).toBe(
      'agent2@example.com',
    );

    const service = await run('scripts/token.ts', ['--service']);
    expect((await verify(service.stdout.trim().split('\n').at(-1) ?? '')).isService).toBe(true);
  });

  it('answers /healthz and /readyz, and exits 0 on SIGTERM', async () => {
    const origin = new URL(url).origin;
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    expect((await fetch(`${origin}/readyz`)).status).toBe(200);
    const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
