/**
 * activityFeed fan-out: many WebSocket subscribers, a steady stream of events.
 *
 *   npx tsx bench/subscribers.ts [--subscribers 1000] [--rate 10] [--seconds 10]
 *
 * Creates a throwaway database on BENCH_DATABASE_URL (default: the local server), starts
 * the real app in this process (Redis when REDIS_URL is set), and opens N graphql-ws
 * subscribers to `activityFeed` from child processes, so the server's heap and file
 * descriptors are its own. Then it sends `rate` recordMessage mutations per second over
 * HTTP for `seconds`, open loop, and reports deliveries against N × events, latency from
 * the mutation to each subscriber (keyed by the event's messageId) and server memory
 * per subscriber. Exits 1 when a delivery is missing, duplicated or out of order, or a
 * mutation failed (overload shows as REQUEST_TIMEOUT or statement timeouts).
 *
 * The default, 1,000 subscribers × 10 events/s, is 10,000 deliveries a second: within
 * what one instance sustains. Push past that (say --rate 50) to see overload: every
 * delivery still arrives, once and in order, but latency becomes queueing time.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { type App, createApp } from '../src/app.js';
import { signToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { applyMigrations } from '../src/db/migrations.js';
import { createLogger } from '../src/logger.js';
import { graphql } from '../test/generated/index.js';
import { createThrowawayDatabase } from './throwaway-database.js';

/** The selection of issue 10 §3: the event nests into its session, as a dashboard's would. */
const Feed = graphql(`
  subscription BenchSubscribersFeed {
    activityFeed {
      id data
      session { id currentStep quotesReceivedCount primaryQuote { totalPrice } agent { email } }
    }
  }
`);

const StartSession = graphql(`
  mutation BenchSubscribersStartSession($input: StartSessionInput!) {
    startSession(input: $input) { __typename ... on StartSessionPayload { session { id } } ... on Error { message } }
  }
`);

const RecordMessage = graphql(`
  mutation BenchSubscribersRecordMessage($input: RecordMessageInput!) {
    recordMessage(input: $input) { __typename ... on RecordMessagePayload { recorded: message { id } } ... on Error { message } }
  }
`);

const MAX_SUBSCRIBERS = 10_000;
/** Subscribers per client process: each holds one socket per subscriber. */
const PER_CLIENT_PROCESS = 5_000;
const SESSIONS = 10;
const CONNECT_CONCURRENCY = 100;

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
const now = () => performance.timeOrigin + performance.now();
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- messages between processes

type ToClient =
  | { kind: 'connect'; url: string; token: string; count: number }
  | { kind: 'drive'; url: string; token: string; sessions: string[]; rate: number; seconds: number }
  | { kind: 'progress' }
  | { kind: 'finish'; mutations: Mutation[] }
  | { kind: 'close' };

/** A recordMessage that was answered: the id of the message it recorded, when it was sent and answered. */
type Mutation = [messageId: string, sentAt: number, answeredAt: number];

type FromClient =
  | { kind: 'connected'; connected: number; failed: number; firstError: string | undefined }
  | {
      kind: 'driven';
      mutations: Mutation[];
      /** Failed mutations by error code (REQUEST_TIMEOUT, INTERNAL_SERVER_ERROR, a network error...). */
      errors: Map<string, number>;
      firstError: string | undefined;
      seconds: number;
    }
  | { kind: 'progress'; delivered: number; errors: number; firstError: string | undefined }
  | {
      kind: 'finished';
      delivered: number;
      duplicates: number;
      outOfOrder: number;
      unknown: number;
      errors: number;
      firstError: string | undefined;
      fromSend: Float32Array;
      fromAnswer: Float32Array;
    }
  | { kind: 'closed' };

// ---------------------------------------------------------------- client process

