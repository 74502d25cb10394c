/**
 * receiveQuote under load, through HTTP, on PostgreSQL, side by side with its raw limit.
 *
 *   npx tsx bench/receive-quote.ts [--clients 32] [--quotes 3000] [--rounds 4] [--sessions 50] [--pool 10] [--profile]
 *
 * Creates a throwaway database on BENCH_DATABASE_URL (default: the local server), starts
 * the real app on it, and delivers new quotes twice: spread over many sessions, then every
 * quote on one session (the hot spot: each delivery locks the session row, so they queue).
 * Each run has three sides, in interleaved rounds (server, raw, pg, server, ...) so that
 * whatever else the machine does weighs on all alike, each with `--clients` closed loops:
 *   - server: the receiveQuote mutation over HTTP (auth, GraphQL, the service, Prisma), served
 *     by `dist/src/main.js` (built when stale) in production mode in a process of its own, as it is deployed;
 *   - raw: the same writes as a hand-written SQL transaction on a pool of the same size (a
 *     Prisma client, `$transaction` + raw SQL), with the same locks (the trip's, the session
 *     row's, the event stream's): lock and read the session with the quote and operator
 *     known, insert the quote and update the session in one statement, insert the events;
 *   - pg: the same SQL on a node-postgres pool of the same size, the floor without Prisma.
 * It prints all three and the server/raw (and server/pg) throughput ratios. Afterwards every session's
 * quotesReceivedCount must equal its quote rows and its QUOTE_RECEIVED events; exits 1
 * when one does not.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { print } from 'graphql';
import pg from 'pg';
import { signToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { graphql } from '../test/generated/index.js';
import { summariseCpuProfile } from './cpu-profile-summary.js';
import { deployedServer, startSideProcess, stopSideProcess } from './side-process.js';
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
    quotes: { type: 'string', default: '3000' },
    rounds: { type: 'string', default: '4' },
    sessions: { type: 'string', default: '50' },
    pool: { type: 'string', default: '10' },
    /** Runs the server under `node --cpu-prof` and prints where its CPU time went. */
    profile: { type: 'boolean', default: false },
  },
});
const clients = positive('clients');
const quotes = positive('quotes');
const rounds = positive('rounds');
const spreadSessions = positive('sessions');
const poolSize = positive('pool');

type RunResult = { name: string; sessions: number; ok: number; errors: number; seconds: number; latencies: number[] };
/** One delivery: the session's global id, the quote's Avinode id and its price and operator. */
type Delivery = { sessionId: string; avinodeQuoteId: string; operator: number; totalPrice: string };
type Deliver = (delivery: Delivery) => Promise<void>;
const SIDES = ['server', 'raw', 'pg'] as const;
type Side = (typeof SIDES)[number];

