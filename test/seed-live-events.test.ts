import { describe, expect } from 'vitest';
import { seedDemoData } from '../prisma/seed.js';
import type { ChatSession, PrismaClient, SessionEvent } from '../src/generated/prisma/client.js';
import { it as base } from './harness/fixtures.js';
import { expectData } from './harness/graphql.js';
import type { TestServer } from './harness/server.js';

/*
 * Demo events are live events: the demo data is seeded, then a short story that does everything
 * the demo does is told to the running server through the GraphQL API, and both activity logs are
 * compared. Per event type the same payload keys (and value types) and the same kind of actor; per
 * transaction the same events in the same order; and on every event the session's status, step and
 * version just after its own transaction (the stamps activity filters and resumes read), never the
 * state the session ended in.
 */
const it = base
  /** The demo data, seeded before the server starts: its events and sessions as the seed left them. */
  .extend('seeded', { scope: 'file' }, async ({ database }) => {
    await seedDemoData(database.prisma);
    return {
      events: await database.prisma.sessionEvent.findMany({ orderBy: { id: 'asc' } }),
      sessions: await database.prisma.chatSession.findMany(),
    };
  })
  /** The live story's events. It acts on the demo's agents and records, so it waits for the seed. */
  .extend('live', { scope: 'file' }, async ({ seeded: _seeded, server, database }) =>
    tellLiveStory(server, database.prisma),
  );

const globalId = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');

/** One mutation through the API; a typed error in its payload fails the test with the message. */
async function mutate(
  server: TestServer,
  field: string,
  inputType: string,
  input: Record<string, unknown>,
  token: string,
  selection = '',
): Promise<Record<string, unknown>> {
  const document = `mutation ($input: ${inputType}!) {
    ${field}(input: $input) { __typename ... on Error { code message } ${selection} }
  }`;
  const data = await expectData<Record<string, Record<string, unknown>>, unknown>(
    server.url,
    document,
    { input },
    token,
  );
  const payload = data[field] as Record<string, unknown>;
  if (payload['code']) throw new Error(`${field}: ${payload['code']} ${payload['message']}`);
  return payload;
}