async function runClientProcess(): Promise<void> {
  const send = (message: FromClient) => process.send?.(message);
  const clients: Client[] = [];
  /** Receipt times per messageId, over every subscriber of this process. */
  const receipts = new Map<string, number[]>();
  let delivered = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  let errors = 0;
  let firstError: string | undefined;
  const fail = (error: unknown) => {
    errors++;
    firstError ??= describeError(error);
  };

  const subscribe = (client: Client, query: string) => {
    let last = -1;
    const seen = new Set<number>();
    client.subscribe<{ activityFeed: { id: string; data: { messageId?: string } } }>(
      { query },
      {
        next: (result) => {
          const receivedAt = now();
          if (result.errors?.length || !result.data) return fail(result.errors ?? result);
          const event = result.data.activityFeed;
          const number = Number(Buffer.from(event.id, 'base64').toString().split(':')[1]);
          if (seen.has(number)) duplicates++;
          else if (number < last) outOfOrder++;
          seen.add(number);
          last = Math.max(last, number);
          delivered++;
          const key = event.data.messageId ?? '';
          const times = receipts.get(key);
          if (times) times.push(receivedAt);
          else receipts.set(key, [receivedAt]);
        },
        error: fail,
        complete: () => {},
      },
    );
  };

  const connectOne = (url: string, token: string) =>
    new Promise<Client>((resolve, reject) => {
      const client = createClient({
        url,
        webSocketImpl: WebSocket,
        lazy: false,
        retryAttempts: 0,
        connectionParams: { authorization: `Bearer ${token}` },
        onNonLazyError: (error) => reject(error),
        on: { connected: () => resolve(client) },
      });
    });

  process.on('message', async (message: ToClient) => {
    if (message.kind === 'connect') {
      const query = print(Feed);
      let connected = 0;
      let failed = 0;
      let connectError: string | undefined;
      for (let started = 0; started < message.count; started += CONNECT_CONCURRENCY) {
        const batch = Math.min(CONNECT_CONCURRENCY, message.count - started);
        const settled = await Promise.allSettled(
          Array.from({ length: batch }, () => connectOne(message.url, message.token)),
        );
        for (const outcome of settled) {
          if (outcome.status === 'fulfilled') {
            connected++;
            clients.push(outcome.value);
            subscribe(outcome.value, query);
          } else {
            failed++;
            connectError ??= describeError(outcome.reason);
          }
        }
        // Once sockets start failing (file descriptors, ports), more attempts only add noise.
        if (failed > 0) break;
      }
      send({ kind: 'connected', connected, failed, firstError: connectError });
    } else if (message.kind === 'drive') {
      send(await drive(message));
    } else if (message.kind === 'progress') {
      send({ kind: 'progress', delivered, errors, firstError });
    } else if (message.kind === 'finish') {
      const fromSend = new Float32Array(delivered);
      const fromAnswer = new Float32Array(delivered);
      let index = 0;
      let unknown = 0;
      const sent = new Map(message.mutations.map(([id, sentAt, answeredAt]) => [id, { sentAt, answeredAt }]));
      for (const [messageId, times] of receipts) {
        const mutation = sent.get(messageId);
        if (!mutation) {
          unknown += times.length;
          continue;
        }
        for (const receivedAt of times) {
          fromSend[index] = receivedAt - mutation.sentAt;
          fromAnswer[index] = receivedAt - mutation.answeredAt;
          index++;
        }
      }
      send({
        kind: 'finished',
        delivered,
        duplicates,
        outOfOrder,
        unknown,
        errors,
        firstError,
        fromSend: fromSend.subarray(0, index),
        fromAnswer: fromAnswer.subarray(0, index),
      });
    } else if (message.kind === 'close') {
      await Promise.all(clients.map((client) => client.dispose()));
      send({ kind: 'closed' });
      process.disconnect();
    }
  });
}

