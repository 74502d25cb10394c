/**
 * receiveQuote under load, through HTTP, on PostgreSQL.
 *
 *   npx tsx bench/receive-quote.ts [--clients 32] [--quotes 5000] [--sessions 50] [--pool 10]
 *
 * Creates a throwaway database on BENCH_DATABASE_URL (default: the local server), starts
 * the real app on it, and drives receiveQuote from N concurrent HTTP clients twice: spread
 * over many sessions, then every quote on one session (the hot spot: each delivery locks
 * the session row, so they queue). Afterwards every session's quotesReceivedCount must
 * equal its quote rows and its QUOTE_RECEIVED events; exits 1 when one does not.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { print } from 'graphql';
import { createApp } from '../src/app.js';
import { signToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { applyMigrations } from '../src/db/migrations.js';
import { createLogger } from '../src/logger.js';
import { graphql } from '../test/generated/index.js';
import { createThrowawayDatabase } from './throwaway-database.js';

const StartSession = graphql(`
  mutation BenchStartSession($input: StartSessionInput!) {
    startSession(input: $input) { __typename ... on StartSessionPayload { session { id } } ... on Error { code message } }
  }
`);

const CaptureTripRequest = graphql(`
  mutation BenchCaptureTripRequest($input: CaptureTripRequestInput!) {
    captureTripRequest(input: $input) { __typename ... on Error { code message } }
  }
`);

const LinkAvinodeTrip = graphql(`
  mutation BenchLinkAvinodeTrip($input: LinkAvinodeTripInput!) {
    linkAvinodeTrip(input: $input) { __typename ... on Error { code message } }
  }
`);

// What a webhook receiver asks back: the outcome, not the nested graph.
const ReceiveQuote = graphql(`
  mutation BenchReceiveQuote($input: ReceiveQuoteInput!) {
    receiveQuote(input: $input) { __typename ... on ReceiveQuotePayload { outcome } ... on Error { code message } }
  }
`);

const OPERATORS = 20;

const { values: options } = parseArgs({
  options: {
    clients: { type: 'string', default: '32' },
    quotes: { type: 'string', default: '5000' },
    sessions: { type: 'string', default: '50' },
    pool: { type: 'string', default: '10' },
  },
});
const clients = positive('clients');
const quotes = positive('quotes');
const spreadSessions = positive('sessions');
const poolSize = positive('pool');

type RunResult = { name: string; sessions: number; ok: number; errors: number; seconds: number; latencies: number[] };

async function main(): Promise<number> {
  const throwaway = await createThrowawayDatabase();

  const config = loadConfig({
    NODE_ENV: 'production',
    JWT_SECRET: randomBytes(32).toString('hex'),
    DATABASE_URL: throwaway.url,
    DATABASE_POOL_SIZE: String(poolSize),
    // Failures are counted and the first one printed per run; a log line per failure would bury the table.
    LOG_LEVEL: 'silent',
    SHUTDOWN_TIMEOUT_MS: '2000',
    // One service token sends every quote; the per-minute limit would cap the measurement.
    RATE_LIMIT_PER_MINUTE: '0',
    SERVICE_RATE_LIMIT_PER_MINUTE: '0',
  });
  if (config.database.kind !== 'postgres') throw new Error('the benchmark needs PostgreSQL');
  const database = openDatabase(config.database);
  let app: Awaited<ReturnType<typeof createApp>> | undefined;
  try {
    await applyMigrations(database.adapterFactory);
    app = await createApp({ config, database, logger: createLogger(config.logLevel) });
    const endpoint = (await app.start(0, '127.0.0.1')).replace('localhost', '127.0.0.1');

    const agent = await database.prisma.agent.create({
      data: { authSubject: 'bench|agent', email: 'bench-agent@bench.example', fullName: 'Bench Agent' },
    });
    const agentToken = await signToken(config.auth, { subject: agent.authSubject });
    const serviceToken = await signToken(config.auth, { subject: 'service:bench', service: true });
    await database.prisma.operator.createMany({
      data: Array.from({ length: OPERATORS }, (_, index) => ({
        avinodeCompanyId: `acomp-bench-${index}`,
        name: `Operator ${index}`,
      })),
    });

    const client = graphqlClient(endpoint);
    const newSession = () => sessionRequestingQuotes(client, agentToken);
    const spread: string[] = [];
    for (let index = 0; index < spreadSessions; index++) spread.push(await newSession());
    const hotSpot = await newSession();
    const warmUp = await newSession();

    // Warm the JIT, the pools and the plan caches before anything is timed.
    const warm = await drive(client, serviceToken, 'warm-up', [warmUp], Math.min(500, quotes), clients);
    const runs = [
      await drive(client, serviceToken, 'spread', spread, quotes, clients),
      await drive(client, serviceToken, 'hot-spot', [hotSpot], quotes, clients),
    ];

    console.log(
      `receiveQuote over HTTP · PostgreSQL ${throwaway.serverVersion} · pool ${poolSize} · ${clients} clients · ${quotes} quotes per run`,
    );
    printTable(runs);
    const accepted = [warm, ...runs].reduce((sum, run) => sum + run.ok, 0);
    const mismatches = await verify(database.prisma, accepted);
    return runs.some((run) => run.errors > 0) || mismatches > 0 ? 1 : 0;
  } finally {
    await app?.stop();
    await database.close();
    await throwaway.drop();
  }
}

type Client = (
  document: Parameters<typeof print>[0],
  variables: unknown,
  token: string,
) => Promise<Record<string, { __typename: string; [key: string]: unknown }>>;

function graphqlClient(endpoint: string): Client {
  const printed = new Map<unknown, string>();
  return async (document, variables, token) => {
    let query = printed.get(document);
    if (!query) {
      query = print(document);
      printed.set(document, query);
    }
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as {
      data?: Record<string, { __typename: string }>;
      errors?: Array<{ message: string }>;
    };
    if (body.errors?.length || !body.data)
      throw new Error(`HTTP ${response.status}: ${JSON.stringify(body.errors ?? body)}`);
    return body.data;
  };
}

/** Start, capture the trip, link Avinode: the session then waits for quotes. Returns its global id. */
async function sessionRequestingQuotes(client: Client, token: string): Promise<string> {
  const started = (await client(StartSession, { input: { subject: 'Bench trip' } }, token)).startSession;
  const session = started?.session as { id: string } | undefined;
  if (!session) throw new Error(`startSession: ${JSON.stringify(started)}`);
  const tag = randomBytes(5).toString('hex');
  const steps: Array<[string, Parameters<typeof print>[0], unknown]> = [
    [
      'captureTripRequest',
      CaptureTripRequest,
      {
        input: {
          sessionId: session.id,
          tripType: 'ONE_WAY',
          passengers: 6,
          legs: [{ departureAirport: 'KTEB', arrivalAirport: 'LFPB', departureAt: '2026-12-10T14:00:00.000Z' }],
        },
      },
    ],
    [
      'linkAvinodeTrip',
      LinkAvinodeTrip,
      { input: { sessionId: session.id, avinodeTripId: `atrip-${tag}`, avinodeRfqId: `arfq-${tag}` } },
    ],
  ];
  for (const [field, document, variables] of steps) {
    const result = (await client(document, variables, token))[field];
    if (result?.__typename.endsWith('Error')) throw new Error(`${field}: ${JSON.stringify(result)}`);
  }
  return session.id;
}

