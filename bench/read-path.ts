/**
 * The read path side by side with its raw limit (issue 10).
 *
 *   npm run bench:read [-- --sessions 10000 --rounds 3 --round-seconds 15 --connections 20
 *                          --pool 10 --agents 10 --workload "dashboard page" --profile
 *                          --server-node-options "--max-semi-space-size=32"]
 *
 * On BENCH_DATABASE_URL (default: the local PostgreSQL) it generates, once, a dataset in a
 * database named bench_read_path_<sessions> (reruns reuse it; see read-path-dataset.ts).
 * Then it starts, as two processes of their own, this server in production mode as `npm start` runs it (dist/src/main.js)
 * and the raw limit (read-path-raw.ts: node:http + pg, one hand-written SQL statement per
 * request, the same pool size, JWT verification and agent look-up). It checks that both
 * answer every workload with the same data, counts the SQL statements each sends per request,
 * and drives each workload with interleaved rounds (server, raw, server, raw, ...) from this
 * process, rotating over agents (and their sessions). It prints req/s, p50 and p99 per round
 * and the medians, and the server/raw ratios. `--profile` runs the server under
 * `node --cpu-prof` and prints where its CPU time went. Exits 1 when the answers differ or a
 * request fails.
 */

import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import pg from 'pg';
import { createApp } from '../src/app.js';
import { signToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { createLogger } from '../src/logger.js';
import { summariseCpuProfile } from './cpu-profile-summary.js';
import { agentSubject, ensureDataset } from './read-path-dataset.js';
import { fetchOnce, type LoadRequest, percentile, type RoundResult, runRound } from './read-path-load.js';
import { WORKLOADS, type Workload } from './read-path-workloads.js';
import { deployedServer, type SideProcess, startSideProcess, stopSideProcess } from './side-process.js';

const { values: options } = parseArgs({
  options: {
    sessions: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '3' },
    'round-seconds': { type: 'string', default: '15' },
    'warmup-seconds': { type: 'string', default: '3' },
    connections: { type: 'string', default: '20' },
    pool: { type: 'string', default: '10' },
    agents: { type: 'string', default: '10' },
    workload: { type: 'string', multiple: true },
    profile: { type: 'boolean', default: false },
    /** V8 and Node flags for the server's process (NODE_OPTIONS), to compare settings such as GC sizes. */
    'server-node-options': { type: 'string', default: '' },
  },
});
const sessions = positive('sessions');
const rounds = positive('rounds');
const roundMs = Number(options['round-seconds']) * 1000;
const warmupMs = Number(options['warmup-seconds']) * 1000;
const connections = positive('connections');
const poolSize = positive('pool');
const agentCount = positive('agents');
const SESSIONS_PER_AGENT = 20;

type Side = SideProcess & { name: 'server' | 'raw'; path: string };

