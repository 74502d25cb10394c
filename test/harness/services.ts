import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/db/database.js';
import { applyMigrations } from '../../src/db/migrations.js';
import { createTestDatabase } from './database.js';

/**
 * Services of the test's own, for tests that stop and start them (DESIGN §8): a
 * throwaway PostgreSQL cluster from the Debian binaries, a private redis-server, and
 * the server itself as a child process. Never the machine's instances.
 */

const POSTGRES_BIN = process.env['POSTGRES_BIN_DIR'] ?? '/usr/lib/postgresql/15/bin';
const INITDB = join(POSTGRES_BIN, 'initdb');
const PG_CTL = join(POSTGRES_BIN, 'pg_ctl');
const RUNUSER = '/usr/sbin/runuser';
const PROJECT_ROOT = fileURLToPath(new URL('../..', import.meta.url));

function onPath(binary: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

const REDIS_SERVER = onPath('redis-server');
/** initdb refuses root, so as root the cluster runs as `postgres` through runuser. */
const runsAsRoot = process.getuid?.() === 0;

export const hasPostgresBinaries = existsSync(INITDB) && existsSync(PG_CTL) && (!runsAsRoot || existsSync(RUNUSER));
export const hasRedisBinary = REDIS_SERVER !== undefined;

export const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A port nobody listens on right now (the kernel picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Cleanup of last resort: a crashed or aborted test run must not leave clusters behind. */
const leftovers = new Set<() => void>();
process.once('exit', () => {
  for (const cleanup of leftovers) {
    try {
      cleanup();
    } catch {
      // Best effort while exiting.
    }
  }
});

function asPostgresUser(command: string, args: string[]): string {
  const [file, argv] = runsAsRoot ? [RUNUSER, ['-u', 'postgres', '--', command, ...args]] : [command, args];
  return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export type PostgresInstance = {
  port: number;
  /** postgresql://postgres@127.0.0.1:<port>/<database> (trust auth). */
  url(database?: string): string;
  /** Creates an empty database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** `pg_ctl stop -m fast`: connections are terminated, the port closes. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts the same cluster again on the same port. */
  start(): Promise<void>;
  /**
   * SIGSTOP to every process of the cluster: the port still accepts TCP connections but
   * nothing answers, as in a network partition or a stalled host. `thaw` resumes them.
   */
  freeze(): Promise<void>;
  thaw(): Promise<void>;
  /** The server log, for failure messages. */
  log(): string;
  destroy(): Promise<void>;
};

/** initdb + pg_ctl start: a private cluster on a free port in a temp directory. */
export async function startPostgres(): Promise<PostgresInstance> {
  const root = mkdtempSync(join(tmpdir(), 'own-pg-'));
  if (runsAsRoot) execFileSync('chown', ['postgres:postgres', root]);
  const dataDir = join(root, 'data');
  const logFile = join(root, 'server.log');
  const port = await freePort();
  asPostgresUser(INITDB, [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
    '--no-instructions',
  ]);
  // Sockets in the temp dir: nothing else on the machine is touched. fsync off: throwaway data,
  // and a clean `pg_ctl stop` still writes every committed transaction out.
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${root} -c fsync=off -c max_connections=200`;
  let running = false;
  let frozen: number[] = [];
  /** The postmaster (first line of postmaster.pid) and its children. */
  const clusterPids = () => {
    const postmaster = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = execFileSync('pgrep', ['-P', String(postmaster)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
    return [postmaster, ...children];
  };
  const pgCtl = (args: string[]) => asPostgresUser(PG_CTL, ['-D', dataDir, ...args]);
  const instance: PostgresInstance = {
    port,
    url: (database = 'postgres') => `postgresql://postgres@127.0.0.1:${port}/${database}`,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: instance.url() });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return instance.url(name);
    },
    async stop(mode = 'fast') {
      pgCtl(['stop', '-w', '-m', mode]);
      running = false;
    },
    async start() {
      pgCtl(['start', '-w', '-t', '30', '-l', logFile, '-o', options]);
      running = true;
    },
    async freeze() {
      frozen = clusterPids();
      // Children first, so the postmaster cannot notice them stopping.
      for (const pid of [...frozen].reverse()) process.kill(pid, 'SIGSTOP');
    },
    async thaw() {
      for (const pid of frozen) process.kill(pid, 'SIGCONT');
      frozen = [];
    },
    log: () => {
      try {
        return execFileSync('cat', [logFile], { encoding: 'utf8' });
      } catch {
        return '';
      }
    },
    async destroy() {
      leftovers.delete(emergencyStop);
      await instance.thaw();
      if (running) await instance.stop('immediate').catch(() => {});
      rmSync(root, { recursive: true, force: true });
    },
  };
  const emergencyStop = () => {
    for (const pid of frozen) process.kill(pid, 'SIGCONT');
    if (running) pgCtl(['stop', '-m', 'immediate']);
    rmSync(root, { recursive: true, force: true });
  };
  leftovers.add(emergencyStop);
  await instance.start();
  return instance;
}

export type RedisInstance = {
  port: number;
  url: string;
  /** Kills the server outright (SIGKILL): no goodbye to its clients. */
  stop(): Promise<void>;
  /** A fresh, empty redis-server on the same port. */
  start(): Promise<void>;
  /** SIGSTOP: connections are accepted, nothing is answered, until `thaw`. */
  freeze(): void;
  thaw(): void;
  destroy(): Promise<void>;
};

export async function startRedis(): Promise<RedisInstance> {
  if (!REDIS_SERVER) throw new Error('redis-server is not installed');
  const port = await freePort();
  let child: ChildProcess | undefined;
  const instance: RedisInstance = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      const started = spawn(
        REDIS_SERVER,
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      child = started;
      let output = '';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
        const look = (chunk: Buffer) => {
          output += chunk.toString();
          if (output.includes('Ready to accept connections')) {
            clearTimeout(timer);
            started.stdout?.off('data', look);
            resolve();
          }
        };
        started.stdout?.on('data', look);
        started.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`redis-server exited with ${code}:\n${output}`));
        });
      });
      started.stdout?.resume();
      started.stderr?.resume();
    },
    async stop() {
      const running = child;
      child = undefined;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill('SIGKILL');
      await exited;
    },
    freeze: () => child?.kill('SIGSTOP'),
    thaw: () => child?.kill('SIGCONT'),
    async destroy() {
      leftovers.delete(emergencyStop);
      instance.thaw();
      await instance.stop();
    },
  };
  const emergencyStop = () => child?.kill('SIGKILL');
  leftovers.add(emergencyStop);
  await instance.start();
  return instance;
}

