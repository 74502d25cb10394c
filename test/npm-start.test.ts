import { type ChildProcess, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * `npm start` exactly as a user runs it, in a copy of the project with no dist/ (a fresh
 * clone after `npm ci`): it builds, serves the compiled server with node, and a signal to
 * the pid the user started (npm's) stops the server with exit code 0 and nothing left
 * running or listening. Before `exec` in the start script, npm's shell died and the server
 * was re-parented to init, still listening.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const project = mkdtempSync(join(tmpdir(), 'chat-sessions-npm-start-'));
const environment: NodeJS.ProcessEnv = {
  PATH: process.env['PATH'] ?? '',
  HOME: process.env['HOME'] ?? '/tmp',
  TMPDIR: process.env['TMPDIR'] ?? '/tmp',
  PGLITE_DATA_DIR: join(project, '.data'),
  HOST: '127.0.0.1',
  PORT: '0',
  LOG_LEVEL: 'info',
};

type Run = {
  npm: ChildProcess;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves with the first match of `pattern` in the output. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>;
};

const runs: Run[] = [];
/** Every server process seen, so a failed test cannot leave one behind (it may have been re-parented). */
const seen = new Set<number>();

function npmStart(overrides: NodeJS.ProcessEnv = {}): Run {
  const env = { ...environment, ...overrides };
  const npm = spawn('npm', ['start'], { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  npm.stdout?.on('data', collect);
  npm.stderr?.on('data', collect);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    npm.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const run: Run = {
    npm,
    output: () => output,
    exited,
    waitFor: (pattern, timeoutMs = 60_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => done(new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`)), timeoutMs);
        const look = () => {
          const match = pattern.exec(output);
          if (match) done(undefined, match);
        };
        const done = (error?: Error, match?: RegExpExecArray) => {
          clearTimeout(timer);
          listeners.delete(look);
          if (match) resolve(match);
          else reject(error);
        };
        listeners.add(look);
        void exited.then(({ code, signal }) => done(new Error(`npm start exited (${code ?? signal}):\n${output}`)));
        look();
      }),
  };
  runs.push(run);
  return run;
}

/** Every process below `pid` (Linux /proc), so the test can prove none outlives npm. */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid ...": comm may hold spaces, so read after its closing parenthesis.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const found: number[] = [];
  const visit = (parent: number) => {
    for (const child of children.get(parent) ?? []) {
      found.push(child);
      visit(child);
    }
  };
  visit(pid);
  return found;
}

const isRunning = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Signals npm's pid and checks the whole tree is gone, with exit code 0 and the port closed. */
async function stopWith(run: Run, signal: NodeJS.Signals, port?: number) {
  const pid = run.npm.pid as number;
  const tree = descendants(pid);
  for (const child of tree) seen.add(child);
  expect(tree.length, 'npm runs the server as its child').toBeGreaterThan(0);
  process.kill(pid, signal);
  const { code } = await run.exited;
  expect(code, run.output()).toBe(0);
  expect(tree.filter(isRunning), 'processes left after npm exited').toEqual([]);
  if (port !== undefined) expect(await portAnswers(port)).toBe(false);
}

beforeAll(() => {
  for (const path of ['src', 'prisma', 'scripts', 'package.json', 'tsconfig.json', 'tsconfig.build.json']) {
    cpSync(join(root, path), join(project, path), { recursive: true });
  }
  symlinkSync(realpathSync(join(root, 'node_modules')), join(project, 'node_modules'));
});

afterAll(() => {
  for (const { npm } of runs) {
    for (const pid of [...descendants(npm.pid as number), npm.pid as number]) seen.add(pid);
  }
  for (const pid of seen) if (isRunning(pid)) process.kill(pid, 'SIGKILL');
  rmSync(project, { recursive: true, force: true });
});

describe('npm start', () => {
  it('builds dist/ on a fresh clone, serves it with node and exits 0 on SIGTERM, port closed', async () => {
    const run = npmStart();
    const [, url = ''] = await run.waitFor(/GraphiQL: (\S+)/, 240_000);
    expect(run.output()).toContain('Building dist/');
    const server = descendants(run.npm.pid as number).map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
    expect(server.join('\n')).toMatch(/node\0.*dist\/src\/main\.js/);
    expect(server.join('\n')).not.toMatch(/tsx/);
    const health = await fetch(new URL('/healthz', url));
    expect(health.status).toBe(200);
    await stopWith(run, 'SIGTERM', Number(new URL(url).port));
  }, 300_000);

  it('does not rebuild an up-to-date dist/, and exits 0 on SIGINT', async () => {
    const run = npmStart();
    const [, url = ''] = await run.waitFor(/GraphiQL: (\S+)/);
    expect(run.output()).not.toContain('Building dist/');
    await stopWith(run, 'SIGINT', Number(new URL(url).port));
  });

  it('stops cleanly on a signal during start-up', async () => {
    // An empty database, so the signal lands while the demo data is being loaded.
    const run = npmStart({ PGLITE_DATA_DIR: join(project, '.data-interrupted') });
    await run.waitFor(/"migrations applied"/, 240_000);
    await stopWith(run, 'SIGTERM');
    expect(run.output()).toMatch(/"shutting down"/);
    // The embedded database runs on the main thread, so on a fast machine the signal may only be
    // seen once loading the demo data is done and the server listens: either way the stop is clean.
  }, 300_000);
});