async function main(): Promise<number> {
  const serverUrl = process.env['BENCH_DATABASE_URL'] ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const dataset = await ensureDataset(serverUrl, sessions);
  console.log(
    dataset.generated
      ? `dataset: generated ${sessions} sessions in ${dataset.seconds.toFixed(1)} s (${dataset.url})`
      : `dataset: reusing ${dataset.url}`,
  );
  const secret = randomBytes(32).toString('hex');
  const auth = loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret, DATABASE_URL: dataset.url }).auth;
  const viewers = await Promise.all(
    Array.from({ length: agentCount }, async (_, index) => ({
      token: await signToken(auth, { subject: agentSubject(index + 1) }),
      sessionIds: await sessionIdsOf(dataset.url, agentSubject(index + 1)),
    })),
  );
  const workloads = options.workload?.length
    ? WORKLOADS.filter((workload) => options.workload?.includes(workload.name))
    : WORKLOADS;

  const profileDir = options.profile ? mkdtempSync(join(tmpdir(), 'read-path-profile-')) : undefined;
  const server = await startSide('server', deployedServer(), profileDir, {
    NODE_ENV: 'production',
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_URL: dataset.url,
    DATABASE_POOL_SIZE: String(poolSize),
    JWT_SECRET: secret,
    LOG_LEVEL: 'silent',
    SEED_DEMO_DATA: 'never',
    RATE_LIMIT_PER_MINUTE: '0',
    ...(options['server-node-options'] ? { NODE_OPTIONS: options['server-node-options'] } : {}),
  });
  const raw = await startSide('raw', ['bench/read-path-raw.ts'], undefined, {
    DATABASE_URL: dataset.url,
    POOL_SIZE: String(poolSize),
    JWT_SECRET: secret,
    PORT: '0',
  });
  const sides = [server, raw];
  let failed = false;
  try {
    const requestFor = (side: Side, workload: Workload, index: number): LoadRequest => {
      const viewer = viewers[index % viewers.length] as (typeof viewers)[number];
      const sessionId = viewer.sessionIds[Math.floor(index / viewers.length) % viewer.sessionIds.length];
      return {
        path: side.path,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${viewer.token}` },
        body: JSON.stringify({
          query: workload.document,
          operationName: workload.operationName,
          variables: workload.bySession ? { id: sessionId } : {},
        }),
      };
    };

    // Same data first: every agent, and for the session workload each agent's first sessions.
    for (const workload of workloads) {
      const checks = workload.bySession ? viewers.length * 3 : viewers.length;
      for (let index = 0; index < checks; index++) {
        // Only the data counts: the server also answers a request id under `extensions`.
        const [fromServer, fromRaw] = await Promise.all(
          sides.map(async (side) => {
            const answer = await fetchOnce(side.origin, requestFor(side, workload, index));
            return { status: answer.status, data: (answer.json as { data?: unknown }).data };
          }),
        );
        if (!isDeepStrictEqual(fromServer, fromRaw) || fromServer?.data == null) {
          console.error(`${workload.name}: the server and the raw limit disagree (request ${index})`);
          console.error(firstDifference(fromServer, fromRaw).slice(0, 2000));
          return 1;
        }
      }
    }
    console.log(`equality: both sides return the same data for every workload and agent`);
    const statements = await countStatements(dataset.url, secret, workloads, viewers[0] as (typeof viewers)[number]);
    const rawStatements = await rawStatementsPerRequest(raw, workloads, (workload) => requestFor(raw, workload, 0));

    console.log(
      `\n${connections} connections, ${rounds} rounds of ${roundMs / 1000} s per side, interleaved (server, raw, ...), ` +
        `rotating over ${viewers.length} agents, pool ${poolSize}, ${sessions} sessions\n`,
    );
    const summary: string[] = [];
    for (const workload of workloads) {
      const results: Record<Side['name'], RoundResult[]> = { server: [], raw: [] };
      for (const side of sides) {
        await runRound({
          origin: side.origin,
          connections,
          durationMs: warmupMs,
          requestAt: (index) => requestFor(side, workload, index),
        });
      }
      for (let round = 1; round <= rounds; round++) {
        for (const side of sides) {
          const result = await runRound({
            origin: side.origin,
            connections,
            durationMs: roundMs,
            requestAt: (index) => requestFor(side, workload, index),
          });
          results[side.name].push(result);
          console.log(`${workload.name.padEnd(18)} round ${round} ${side.name.padEnd(6)} ${describe(result)}`);
          if (result.errors > 0) {
            failed = true;
            console.error(`  first error: ${result.firstError}`);
          }
        }
      }
      const server = medians(results.server);
      const rawLimit = medians(results.raw);
      summary.push(
        `| ${workload.name} | ${fmt(server.rate)} req/s, p50 ${ms(server.p50)}, p99 ${ms(server.p99)} | ` +
          `${fmt(rawLimit.rate)} req/s, p50 ${ms(rawLimit.p50)}, p99 ${ms(rawLimit.p99)} | ` +
          `${(server.rate / rawLimit.rate).toFixed(2)} | ${(server.p99 / rawLimit.p99).toFixed(2)} | ` +
          `${statements[workload.name]} / ${rawStatements[workload.name]} |`,
      );
    }
    console.log('\nmedians of the rounds:\n');
    console.log('| workload | this server | raw limit | req/s ratio | p99 ratio | SQL per request (server / raw) |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const line of summary) console.log(line);
  } finally {
    await Promise.all(sides.map(stopSideProcess));
  }
  if (profileDir) {
    const file = readdirSync(profileDir).find((name) => name.endsWith('.cpuprofile'));
    if (file)
      console.log(`\nserver CPU profile (${join(profileDir, file)}):\n${summariseCpuProfile(join(profileDir, file))}`);
  }
  return failed ? 1 : 0;
}

/** The agent's most recently active sessions, as global ids. */
async function sessionIdsOf(url: string, subject: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ id: string }>(
      `SELECT s.id FROM chat_sessions s JOIN iso_agents a ON a.id = s.iso_agent_id
       WHERE a.auth_subject = $1 ORDER BY s.last_activity_at DESC, s.id DESC LIMIT ${SESSIONS_PER_AGENT}`,
      [subject],
    );
    return result.rows.map((row) => Buffer.from(`ChatSession:${row.id}`).toString('base64'));
  } finally {
    await client.end();
  }
}

/**
 * The server's SQL statements per request, counted in-process on the same code and data
 * (the benchmarked process has no statement hook): one request per workload.
 */
async function countStatements(
  url: string,
  secret: string,
  workloads: Workload[],
  viewer: { token: string; sessionIds: string[] },
): Promise<Record<string, number>> {
  const config = loadConfig({
    NODE_ENV: 'production',
    DATABASE_URL: url,
    JWT_SECRET: secret,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '0',
    EVENT_POLL_INTERVAL_MS: '3600000',
  });
  let statements = 0;
  const database = openDatabase(config.database, { onQuery: () => statements++ });
  const app = await createApp({ config, database, logger: createLogger('silent') });
  const counts: Record<string, number> = {};
  try {
    for (const workload of workloads) {
      // The first request may warm caches; count a second one, as under load.
      for (const pass of [0, 1]) {
        statements = 0;
        const response = await app.yoga.fetch('http://bench/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${viewer.token}` },
          body: JSON.stringify({
            query: workload.document,
            operationName: workload.operationName,
            variables: workload.bySession ? { id: viewer.sessionIds[pass] } : {},
          }),
        });
        await response.text();
      }
      counts[workload.name] = statements;
    }
  } finally {
    await app.stop();
    await database.close();
  }
  return counts;
}