/** Sends `rate` recordMessage mutations per second for `seconds`, open loop, round-robin over the sessions. */
async function drive(order: Extract<ToClient, { kind: 'drive' }>): Promise<Extract<FromClient, { kind: 'driven' }>> {
  const call = graphqlClient(order.url);
  const mutations: Mutation[] = [];
  const errors = new Map<string, number>();
  let firstError: string | undefined;
  const inFlight: Array<Promise<void>> = [];
  const started = now();
  for (let index = 0; index < order.rate * order.seconds; index++) {
    // The schedule does not wait for answers, so a slow server shows as latency, not as a lower rate.
    const wait = started + (index * 1000) / order.rate - now();
    if (wait > 0) await pause(wait);
    const sentAt = now();
    const input = {
      sessionId: order.sessions[index % order.sessions.length] ?? '',
      senderType: 'AGENT' as const,
      content: `event ${index}`,
    };
    inFlight.push(
      call(RecordMessage, { input }, order.token).then(
        (data) => {
          const answeredAt = now();
          const payload = data.recordMessage;
          if (payload.__typename !== 'RecordMessagePayload') throw new Error(JSON.stringify(payload));
          mutations.push([
            Buffer.from(payload.recorded.id, 'base64').toString().split(':')[1] ?? '',
            sentAt,
            answeredAt,
          ]);
        },
        (error: unknown) => {
          const code = error instanceof CallError ? error.code : describeError(error).slice(0, 40);
          errors.set(code, (errors.get(code) ?? 0) + 1);
          firstError ??= describeError(error);
        },
      ),
    );
  }
  await Promise.all(inFlight);
  return { kind: 'driven', mutations, errors, firstError, seconds: (now() - started) / 1000 };
}

// ---------------------------------------------------------------- the bench itself

type ClientProcess = { child: ChildProcess; count: number; request(message: ToClient): Promise<FromClient> };

