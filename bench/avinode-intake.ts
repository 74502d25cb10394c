/**
 * The Avinode intake under a rising rate of notifications, on PostgreSQL.
 *
 *   npm run bench:avinode -- [--rates 25,50,100,200] [--seconds 3] [--sessions 20]
 *
 * Starts the Avinode simulator (test/harness) and the real app on a throwaway database
 * (BENCH_DATABASE_URL, default the local server), links N sessions to trips, subscribes
 * to the agent's activity feed over graphql-ws, then at each rate POSTs seller responses
 * with quotes to /webhooks/avinode (open loop: one every 1/rate s, whatever the answers
 * do). Per rate it prints accepted notifications/s, p50/p99 time to the 200, and p50/p99
 * from the POST to the QUOTE_RECEIVED event on the subscriber. Reference, same run and
 * rates: the receiveQuote mutation called directly (the caller waits for the write, as
 * the replaced receiver made Avinode wait; its refusals count as missing). Exits 1 if a
 * notification posted to the webhook is refused or never reaches the subscriber.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { createApp } from '../src/app.js';
import { signToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { applyMigrations } from '../src/db/migrations.js';
import { createLogger } from '../src/logger.js';
import { graphql } from '../test/generated/index.js';
import { deliver, intakeEnvironment, startAvinodeSimulator } from '../test/harness/avinode-simulator.js';
import { createThrowawayDatabase } from './throwaway-database.js';

const StartSession = graphql(`
  mutation BenchIntakeStartSession($input: StartSessionInput!) {
    startSession(input: $input) { __typename ... on StartSessionPayload { session { id } } ... on Error { code message } }
  }
`);
const CaptureTripRequest = graphql(`
  mutation BenchIntakeCaptureTripRequest($input: CaptureTripRequestInput!) {
    captureTripRequest(input: $input) { __typename ... on Error { code message } }
  }
`);
const LinkAvinodeTrip = graphql(`
  mutation BenchIntakeLinkAvinodeTrip($input: LinkAvinodeTripInput!) {
    linkAvinodeTrip(input: $input) { __typename ... on Error { code message } }
  }
`);
const ReceiveQuote = graphql(`
  mutation BenchIntakeReceiveQuote($input: ReceiveQuoteInput!) {
    receiveQuote(input: $input) { __typename ... on ReceiveQuotePayload { outcome } ... on Error { code message } }
  }
`);
const ActivityFeed = graphql(`
  subscription BenchIntakeActivityFeed { activityFeed { type data } }
`);

const { values: options } = parseArgs({
  options: {
    rates: { type: 'string', default: '25,50,100,200' },
    seconds: { type: 'string', default: '3' },
    sessions: { type: 'string', default: '20' },
  },
});
const rates = options.rates.split(',').map(Number);
const seconds = Number(options.seconds);
const sessionCount = Number(options.sessions);
const credentials = { clientId: 'bench-login', clientSecret: 'bench-webhook-secret-0123456789' };

const simulator = await startAvinodeSimulator();
const throwaway = await createThrowawayDatabase();
const database = openDatabase({ kind: 'postgres', url: throwaway.url, poolSize: 10 });
await applyMigrations(database.adapterFactory);
const config = loadConfig({
  NODE_ENV: 'test',
  LOG_LEVEL: 'silent',
  RATE_LIMIT_PER_MINUTE: '0',
  SERVICE_RATE_LIMIT_PER_MINUTE: '0',
  ...intakeEnvironment(simulator, credentials, { AVINODE_FETCH_TIMEOUT_MS: '10000' }),
});
const app = await createApp({ config, database, logger: createLogger('silent') });
const url = (await app.start(0, '127.0.0.1')).replace('localhost', '127.0.0.1');
const origin = new URL(url).origin;

const agent = await database.prisma.agent.create({
  data: { authSubject: `bench|${hex()}`, email: `bench-${hex()}@bench.example`, fullName: 'Bench Agent' },
});
const agentToken = await signToken(config.auth, { subject: agent.authSubject });
const serviceToken = await signToken(config.auth, { subject: 'service:bench', service: true });

async function call<T>(document: Parameters<typeof print>[0], variables: unknown, token: string): Promise<T> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: print(document), variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown };
  if (!body.data) throw new Error(JSON.stringify(body));
  return body.data;
}

// Sessions, each linked to its own trip and RFQ, so deliveries spread as real traffic does.
const sessions: Array<{ id: string; rfqId: string; tripId: string }> = [];
for (let index = 0; index < sessionCount; index++) {
  const started = await call<{ startSession: { session: { id: string } } }>(StartSession, { input: {} }, agentToken);
  const id = started.startSession.session.id;
  await call(
    CaptureTripRequest,
    {
      input: {
        sessionId: id,
        tripType: 'ONE_WAY',
        passengers: 4,
        legs: [{ departureAirport: 'KTEB', arrivalAirport: 'KPBI', departureAt: '2026-12-10T14:00:00Z' }],
      },
    },
    agentToken,
  );
  const ids = { tripId: `atrip-${digits()}`, rfqId: `arfq-${digits()}` };
  await call(
    LinkAvinodeTrip,
    { input: { sessionId: id, avinodeTripId: ids.tripId, avinodeRfqId: ids.rfqId } },
    agentToken,
  );
  // The intake looks the trip's display code up (GET /trips/{id}): the simulator knows it.
  simulator.trip(ids.tripId, `B${digits().slice(0, 5)}`);
  sessions.push({ id, ...ids });
}

// One subscriber sees every quote of the agent: when each arrived, by Avinode quote id.
const arrivals = new Map<string, number>();
const waiting = new Map<string, () => void>();
const ws = createClient({
  url: url.replace(/^http/, 'ws'),
  webSocketImpl: WebSocket,
  connectionParams: { authorization: `Bearer ${agentToken}` },
});
ws.subscribe(
  { query: print(ActivityFeed) },
  {
    next: (result) => {
      const event = (result.data as { activityFeed?: { type: string; data: { avinodeQuoteId?: string } } })
        ?.activityFeed;
      const quoteId = event?.type === 'QUOTE_RECEIVED' ? event.data.avinodeQuoteId : undefined;
      if (!quoteId || arrivals.has(quoteId)) return;
      arrivals.set(quoteId, performance.now());
      waiting.get(quoteId)?.();
    },
    error: (error) => console.error('subscription failed', error),
    complete: () => {},
  },
);
await new Promise((resolve) => setTimeout(resolve, 500));

type Step = {
  accepted: number;
  refused: number;
  answerMs: number[];
  eventMs: number[];
  missing: number;
  wallS: number;
};

/** Open loop at `rate`/s for `seconds`: `send` returns when its answer is in; then waits for the events. */
async function runStep(rate: number, send: (quoteId: string, session: (typeof sessions)[number]) => Promise<boolean>) {
  const total = Math.max(1, Math.round(rate * seconds));
  const step: Step = { accepted: 0, refused: 0, answerMs: [], eventMs: [], missing: 0, wallS: 0 };
  const began = performance.now();
  const sent: Array<{ quoteId: string; at: number; done: Promise<void> }> = [];
  const inFlight: Promise<void>[] = [];
  for (let index = 0; index < total; index++) {
    const due = began + (index * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const quoteId = `aquote-${digits()}`;
    const session = sessions[index % sessions.length] as (typeof sessions)[number];
    const at = performance.now();
    const done = new Promise<void>((resolve) => waiting.set(quoteId, resolve));
    sent.push({ quoteId, at, done });
    inFlight.push(
      send(quoteId, session).then((ok) => {
        step.answerMs.push(performance.now() - at);
        if (ok) step.accepted++;
        else step.refused++;
      }),
    );
  }
  await Promise.all(inFlight);
  step.wallS = (performance.now() - began) / 1000;
  const deadline = new Promise((resolve) => setTimeout(resolve, 30_000));
  await Promise.race([Promise.all(sent.map((entry) => entry.done)), deadline]);
  for (const entry of sent) {
    const arrived = arrivals.get(entry.quoteId);
    if (arrived === undefined) step.missing++;
    else step.eventMs.push(arrived - entry.at);
    waiting.delete(entry.quoteId);
  }
  return step;
}

const viaWebhook = (quoteId: string, session: (typeof sessions)[number]) => {
  const body = simulator.sellerQuote({ messageId: `asellermsg-${digits()}`, quoteId, rfqId: session.rfqId });
  return deliver(origin, body, credentials, { event: 'TripRequestSellerResponse' }).then(
    (answer) => answer.status === 200,
  );
};
const viaMutation = async (quoteId: string, session: (typeof sessions)[number]) => {
  const input = {
    avinodeTripId: session.tripId,
    avinodeQuoteId: quoteId,
    operator: { avinodeCompanyId: '14013', name: 'Sandbox Dev Operator' },
    aircraftType: 'Falcon 7X',
    totalPrice: '147350.00',
  };
  try {
    const data = await call<{ receiveQuote: { __typename: string } }>(ReceiveQuote, { input }, serviceToken);
    return data.receiveQuote.__typename === 'ReceiveQuotePayload';
  } catch {
    // Refused (e.g. the pool was exhausted): counted as missing, as Avinode would re-deliver it.
    return false;
  }
};

console.log(
  `Avinode intake, PostgreSQL ${throwaway.serverVersion}, ${sessionCount} sessions, ${seconds} s per rate, Node ${process.version}`,
);
console.log(
  'path                      rate/s  accepted/s  200 p50 ms  200 p99 ms  event p50 ms  event p99 ms  missing',
);
let failed = false;
for (const rate of rates) {
  for (const [name, send] of [
    ['POST /webhooks/avinode', viaWebhook],
    ['receiveQuote (reference)', viaMutation],
  ] as const) {
    const step = await runStep(rate, send);
    // The intake must lose nothing; the reference may refuse under load (that is the contrast).
    if (send === viaWebhook && (step.missing > 0 || step.refused > 0)) failed = true;
    console.log(
      [
        name.padEnd(24),
        String(rate).padStart(7),
        (step.accepted / step.wallS).toFixed(1).padStart(11),
        percentile(step.answerMs, 50).padStart(11),
        percentile(step.answerMs, 99).padStart(11),
        percentile(step.eventMs, 50).padStart(13),
        percentile(step.eventMs, 99).padStart(13),
        String(step.missing + step.refused).padStart(8),
      ].join(' '),
    );
  }
}
const applied = await database.prisma.avinodeNotification.groupBy({ by: ['status'], _count: true });
console.log('notifications by status:', Object.fromEntries(applied.map((row) => [row.status, row._count])));

await ws.dispose();
await app.stop();
await database.close();
await throwaway.drop();
await simulator.close();
process.exit(failed ? 1 : 0);

function percentile(values: number[], p: number): string {
  if (values.length === 0) return '-';
  const sorted = [...values].sort((a, b) => a - b);
  return (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number).toFixed(1);
}

function hex(): string {
  return randomBytes(5).toString('hex');
}

function digits(): string {
  return String(Number.parseInt(hex(), 16)).padStart(9, '1').slice(0, 12);
}