/** Every action the demo story takes, once, live: as the broker, the integrations and the admin. */
async function tellLiveStory(server: TestServer, prisma: PrismaClient): Promise<SessionEvent[]> {
  const agent = await server.tokenFor('demo|agent1@example.com');
  const admin = await server.tokenFor('demo|admin@example.com');
  const service = await server.serviceToken();
  const client = await prisma.client.findFirstOrThrow({ where: { agent: { email: 'agent1@example.com' } } });
  const operator = await prisma.operator.findFirstOrThrow({ orderBy: { avinodeCompanyId: 'asc' } });

  const started = (await mutate(
    server,
    'startSession',
    'StartSessionInput',
    { subject: 'Live: Teterboro → Le Bourget', metadata: { source: 'live', channel: 'web-chat' } },
    agent,
    '... on StartSessionPayload { session { id conversation { id } } }',
  )) as { session: { id: string; conversation: { id: string } } };
  const sessionId = started.session.id;
  const say = (senderType: string, token: string, extra: Record<string, unknown> = {}) =>
    mutate(
      server,
      'recordMessage',
      'RecordMessageInput',
      { sessionId, senderType, content: `${senderType} says`, ...extra },
      token,
    );

  await say('AGENT', agent, { senderName: 'Alex Morgan' });
  await say('ASSISTANT', service, { senderName: 'Charter Assistant' });
  await mutate(
    server,
    'captureTripRequest',
    'CaptureTripRequestInput',
    {
      sessionId,
      clientId: globalId('Client', client.id),
      tripType: 'ROUND_TRIP',
      passengers: 6,
      aircraftCategory: 'Heavy jet',
      budget: '120000.00',
      specialRequirements: 'Vegan catering',
      legs: [
        { departureAirport: 'KTEB', arrivalAirport: 'LFPB', departureAt: '2027-03-10T14:00:00Z' },
        { departureAirport: 'LFPB', arrivalAirport: 'KTEB', departureAt: '2027-03-17T10:00:00Z' },
      ],
    },
    service,
  );
  await mutate(
    server,
    'linkAvinodeTrip',
    'LinkAvinodeTripInput',
    { sessionId, avinodeTripId: 'atrip-99000001', avinodeRfpId: 'arfp-99000001', avinodeRfqId: 'arfq-999000001' },
    service,
  );
  await mutate(
    server,
    'recordRfqsSent',
    'RecordRfqsSentInput',
    { sessionId, operatorsContacted: 4, quotesExpected: 3 },
    service,
  );
  await say('SYSTEM', service, { senderName: 'Avinode' });
  const quote = (await mutate(
    server,
    'receiveQuote',
    'ReceiveQuoteInput',
    {
      sessionId,
      avinodeQuoteId: 'aquote-999000001',
      operator: { avinodeCompanyId: operator.avinodeCompanyId, name: operator.name },
      aircraftType: 'Falcon 7X',
      tailNumber: 'N7XLV',
      seats: 14,
      totalPrice: '98500.00',
      validUntil: '2027-03-01T00:00:00Z',
    },
    service,
    '... on ReceiveQuotePayload { quote { id } }',
  )) as { quote: { id: string } };
  await mutate(
    server,
    'receiveQuote',
    'ReceiveQuoteInput',
    {
      sessionId,
      avinodeQuoteId: 'aquote-999000002',
      operator: { avinodeCompanyId: operator.avinodeCompanyId, name: operator.name },
      aircraftType: 'Gulfstream G450',
      tailNumber: 'N450GX',
      seats: 14,
      totalPrice: '104000.00',
      validUntil: '2027-03-01T00:00:00Z',
      status: 'DECLINED',
      declineReason: 'Crew duty limits on the return leg',
    },
    service,
  );
  await say('OPERATOR', service, { senderName: operator.name, externalId: 'amsg-99000001' });
  await mutate(server, 'pauseSession', 'SessionChangeInput', { sessionId, reason: 'agent away' }, agent);
  await say('AGENT', agent, { senderName: 'Alex Morgan' }); // resumes the paused session
  await mutate(server, 'selectPrimaryQuote', 'SelectPrimaryQuoteInput', { sessionId, quoteId: quote.quote.id }, agent);
  await mutate(
    server,
    'generateProposal',
    'GenerateProposalInput',
    { sessionId, marginPercent: '8.50', title: 'Falcon 7X: New York → Paris, Mar 10' },
    agent,
  );
  await mutate(server, 'sendProposal', 'SendProposalInput', { sessionId }, agent);
  await mutate(server, 'completeSession', 'SessionChangeInput', { sessionId }, agent);
  await mutate(server, 'archiveSession', 'SessionChangeInput', { sessionId }, agent);

  // The client returns; that session goes quiet and the admin's housekeeping archives it.
  const followUp = (await mutate(
    server,
    'startSession',
    'StartSessionInput',
    { conversationId: started.session.conversation.id },
    agent,
    '... on StartSessionPayload { session { id } }',
  )) as { session: { id: string } };
  const followUpId = Buffer.from(followUp.session.id, 'base64').toString().split(':')[1] as string;
  await prisma.chatSession.update({
    where: { id: followUpId },
    data: { lastActivityAt: new Date(Date.now() - 100 * 86_400_000) },
  });
  await mutate(server, 'archiveStaleSessions', 'ArchiveStaleSessionsInput', { olderThanDays: 90 }, admin);

  const ids = [Buffer.from(sessionId, 'base64').toString().split(':')[1] as string, followUpId];
  return prisma.sessionEvent.findMany({ where: { sessionId: { in: ids } }, orderBy: { id: 'asc' } });
}

/** A payload's keys and the JSON types of their values: what a reader of the event relies on. */
function shapeOf(data: unknown): string {
  const entries = Object.entries((data ?? {}) as Record<string, unknown>);
  return `{${entries
    .map(([key, value]) => `${key}:${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}`)
    .sort()
    .join(',')}}`;
}

/** One event without its values: type, payload shape, which transition fields it sets, who acted. */
function kindOf(event: SessionEvent): string {
  const fields = (['fromStep', 'toStep', 'fromStatus', 'toStatus'] as const).filter((field) => event[field] !== null);
  const actor = event.actorId === null ? 'nobody' : event.actorId.startsWith('service:') ? 'integration' : 'person';
  return `${event.type}${shapeOf(event.data)}[${fields.join(',')}] by ${actor}`;
}