function startClientProcess(count: number): ClientProcess {
  const child = fork(fileURLToPath(import.meta.url), ['--client'], { serialization: 'advanced', stdio: 'inherit' });
  return {
    child,
    count,
    request: (message) =>
      new Promise((resolve, reject) => {
        const onExit = (code: number | null) => reject(new Error(`a client process exited with ${code}`));
        child.once('exit', onExit);
        child.once('message', (reply: FromClient) => {
          child.off('exit', onExit);
          resolve(reply);
        });
        child.send(message);
      }),
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      subscribers: { type: 'string', default: '1000' },
      rate: { type: 'string', default: '10' },
      seconds: { type: 'string', default: '10' },
    },
  });
  const subscribers = positive('subscribers', values.subscribers, MAX_SUBSCRIBERS);
  const rate = positive('rate', values.rate, 10_000);
  const seconds = positive('seconds', values.seconds, 3_600);

  // The server holds one socket per subscriber, plus its database pool, Redis and the usual.
  const limit = openFileLimit();
  const needed = subscribers + 200;
  if (limit !== undefined && limit < needed) {
    console.error(
      `Too few file descriptors: ${subscribers} subscribers need about ${needed} in the server process, and \`ulimit -n\` is ${limit}.\n` +
        `Raise it first (e.g. \`ulimit -n ${Math.max(needed * 2, 4096)}\`) or ask for fewer subscribers.`,
    );
    return 2;
  }

  const collect = garbageCollector();
  const redisUrl = process.env['REDIS_URL'];
  const throwaway = await createThrowawayDatabase();

  const config = loadConfig({
    NODE_ENV: 'production',
    JWT_SECRET: randomBytes(32).toString('hex'),
    DATABASE_URL: throwaway.url,
    REDIS_URL: redisUrl,
    LOG_LEVEL: 'warn',
    SHUTDOWN_TIMEOUT_MS: '5000',
  });
  const database = openDatabase(config.database);
  let app: App | undefined;
  const children: ClientProcess[] = [];
  try {
    await applyMigrations(database.adapterFactory);
    app = await createApp({ config, database, logger: createLogger('warn') });
    const endpoint = (await app.start(0, '127.0.0.1')).replace('localhost', '127.0.0.1');
    const events = app.events;

    const agent = await database.prisma.agent.create({
      data: { authSubject: 'bench|agent', email: 'bench-agent@bench.example', fullName: 'Bench Agent' },
    });
    const agentToken = await signToken(config.auth, { subject: agent.authSubject });
    const serviceToken = await signToken(config.auth, { subject: 'service:bench', service: true });
    const call = graphqlClient(endpoint);
    const sessions: string[] = [];
    for (let index = 0; index < SESSIONS; index++) {
      const started = (await call(StartSession, { input: { subject: `Fan-out ${index}` } }, agentToken)).startSession;
      if (started.__typename !== 'StartSessionPayload') throw new Error(`startSession: ${JSON.stringify(started)}`);
      sessions.push(started.session.id);
    }
    // Warm the mutation path and the event stream before anything is measured.
    for (let index = 0; index < 20; index++) {
      await call(
        RecordMessage,
        { input: { sessionId: sessions[index % SESSIONS] ?? '', senderType: 'SYSTEM', content: 'warm-up' } },
        serviceToken,
      );
    }

    // ---- connect
    const before = await settledMemory(collect);
    const processes = Math.ceil(subscribers / PER_CLIENT_PROCESS);
    const subscriberProcesses = Array.from({ length: processes }, (_, index) =>
      startClientProcess(Math.min(PER_CLIENT_PROCESS, subscribers - index * PER_CLIENT_PROCESS)),
    );
    children.push(...subscriberProcesses);
    const connectStarted = now();
    const connectReplies = (await Promise.all(
      subscriberProcesses.map((child) =>
        child.request({
          kind: 'connect',
          url: endpoint.replace(/^http/, 'ws'),
          token: serviceToken,
          count: child.count,
        }),
      ),
    )) as Array<Extract<FromClient, { kind: 'connected' }>>;
    const connected = connectReplies.reduce((sum, reply) => sum + reply.connected, 0);
    const connectFailure = connectReplies.find((reply) => reply.failed > 0);
    if (connectFailure) {
      console.error(
        `Only ${connected} of ${subscribers} subscribers connected; first failure: ${connectFailure.firstError}.\n` +
          'If that is EMFILE or EADDRNOTAVAIL, the file-descriptor limit (`ulimit -n`) or the local port range stopped it.',
      );
      return 2;
    }
    const attached = await until(() => events.subscriberCount >= subscribers, 60_000 + subscribers * 10);
    if (!attached) {
      console.error(
        `Only ${events.subscriberCount} of ${subscribers} subscriptions attached on the server within the time allowed.`,
      );
      return 1;
    }
    const connectSeconds = (now() - connectStarted) / 1000;
    const after = await settledMemory(collect);

    // ---- drive
    const baseline =
      (await database.prisma.sessionEvent.findFirst({ orderBy: { id: 'desc' }, select: { id: true } }))?.id ?? 0n;
    const total = rate * seconds;
    const cpuStarted = process.cpuUsage();
    // How long the server's event loop is blocked at a time: fan-out runs between I/O callbacks.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    // The open loop runs in a process of its own, so a busy server delays answers, not sends.
    const driver = startClientProcess(0);
    children.push(driver);
    const driven = (await driver.request({
      kind: 'drive',
      url: endpoint,
      token: serviceToken,
      sessions,
      rate,
      seconds,
    })) as Extract<FromClient, { kind: 'driven' }>;
    const { mutations, errors: mutationErrors, firstError: firstMutationError } = driven;
    const roundTrips = mutations.map(([, sentAt, answeredAt]) => answeredAt - sentAt);
    const driveSeconds = driven.seconds;
    const countCommitted = () => database.prisma.sessionEvent.count({ where: { id: { gt: baseline } } });

    // ---- drain: until every delivery is in, or nothing moved for 10 s. The count of
    // committed events is re-read each time: a mutation answered with an error (say, the
    // request deadline) may still commit afterwards.
    const drainStarted = now();
    let delivered = 0;
    let committed = await countCommitted();
    for (let lastChange = now(); ; ) {
      const progress = (await Promise.all(
        subscriberProcesses.map((child) => child.request({ kind: 'progress' })),
      )) as Array<Extract<FromClient, { kind: 'progress' }>>;
      const sum = progress.reduce((total, reply) => total + reply.delivered, 0);
      const recount = await countCommitted();
      if (sum !== delivered || recount !== committed) lastChange = now();
      delivered = sum;
      committed = recount;
      if (delivered >= committed * subscribers || now() - lastChange > 10_000) break;
      await pause(100);
    }
    const drainSeconds = (now() - drainStarted) / 1000;
    // A little longer, so late duplicates would be counted too.
    await pause(1_500);
    loopDelay.disable();
    const cpu = process.cpuUsage(cpuStarted);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    committed = await countCommitted();
    const expected = committed * subscribers;
    // Events whose mutation the client saw fail: committed all the same.
    const answered = new Set(mutations.map(([messageId]) => messageId));
    const stored = await database.prisma.sessionEvent.findMany({
      where: { id: { gt: baseline } },
      select: { data: true },
    });
    const committedDespiteError = stored.filter(
      (event) => !answered.has(String((event.data as { messageId?: unknown } | null)?.messageId)),
    ).length;
    const errorCount = [...mutationErrors.values()].reduce((total, count) => total + count, 0);
    const errorSummary = [...mutationErrors].map(([code, count]) => `${code} ${count}`).join(', ');

    const finished = (await Promise.all(
      subscriberProcesses.map((child) => child.request({ kind: 'finish', mutations })),
    )) as Array<Extract<FromClient, { kind: 'finished' }>>;
    const sum = (pick: (reply: (typeof finished)[number]) => number) =>
      finished.reduce((total, reply) => total + pick(reply), 0);
    delivered = sum((reply) => reply.delivered);
    const duplicates = sum((reply) => reply.duplicates);
    const outOfOrder = sum((reply) => reply.outOfOrder);
    const unknown = sum((reply) => reply.unknown);
    const subscriptionErrors = sum((reply) => reply.errors);
    const fromSend = concatenate(finished.map((reply) => reply.fromSend));
    const fromAnswer = concatenate(finished.map((reply) => reply.fromAnswer));
    fromSend.sort();
    fromAnswer.sort();
    const sortedTrips = Float64Array.from(roundTrips).sort();

    const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
    const ms = (sorted: Float32Array | Float64Array, fraction: number) =>
      `${percentile(sorted, fraction).toFixed(1)} ms`;
    console.log(
      `activityFeed fan-out · PostgreSQL ${throwaway.serverVersion} · pub/sub ${redisUrl ? 'Redis' : 'in-process'} · ` +
        `${subscribers} subscribers · ${rate} events/s × ${seconds} s`,
    );
    printTable([
      [
        'subscribers attached',
        `${subscribers} in ${connectSeconds.toFixed(1)} s (${processes} client process${processes > 1 ? 'es' : ''})`,
      ],
      [
        'events committed',
        `${committed} of ${total} sent in ${driveSeconds.toFixed(1)} s (${(committed / driveSeconds).toFixed(0)}/s)`,
      ],
      [
        'mutation errors',
        errorCount ? `${errorCount} (${errorSummary}); ${committedDespiteError} of them committed` : '0',
      ],
      [
        'deliveries',
        `${delivered} / ${expected} expected (${((delivered / Math.max(expected, 1)) * 100).toFixed(2)} %)`,
      ],
      ['duplicates · out of order', `${duplicates} · ${outOfOrder}`],
      ['latency send → receipt', `p50 ${ms(fromSend, 0.5)} · p99 ${ms(fromSend, 0.99)} · max ${ms(fromSend, 1)}`],
      ['latency answer → receipt', `p50 ${ms(fromAnswer, 0.5)} · p99 ${ms(fromAnswer, 0.99)}`],
      ['mutation round trip', `p50 ${ms(sortedTrips, 0.5)} · p99 ${ms(sortedTrips, 0.99)}`],
      ['drain after last answer', `${drainSeconds.toFixed(1)} s`],
      [
        'server CPU',
        `${cpuSeconds.toFixed(1)} s over ${(driveSeconds + drainSeconds).toFixed(1)} s (${((cpuSeconds * 1e6) / Math.max(delivered, 1)).toFixed(0)} µs per delivery)`,
      ],
      [
        'server event-loop delay',
        `p50 ${(loopDelay.percentile(50) / 1e6).toFixed(1)} ms · p99 ${(loopDelay.percentile(99) / 1e6).toFixed(1)} ms · max ${(loopDelay.max / 1e6).toFixed(1)} ms`,
      ],
      [
        'server heap / subscriber',
        `${kb((after.heapUsed - before.heapUsed) / subscribers)}${collect ? '' : ' (no forced GC)'}`,
      ],
      [
        'server heap + buffers / sub',
        kb((after.heapUsed + after.external - before.heapUsed - before.external) / subscribers),
      ],
      // RSS only moves when the allocator takes or returns pages, so it can even shrink.
      ['server RSS change', `${((after.rss - before.rss) / 2 ** 20).toFixed(1)} MB (allocator-dependent)`],
    ]);
    if (firstMutationError) console.error(`first mutation error: ${firstMutationError.slice(0, 500)}`);
    if (subscriptionErrors)
      console.error(
        `${subscriptionErrors} subscription errors; first: ${finished.find((reply) => reply.firstError)?.firstError?.slice(0, 500)}`,
      );
    // Deliveries that no successful answer accounts for must be exactly the events committed despite an error.
    if (unknown !== committedDespiteError * subscribers) {
      console.error(`${unknown} deliveries of events no mutation of this run produced`);
    }
    const ok =
      delivered === expected &&
      duplicates === 0 &&
      outOfOrder === 0 &&
      subscriptionErrors === 0 &&
      errorCount === 0 &&
      unknown === committedDespiteError * subscribers;
    return ok ? 0 : 1;
  } finally {
    await Promise.all(
      children.map((child) =>
        child.child.connected
          ? child.request({ kind: 'close' }).catch(() => child.child.kill())
          : Promise.resolve(child.child.kill()),
      ),
    );
    await app?.stop();
    await database.close();
    await throwaway.drop();
  }
}