async function rawStatementsPerRequest(
  raw: Side,
  workloads: Workload[],
  requestOf: (workload: Workload) => LoadRequest,
): Promise<Record<string, number>> {
  const stats = async () => (await (await fetch(`${raw.origin}/stats`)).json()) as { statements: number };
  const counts: Record<string, number> = {};
  for (const workload of workloads) {
    const before = (await stats()).statements;
    await fetchOnce(raw.origin, requestOf(workload));
    counts[workload.name] = (await stats()).statements - before;
  }
  return counts;
}

async function startSide(
  name: Side['name'],
  script: string[],
  profileDir: string | undefined,
  environment: Record<string, string>,
): Promise<Side> {
  const side = await startSideProcess(name, script, environment, profileDir);
  return { ...side, name, path: name === 'server' ? '/graphql' : '/' };
}

function medians(results: RoundResult[]) {
  const median = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
  };
  return {
    rate: median(results.map((result) => result.requests / result.seconds)),
    p50: median(results.map((result) => percentile(result.latencies, 0.5))),
    p99: median(results.map((result) => percentile(result.latencies, 0.99))),
  };
}

function describe(result: RoundResult): string {
  return (
    `${fmt(result.requests / result.seconds).padStart(7)} req/s  p50 ${ms(percentile(result.latencies, 0.5)).padStart(8)}` +
    `  p99 ${ms(percentile(result.latencies, 0.99)).padStart(8)}  ${result.requests} requests, ${result.errors} errors`
  );
}

const fmt = (value: number) => value.toLocaleString('en-US', { maximumFractionDigits: value < 100 ? 1 : 0 });
const ms = (value: number) => `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;

function firstDifference(left: unknown, right: unknown, path = '$'): string {
  if (isDeepStrictEqual(left, right)) return '';
  if (typeof left === 'object' && left !== null && typeof right === 'object' && right !== null) {
    const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
    for (const key of keys) {
      const difference = firstDifference(
        (left as Record<string, unknown>)[key],
        (right as Record<string, unknown>)[key],
        `${path}.${key}`,
      );
      if (difference) return difference;
    }
  }
  return `${path}: server ${JSON.stringify(left)?.slice(0, 400)} / raw ${JSON.stringify(right)?.slice(0, 400)}`;
}

function positive(name: keyof typeof options): number {
  const value = Number(options[name]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