/** A session's events cut into the transactions that wrote them (one version each). */
function transactionsOf(events: SessionEvent[]): SessionEvent[][] {
  const bySession = new Map<string, SessionEvent[][]>();
  for (const event of events) {
    const groups = bySession.get(event.sessionId) ?? [];
    const last = groups.at(-1);
    if (last && last[0]?.sessionVersion === event.sessionVersion) last.push(event);
    else groups.push([event]);
    bySession.set(event.sessionId, groups);
  }
  return [...bySession.values()].flat();
}

function typeShapes(events: SessionEvent[]): Record<string, string[]> {
  const shapes: Record<string, Set<string>> = {};
  for (const event of events) {
    shapes[event.type] ??= new Set();
    shapes[event.type]?.add(kindOf(event));
  }
  return Object.fromEntries(
    Object.entries(shapes)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([type, kinds]) => [type, [...kinds].sort()]),
  );
}

const transactionKinds = (events: SessionEvent[]) =>
  [...new Set(transactionsOf(events).map((group) => group.map(kindOf).join(' → ')))].sort();

type State = { status: string | null; step: string | null; version: number };

/**
 * Replays one session's log: each transaction's events must carry the status and step its
 * transitions lead to, and the version one past the transaction before. Answers where it ends.
 */
function replayStamps(events: SessionEvent[], problems: string[]): State {
  const state: State = { status: null, step: null, version: 0 };
  for (const group of transactionsOf(events)) {
    for (const event of group) {
      if (event.type === 'SESSION_STARTED') Object.assign(state, { status: event.toStatus, step: event.toStep });
      if (event.type === 'STEP_CHANGED') {
        if (event.fromStep !== state.step)
          problems.push(`event ${event.id}: from ${event.fromStep}, was ${state.step}`);
        state.step = event.toStep;
      }
      if (event.type === 'STATUS_CHANGED') {
        if (event.fromStatus !== state.status)
          problems.push(`event ${event.id}: from ${event.fromStatus}, was ${state.status}`);
        state.status = event.toStatus;
      }
    }
    state.version += 1;
    for (const event of group) {
      const stamped = `${event.sessionStatus}/${event.sessionStep} v${event.sessionVersion}`;
      const after = `${state.status}/${state.step} v${state.version}`;
      if (stamped !== after)
        problems.push(`event ${event.id} ${event.type}: stamped ${stamped}, just after it ${after}`);
    }
  }
  return state;
}

function bySession(events: SessionEvent[]): Map<string, SessionEvent[]> {
  const sessions = new Map<string, SessionEvent[]>();
  for (const event of events) sessions.set(event.sessionId, [...(sessions.get(event.sessionId) ?? []), event]);
  return sessions;
}

// The first test waits for the demo seed and the live story (fixtures): about 30 s on PGlite, more on a busy machine.
describe('seeded events', { timeout: 180_000 }, () => {
  it('carry, per event type, the payload keys and the actor live events carry', ({ seeded, live }) => {
    expect(typeShapes(seeded.events)).toEqual(typeShapes(live));
  });

  it('come in the same transactions, in the same order, as live ones', ({ seeded, live }) => {
    expect(transactionKinds(seeded.events)).toEqual(transactionKinds(live));
  });

  it("carry the session's status, step and version just after their own transaction, as live ones do", ({
    seeded,
    live,
  }) => {
    const problems: string[] = [];
    for (const events of bySession(live).values()) replayStamps(events, problems);
    expect(problems).toEqual([]);

    const rows = new Map(seeded.sessions.map((session) => [session.id, session]));
    for (const [sessionId, events] of bySession(seeded.events)) {
      const end = replayStamps(events, problems);
      const row = rows.get(sessionId) as ChatSession;
      expect(end, sessionId).toEqual({ status: row.status, step: row.currentStep, version: row.version });
    }
    expect(problems).toEqual([]);
    // Stamped with history, not with the end: most events were written before their session's last state.
    const final = seeded.events.filter((event) => {
      const row = rows.get(event.sessionId) as ChatSession;
      return event.sessionVersion === row.version;
    });
    expect(final.length).toBeLessThan(seeded.events.length / 4);
  });

  it('follow the stream cursor in time, as live ones do', ({ seeded }) => {
    for (const [i, event] of seeded.events.entries())
      if (i > 0) expect(event.createdAt >= (seeded.events[i - 1] as SessionEvent).createdAt).toBe(true);
  });
});