/** `total` distinct quotes, round-robin over the sessions, from `concurrency` clients in closed loops. */
async function drive(
  client: Client,
  token: string,
  name: string,
  sessions: string[],
  total: number,
  concurrency: number,
): Promise<RunResult> {
  const latencies: number[] = [];
  let next = 0;
  let ok = 0;
  let errors = 0;
  let firstError: string | undefined;
  const run = randomBytes(4).toString('hex');
  const worker = async () => {
    for (let index = next++; index < total; index = next++) {
      const input = {
        sessionId: sessions[index % sessions.length],
        avinodeQuoteId: `aquote-${run}-${index}`,
        operator: { avinodeCompanyId: `acomp-bench-${index % OPERATORS}`, name: `Operator ${index % OPERATORS}` },
        aircraftType: 'Challenger 350',
        seats: 9,
        totalPrice: (40_000 + (index % 5000) * 7.25).toFixed(2),
        currency: 'USD',
      };
      const started = performance.now();
      try {
        const payload = (await client(ReceiveQuote, { input }, token)).receiveQuote;
        if (payload?.outcome === 'CREATED') ok++;
        else throw new Error(JSON.stringify(payload));
      } catch (error) {
        errors++;
        firstError ??= (error as Error).message;
      }
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  if (firstError) console.error(`${name}: ${errors} failed; first: ${firstError.slice(0, 500)}`);
  return { name, sessions: sessions.length, ok, errors, seconds, latencies };
}

function printTable(runs: RunResult[]) {
  const header = ['run', 'sessions', 'ok', 'errors', 'seconds', 'mutations/s', 'p50 ms', 'p95 ms', 'p99 ms'];
  const rows = runs.map((run) => {
    const sorted = [...run.latencies].sort((a, b) => a - b);
    return [
      run.name,
      String(run.sessions),
      String(run.ok),
      String(run.errors),
      run.seconds.toFixed(2),
      (run.ok / run.seconds).toFixed(0),
      percentile(sorted, 0.5).toFixed(1),
      percentile(sorted, 0.95).toFixed(1),
      percentile(sorted, 0.99).toFixed(1),
    ];
  });
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => (row[column] ?? '').length)));
  for (const row of [header, ...rows]) {
    console.log(
      row
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
        .join('  '),
    );
  }
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] ?? Number.NaN;
}