export type ProvidedDatabase = {
  url: string;
  /** The test's own Prisma client on it. */
  database: Database;
  /** Set when the database lives on the test's own cluster. */
  postgres: PostgresInstance | undefined;
  drop(): Promise<void>;
};

/**
 * A fresh, migrated database: on TEST_DATABASE_URL when set, else on a cluster of the
 * test's own (for tests that stop PostgreSQL, call startPostgres instead).
 */
export async function provideDatabase(): Promise<ProvidedDatabase> {
  if (process.env['TEST_DATABASE_URL']) {
    const database = await createTestDatabase();
    if (!database.url) throw new Error('TEST_DATABASE_URL is set but the test database has no URL');
    return { url: database.url, database, postgres: undefined, drop: () => database.drop() };
  }
  const postgres = await startPostgres();
  try {
    const url = await postgres.createDatabase('app');
    const database = openDatabase({ kind: 'postgres', url, poolSize: 5 });
    await applyMigrations(database.adapterFactory);
    return {
      url,
      database,
      postgres,
      async drop() {
        await database.close().catch(() => {});
        await postgres.destroy();
      },
    };
  } catch (error) {
    await postgres.destroy();
    throw error;
  }
}

export type ServerProcess = {
  name: string;
  child: ChildProcess;
  /** http://127.0.0.1:<port>/graphql */
  url: string;
  /** http://127.0.0.1:<port> */
  origin: string;
  /** stdout and stderr so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** True while the process runs. */
  alive(): boolean;
  /** SIGTERM, then SIGKILL after `timeoutMs`; resolves with how it ended. */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
};

/**
 * `src/main.ts` in a child process, as `npm start` runs it (tsx), but as a direct child of
 * node so that signals reach the server itself. Resolves once it prints its URL.
 */
export async function startServerProcess(name: string, environment: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: PROJECT_ROOT,
    // Only what node needs from the test's environment: the server reads its settings from
    // the environment, and a DATABASE_URL or REDIS_URL of the machine must not leak in.
    env: {
      PATH: process.env['PATH'] ?? '',
      HOME: process.env['HOME'] ?? '/tmp',
      TMPDIR: process.env['TMPDIR'] ?? '/tmp',
      NODE_ENV: 'test',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      // Each test decides what its database holds.
      SEED_DEMO_DATA: 'never',
      ...environment,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  leftovers.add(() => child.kill('SIGKILL'));
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not print its URL within 60 s:\n${output}`)), 60_000);
    const look = () => {
      const match = /GraphiQL: (\S+)/.exec(output);
      if (!match?.[1]) return;
      clearTimeout(timer);
      child.stdout?.off('data', look);
      resolve(match[1]);
    };
    child.stdout?.on('data', look);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    name,
    child,
    url,
    origin: new URL(url).origin,
    output: () => output,
    exited,
    alive,
    async stop(timeoutMs = 15_000) {
      if (!alive()) return exited;
      child.kill('SIGTERM');
      const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), timeoutMs).unref());
      const outcome = await Promise.race([exited, timeout]);
      if (outcome !== 'timeout') return outcome;
      child.kill('SIGKILL');
      throw new Error(`${name} did not exit within ${timeoutMs} ms of SIGTERM:\n${output}`);
    },
  };
}