// ---------------------------------------------------------------- helpers

type Call = <T, V>(
  document: import('@graphql-typed-document-node/core').TypedDocumentNode<T, V>,
  variables: V,
  token: string,
) => Promise<T>;

function graphqlClient(endpoint: string): Call {
  const printed = new Map<unknown, string>();
  return async (document, variables, token) => {
    const query = printed.get(document) ?? print(document);
    printed.set(document, query);
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: unknown; errors?: Array<{ extensions?: { code?: string } }> };
    if (body.errors?.length || !body.data) {
      const code = body.errors?.[0]?.extensions?.code ?? `HTTP ${response.status}`;
      throw new CallError(code, `HTTP ${response.status}: ${JSON.stringify(body.errors ?? body)}`);
    }
    return body.data as never;
  };
}

class CallError extends Error {
  override name = 'CallError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The soft limit on open files, from /proc (Linux) or the shell. */
function openFileLimit(): number | undefined {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((row) => row.startsWith('Max open files'));
    const soft = line?.split(/\s{2,}/)[1];
    return soft === undefined || soft === 'unlimited' ? undefined : Number(soft);
  } catch {
    return undefined;
  }
}

/** A real collector when Node was not started with --expose-gc, so heap deltas are live objects. */
function garbageCollector(): (() => void) | undefined {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

async function settledMemory(collect: (() => void) | undefined) {
  for (let round = 0; round < 3; round++) {
    collect?.();
    await pause(50);
  }
  const { heapUsed, external, rss } = process.memoryUsage();
  return { heapUsed, external, rss };
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = now() + timeoutMs;
  while (!condition()) {
    if (now() > deadline) return false;
    await pause(20);
  }
  return true;
}

function concatenate(parts: Float32Array[]): Float32Array {
  const all = new Float32Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    all.set(part, offset);
    offset += part.length;
  }
  return all;
}

function percentile(sorted: Float32Array | Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))] ?? Number.NaN;
}

function printTable(rows: Array<[string, string]>) {
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`);
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  if (Array.isArray(error)) return JSON.stringify(error);
  if (error && typeof error === 'object' && 'code' in error) {
    const close = error as { code: unknown; reason?: unknown };
    return `socket closed ${String(close.code)} ${String(close.reason ?? '')}`;
  }
  return JSON.stringify(error);
}

function positive(option: string, raw: string | undefined, max: number): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    console.error(`--${option} must be a whole number from 1 to ${max}, not ${raw}`);
    process.exit(2);
  }
  return value;
}

if (process.argv.includes('--client')) {
  void runClientProcess();
} else {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