/** Counter = rows = events for every session, and all of them = what was accepted; prints OK or each mismatch. */
async function verify(prisma: ReturnType<typeof openDatabase>['prisma'], accepted: number): Promise<number> {
  const rows = await prisma.$queryRaw<Array<{ id: string; counter: number; quotes: bigint; events: bigint }>>`
    SELECT s.id::text AS id, s.quotes_received_count AS counter,
      (SELECT count(*) FROM quotes q WHERE q.request_id = s.request_id) AS quotes,
      (SELECT count(*) FROM session_events e WHERE e.session_id = s.id AND e.type = 'QUOTE_RECEIVED') AS events
    FROM chat_sessions s ORDER BY s.id`;
  const mismatched = rows.filter((row) => BigInt(row.counter) !== row.quotes || row.quotes !== row.events);
  const total = rows.reduce((sum, row) => sum + row.counter, 0);
  if (total !== accepted) console.log(`verify: MISMATCH ${accepted} quotes accepted (CREATED), ${total} counted`);
  if (mismatched.length === 0 && total === accepted) {
    console.log(
      `verify: ${rows.length} sessions, ${total} quotes: quotesReceivedCount = quote rows = QUOTE_RECEIVED events: OK`,
    );
  } else {
    for (const row of mismatched) {
      console.log(
        `verify: MISMATCH session ${row.id}: quotesReceivedCount ${row.counter}, quote rows ${row.quotes}, QUOTE_RECEIVED events ${row.events}`,
      );
    }
  }
  return mismatched.length + (total === accepted ? 0 : 1);
}

function positive(option: 'clients' | 'quotes' | 'sessions' | 'pool'): number {
  const value = Number(options[option]);
  if (!Number.isInteger(value) || value < 1) {
    console.error(`--${option} must be a positive whole number, not ${options[option]}`);
    process.exit(2);
  }
  return value;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