async function main(): Promise<number> {
  const throwaway = await createThrowawayDatabase();

  const environment = {
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
  };
  const config = loadConfig(environment);
  if (config.database.kind !== 'postgres') throw new Error('the benchmark needs PostgreSQL');
  // The server as deployed, in a process of its own (it migrates the database as it starts):
  // the load generator's HTTP client must not share, and slow, the server's event loop.
  const profileDir = options.profile ? mkdtempSync(join(tmpdir(), 'receive-quote-profile-')) : undefined;
  const server = await startSideProcess(
    'server',
    deployedServer(),
    { ...environment, HOST: '127.0.0.1', PORT: '0', SEED_DEMO_DATA: 'never' },
    profileDir,
  );
  const database = openDatabase(config.database);
  try {
    const endpoint = `${server.origin}/graphql`;

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

    const rawPool = new pg.Pool({ connectionString: throwaway.url, max: poolSize });
    // Idle connections end when the throwaway database is dropped; nothing to report then.
    rawPool.on('error', () => {});
    try {
      const sides: Record<Side, Deliver> = {
        server: async (delivery) => {
          const payload = (await client(ReceiveQuote, { input: quoteInputOf(delivery) }, serviceToken)).receiveQuote;
          if (payload?.outcome !== 'CREATED') throw new Error(JSON.stringify(payload));
        },
        raw: rawDelivery(prismaTransaction(database.prisma), 'service:bench-raw'),
        pg: rawDelivery(pgTransaction(rawPool), 'service:bench-pg'),
      };
      // Warm the JIT, the pools and the plan caches before anything is timed.
      const warm: RunResult[] = [];
      for (const side of SIDES) warm.push(await drive(sides[side], `warm-up · ${side}`, [warmUp], 500, clients));
      const runs: Array<{ name: string } & Record<Side, RunResult>> = [];
      for (const [name, sessions] of [
        ['spread', spread],
        ['hot-spot', [hotSpot]],
      ] as const) {
        const perRound = Math.ceil(quotes / rounds);
        const results: Record<Side, RunResult[]> = { server: [], raw: [], pg: [] };
        for (let round = 0; round < rounds; round++) {
          for (const side of SIDES) {
            results[side].push(await drive(sides[side], `${name} · ${side}`, sessions, perRound, clients));
          }
        }
        runs.push({ name, server: combined(results.server), raw: combined(results.raw), pg: combined(results.pg) });
      }

      console.log(
        `receiveQuote · PostgreSQL ${throwaway.serverVersion} · pool ${poolSize} · ${clients} clients per side · ` +
          `${rounds} interleaved rounds (${SIDES.join(', ')}, ...) · ${Math.ceil(quotes / rounds) * rounds} quotes per side per run`,
      );
      console.log(
        'server: the mutation over HTTP, the app in its own process · raw: the same writes as hand-written SQL in a transaction on a pool of the same size ' +
          '(a Prisma client) · pg: the same SQL on a node-postgres pool of the same size',
      );
      printTable(runs.flatMap((run) => SIDES.map((side) => run[side])));
      const rate = (result: RunResult) => result.ok / result.seconds;
      for (const run of runs) {
        console.log(
          `${run.name}: server/raw throughput ratio ${(rate(run.server) / rate(run.raw)).toFixed(2)} ` +
            `(${rate(run.server).toFixed(0)} / ${rate(run.raw).toFixed(0)} mutations/s); ` +
            `server/pg ${(rate(run.server) / rate(run.pg)).toFixed(2)}`,
        );
      }
      const all = [...warm, ...runs.flatMap((run) => SIDES.map((side) => run[side]))];
      const accepted = all.reduce((sum, run) => sum + run.ok, 0);
      const mismatches = await verify(database.prisma, accepted);
      return all.some((run) => run.errors > 0) || mismatches > 0 ? 1 : 0;
    } finally {
      await rawPool.end();
    }
  } finally {
    await stopSideProcess(server);
    await database.close();
    await throwaway.drop();
    for (const file of profileDir ? readdirSync(profileDir) : []) {
      console.log(`\nserver CPU profile (${join(profileDir as string, file)}):`);
      console.log(summariseCpuProfile(join(profileDir as string, file), 25));
    }
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

/** `total` distinct quotes, round-robin over the sessions, from `concurrency` closed loops. */
async function drive(
  deliver: Deliver,
  name: string,
  sessions: readonly string[],
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
      const delivery = {
        sessionId: sessions[index % sessions.length] as string,
        avinodeQuoteId: `aquote-${run}-${index}`,
        operator: index % OPERATORS,
        totalPrice: (40_000 + (index % 5000) * 7.25).toFixed(2),
      };
      const started = performance.now();
      try {
        await deliver(delivery);
        ok++;
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

function quoteInputOf(delivery: Delivery) {
  return {
    sessionId: delivery.sessionId,
    avinodeQuoteId: delivery.avinodeQuoteId,
    operator: { avinodeCompanyId: `acomp-bench-${delivery.operator}`, name: `Operator ${delivery.operator}` },
    aircraftType: 'Challenger 350',
    seats: 9,
    totalPrice: delivery.totalPrice,
    currency: 'USD',
  };
}

/** The rounds of one side as one result: their deliveries over their time. */
function combined(results: RunResult[]): RunResult {
  const [first] = results;
  return {
    name: first?.name ?? '',
    sessions: first?.sessions ?? 0,
    ok: results.reduce((sum, result) => sum + result.ok, 0),
    errors: results.reduce((sum, result) => sum + result.errors, 0),
    seconds: results.reduce((sum, result) => sum + result.seconds, 0),
    latencies: results.flatMap((result) => result.latencies),
  };
}

/** One statement of a hand-written transaction: its rows, or (rows: false) none read back. */
type Query = <Row>(text: string, values: unknown[], options?: { rows: false }) => Promise<Row[]>;
type Transaction = (work: (query: Query) => Promise<void>) => Promise<void>;

/** A transaction through a Prisma client's raw SQL, on a pool of the same size as the app's. */
function prismaTransaction(prisma: ReturnType<typeof openDatabase>['prisma']): Transaction {
  return (work) =>
    prisma.$transaction(async (tx) => {
      await work(async <Row>(text: string, values: unknown[], options?: { rows: false }) => {
        if (options?.rows === false) {
          await tx.$executeRawUnsafe(text, ...values);
          return [];
        }
        return tx.$queryRawUnsafe<Row[]>(text, ...values);
      });
    });
}

/** A transaction on a node-postgres pool of the same size: the floor without Prisma. */
function pgTransaction(pool: pg.Pool): Transaction {
  return async (work) => {
    const connection = await pool.connect();
    try {
      await connection.query('BEGIN');
      await work(async <Row>(text: string, values: unknown[]) => (await connection.query(text, values)).rows as Row[]);
      await connection.query('COMMIT');
    } catch (error) {
      await connection.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      connection.release();
    }
  };
}

const TRIP_LOCK = 7_402_117;
const EVENT_STREAM_LOCK = '7402117001';

/**
 * The raw limit: a new quote on a session addressed by id, in the fewest round trips
 * that keep receiveQuote's guarantees (the trip's lock before the row's, the row lock
 * for the counter and the step, the quote's unique id, the event stream's lock for ids
 * in commit order; the session_events trigger stamps the session's state). It knows the
 * workload (new quotes, known operators) and checks nothing else.
 */
function rawDelivery(transaction: Transaction, actorId: string): Deliver {
  const sessionUuids = new Map<string, string>();
  const uuidOf = (id: string) => {
    let uuid = sessionUuids.get(id);
    if (!uuid) {
      uuid = Buffer.from(id, 'base64').toString().split(':')[1] as string;
      sessionUuids.set(id, uuid);
    }
    return uuid;
  };
  return (delivery) =>
    transaction(async (query) => {
      const sessionId = uuidOf(delivery.sessionId);
      await query(
        `SELECT pg_advisory_xact_lock($1::int, hashtext(avinode_trip_id))
         FROM chat_sessions WHERE id = $2::uuid AND avinode_trip_id IS NOT NULL`,
        [TRIP_LOCK, sessionId],
        { rows: false },
      );
      const [session] = await query<{
        status: string;
        step: string;
        agent: string;
        request: string;
        known: string | null;
        operator: string;
      }>(
        `SELECT status::text, current_step::text AS step, iso_agent_id::text AS agent, request_id::text AS request,
           (SELECT id::text FROM quotes WHERE avinode_quote_id = $2) AS known,
           (SELECT id::text FROM operators WHERE avinode_company_id = $3) AS operator
         FROM chat_sessions WHERE id = $1::uuid FOR UPDATE`,
        [sessionId, delivery.avinodeQuoteId, `acomp-bench-${delivery.operator}`],
      );
      if (!session || session.known || !session.operator) throw new Error(`raw: unexpected ${JSON.stringify(session)}`);
      const moves = session.status === 'ACTIVE' && session.step === 'REQUESTING_QUOTES';
      const step = moves ? 'ANALYZING_QUOTES' : session.step;
      const [quote] = await query<{ id: string }>(
        `WITH quote AS (
           INSERT INTO quotes (id, request_id, avinode_quote_id, operator_id, aircraft_type, seats, total_price,
             currency, created_at, updated_at)
           VALUES (gen_random_uuid(), $2::uuid, $3, $4::uuid, 'Challenger 350', 9, $5::numeric, 'USD', now(), now())
           ON CONFLICT (avinode_quote_id) DO NOTHING RETURNING id),
         session AS (
           UPDATE chat_sessions SET quotes_received_count = quotes_received_count + 1, version = version + 1,
             current_step = $6::"WorkflowStep", last_activity_at = now(), updated_at = now()
           WHERE id = $1::uuid AND EXISTS (SELECT 1 FROM quote) RETURNING id)
         SELECT quote.id::text FROM quote, session`,
        [sessionId, session.request, delivery.avinodeQuoteId, session.operator, delivery.totalPrice, step],
      );
      if (!quote) throw new Error('raw: the quote was not written');
      const data = JSON.stringify({
        quoteId: quote.id,
        avinodeQuoteId: delivery.avinodeQuoteId,
        totalPrice: delivery.totalPrice,
        currency: 'USD',
        status: 'RECEIVED',
      });
      const stepChanged = moves ? `, (1, 'STEP_CHANGED', $5, 'ANALYZING_QUOTES', '{}')` : '';
      await query(
        `WITH stream_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock(${EVENT_STREAM_LOCK}))
         INSERT INTO session_events (session_id, iso_agent_id, type, from_step, to_step, data, actor_id, created_at)
         SELECT $1::uuid, $2::uuid, event.type::"SessionEventType", event.from_step::"WorkflowStep",
           event.to_step::"WorkflowStep", event.data::jsonb, $3, now()
         FROM stream_lock, (VALUES (0, 'QUOTE_RECEIVED', NULL, NULL, $4)${stepChanged})
           AS event(ord, type, from_step, to_step, data)
         ORDER BY event.ord RETURNING id`,
        [sessionId, session.agent, actorId, data, ...(moves ? [session.step] : [])],
      );
    });
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

function positive(option: 'clients' | 'quotes' | 'rounds' | 'sessions' | 'pool'): number {
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
