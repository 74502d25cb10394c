import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import type { Agent, Client, SessionStatus, WorkflowStep } from '../src/generated/prisma/client.js';
import { STEP_ORDER } from '../src/modules/session/workflow.js';
import type { SessionFilter, SessionOrder } from './generated/graphql.js';
import { graphql } from './generated/index.js';
import type { TestDatabase } from './harness/database.js';
import { createAgent, unique } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';
import { execute } from './harness/graphql.js';
import { callerFor, globalId } from './harness/workflow.js';

/**
 * The `sessions` connection (DESIGN §4): orderings, filters, page sizes and cursors.
 * Every expectation is computed here from the rows in the database (sorted and filtered in
 * plain TypeScript), never from another answer of the API.
 */

const SessionPage = graphql(`
  query QueriesSessionPage(
    $first: Int
    $after: String
    $last: Int
    $before: String
    $filter: SessionFilter
    $orderBy: SessionOrder
  ) {
    sessions(first: $first, after: $after, last: $last, before: $before, filter: $filter, orderBy: $orderBy) {
      totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { id } }
    }
  }
`);

const SessionMessages = graphql(`
  query QueriesSessionMessages($tripId: String!, $first: Int, $after: String) {
    sessions(first: 1, filter: { avinodeTripId: $tripId }) {
      edges {
        node {
          conversation {
            messages(first: $first, after: $after) {
              totalCount
              pageInfo { hasNextPage endCursor }
              edges { node { id createdAt } }
            }
          }
        }
      }
    }
  }
`);

const STATUSES: SessionStatus[] = ['ACTIVE', 'PAUSED', 'COMPLETED', 'ARCHIVED'];
const STEPS = STEP_ORDER;
const BROKER_SESSIONS = 24;
const BULK_SESSIONS = 105;
const BASE = Date.UTC(2026, 5, 1, 12, 0, 0);
const HOUR = 3_600_000;

/** A session row with what the filters and orderings look at, as the expectations need it. */
type Row = {
  id: string;
  status: SessionStatus;
  currentStep: WorkflowStep;
  avinodeTripId: string | null;
  avinodeRfqId: string | null;
  lastActivityAt: Date;
  startedAt: Date;
  updatedAt: Date;
  subject: string | null;
  clientId: string | null;
  companyName: string | null;
};

/** Trip and RFQ ids shared by two of the broker's sessions (and, for the trip, another broker's). */
const sharedTripId = unique('atrip-shared-');
const sharedRfqId = unique('arfq-shared-');
/** The trip of the broker's session whose conversation has the messages. */
const messagesTripId = unique('atrip-messages-');

/** The broker's two clients (see the `clients` fixture). */
type Clients = { repeatClient: Client; zephyrClient: Client };

type SessionSpec = {
  status: SessionStatus;
  step: WorkflowStep;
  lastActivityAt: Date;
  startedAt: Date;
  updatedAt: Date;
  subject?: string | null;
  tripId?: string | null;
  rfqId?: string | null;
  client?: Client | null;
  withRequest?: boolean;
};

/** One session with its own conversation (and a trip request when a client is given). */
async function createSession(database: TestDatabase, agent: Agent, spec: SessionSpec): Promise<string> {
  const { prisma } = database;
  const conversation = await prisma.conversation.create({
    data: { agentId: agent.id, subject: spec.subject === undefined ? unique('Trip ') : spec.subject },
  });
  const request =
    spec.client || spec.withRequest
      ? await prisma.tripRequest.create({
          data: { agentId: agent.id, clientId: spec.client?.id ?? null, tripType: 'ONE_WAY', passengers: 2 },
        })
      : null;
  const session = await prisma.chatSession.create({
    data: {
      agentId: agent.id,
      conversationId: conversation.id,
      requestId: request?.id ?? null,
      status: spec.status,
      currentStep: spec.step,
      avinodeTripId: spec.tripId === undefined ? unique('atrip-') : spec.tripId,
      avinodeRfqId: spec.rfqId === undefined ? unique('arfq-') : spec.rfqId,
      lastActivityAt: spec.lastActivityAt,
      startedAt: spec.startedAt,
    },
  });
  // updated_at is Prisma's @updatedAt, which the client would overwrite; set it in SQL.
  await prisma.$executeRaw`UPDATE chat_sessions SET updated_at = ${spec.updatedAt} WHERE id = ${session.id}::uuid`;
  return session.id;
}

/** The agent's sessions as stored, with what filters look at. */
async function rowsOf(database: TestDatabase, agent: Agent): Promise<Row[]> {
  const sessions = await database.prisma.chatSession.findMany({
    where: { agentId: agent.id },
    include: { conversation: true, request: { include: { client: true } } },
  });
  return sessions.map((session) => ({
    id: session.id,
    status: session.status,
    currentStep: session.currentStep,
    avinodeTripId: session.avinodeTripId,
    avinodeRfqId: session.avinodeRfqId,
    lastActivityAt: session.lastActivityAt,
    startedAt: session.startedAt,
    updatedAt: session.updatedAt,
    subject: session.conversation.subject,
    clientId: session.request?.clientId ?? null,
    companyName: session.request?.client?.companyName ?? null,
  }));
}

const ORDER_COLUMN = { LAST_ACTIVITY_AT: 'lastActivityAt', STARTED_AT: 'startedAt', UPDATED_AT: 'updatedAt' } as const;

/** The documented order: the chosen timestamp, then the id, both in the chosen direction (newest activity first by default). */
function sorted(rows: Row[], order?: SessionOrder): string[] {
  const column = ORDER_COLUMN[order?.field ?? 'LAST_ACTIVITY_AT'];
  const sign = order?.direction === 'ASC' ? 1 : -1;
  return [...rows]
    .sort((a, b) => {
      const byTime = a[column].getTime() - b[column].getTime();
      // PostgreSQL compares uuids byte by byte, which is the order of their lower-case hex text.
      return sign * (byTime !== 0 ? byTime : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    })
    .map((row) => globalId('ChatSession', row.id));
}

const ids = (page: { edges: Array<{ node: { id: string } }> }) => page.edges.map((edge) => edge.node.id);
const contains = (text: string | null, part: string) => text?.toLowerCase().includes(part.toLowerCase()) === true;

type Caller = ReturnType<typeof callerFor>;

/** Follows `after` cursors to the end; checks totalCount and hasNextPage on every page. */
async function pageForward(
  asBroker: Caller,
  size: number,
  variables: { filter?: SessionFilter; orderBy?: SessionOrder },
) {
  const pages: string[][] = [];
  let after: string | null | undefined;
  for (;;) {
    const { sessions } = await asBroker(SessionPage, { ...variables, first: size, after });
    pages.push(ids(sessions));
    if (!sessions.pageInfo.hasNextPage) return { pages, totalCount: sessions.totalCount };
    expect(sessions.edges).toHaveLength(size);
    expect(sessions.pageInfo.endCursor).toBe(sessions.edges.at(-1)?.cursor);
    after = sessions.pageInfo.endCursor;
    expect(pages.length).toBeLessThan(50);
  }
}

/** Follows `before` cursors back to the start; pages are returned in list order. */
async function pageBackward(
  asBroker: Caller,
  size: number,
  variables: { filter?: SessionFilter; orderBy?: SessionOrder },
) {
  const pages: string[][] = [];
  let before: string | null | undefined;
  for (;;) {
    const { sessions } = await asBroker(SessionPage, { ...variables, last: size, before });
    pages.unshift(ids(sessions));
    if (!sessions.pageInfo.hasPreviousPage) return { pages, totalCount: sessions.totalCount };
    expect(sessions.edges).toHaveLength(size);
    expect(sessions.pageInfo.startCursor).toBe(sessions.edges[0]?.cursor);
    before = sessions.pageInfo.startCursor;
    expect(pages.length).toBeLessThan(50);
  }
}

function chunks(list: string[], size: number): string[][] {
  const result: string[][] = [];
  for (let index = 0; index < list.length; index += size) result.push(list.slice(index, index + size));
  return result;
}

/** `size`-long pages counted from the end of the list, as `last`/`before` walks it. */
function chunksFromEnd(list: string[], size: number): string[][] {
  const result: string[][] = [];
  for (let end = list.length; end > 0; end -= size) result.unshift(list.slice(Math.max(0, end - size), end));
  return result;
}

const it = base
  .extend('broker', { scope: 'file' }, async ({ database }) => createAgent(database.prisma))
  .extend('otherBroker', { scope: 'file' }, async ({ database }) => createAgent(database.prisma))
  .extend('bulkBroker', { scope: 'file' }, async ({ database }) => createAgent(database.prisma))
  .extend('admin', { scope: 'file' }, async ({ database }) => createAgent(database.prisma, 'ADMIN'))
  .extend('asBroker', { scope: 'file' }, async ({ server, broker }) =>
    callerFor(server, await server.tokenFor(broker.authSubject)),
  )
  .extend('asBulkBroker', { scope: 'file' }, async ({ server, bulkBroker }) =>
    callerFor(server, await server.tokenFor(bulkBroker.authSubject)),
  )
  .extend('asAdmin', { scope: 'file' }, async ({ server, admin }) =>
    callerFor(server, await server.tokenFor(admin.authSubject)),
  )
  /** The broker's two clients: a repeat one on three sessions, and ZEPHYR on one. */
  .extend('clients', { scope: 'file' }, async ({ database, broker }) => {
    const { prisma } = database;
    const tag = unique();
    const repeatClient = await prisma.client.create({
      data: {
        agentId: broker.id,
        companyName: `Repeat Flyers ${tag}`,
        contactName: 'Ren',
        email: `ren-${tag}@test.example`,
      },
    });
    const zephyrClient = await prisma.client.create({
      data: {
        agentId: broker.id,
        companyName: 'ZEPHYR Aviation Holdings',
        contactName: 'Zoe',
        email: `zoe-${tag}@test.example`,
      },
    });
    return { repeatClient, zephyrClient };
  })
  /** Every session and message the tests list, stored before the file's first test. */
  .extend(
    'stored',
    { scope: 'file', auto: true },
    async ({ database, broker, otherBroker, bulkBroker, clients: { repeatClient, zephyrClient } }) => {
      const { prisma } = database;
      // 24 sessions whose three timestamps are independent permutations (7, 5 and 11 are coprime
      // with 24), so each ordering gives a different list; a few deliberate ties check that the
      // id breaks them. Statuses and steps cycle with different periods, so filters combine.
      for (let index = 0; index < BROKER_SESSIONS; index++) {
        const tiedActivity = index === 4 || index === 5;
        const tiedStart = index === 8 || index === 9 || index === 10;
        const spec: SessionSpec = {
          status: STATUSES[index % STATUSES.length] as SessionStatus,
          step: STEPS[index % STEPS.length] as WorkflowStep,
          lastActivityAt: new Date(BASE + (tiedActivity ? 100 : (index * 7) % BROKER_SESSIONS) * HOUR),
          startedAt: new Date(BASE - (tiedStart ? 100 : (index * 5) % BROKER_SESSIONS) * 24 * HOUR),
          updatedAt: new Date(BASE + ((index * 11) % BROKER_SESSIONS) * 60_000),
        };
        if (index === 1 || index === 8 || index === 15) spec.client = repeatClient;
        if (index === 6) Object.assign(spec, { client: zephyrClient, subject: 'Charter for the board' });
        if (index === 7) Object.assign(spec, { withRequest: true, subject: null });
        if (index === 12) spec.subject = 'zephyr cove weekend';
        if (index === 10) spec.subject = 'Gulfstream to ASPEN ski week';
        if (index === 11) spec.subject = 'aspen return';
        // LIKE wildcards in the search text must match themselves only.
        if (index === 13) spec.subject = 'Deal 100% confirmed';
        if (index === 14) spec.subject = '1000 nm hop_over';
        if (index === 17) spec.subject = 'Workshop visit';
        if (index === 2 || index === 9) Object.assign(spec, { tripId: sharedTripId, rfqId: sharedRfqId });
        // Longer ids that start with the shared ones: trip and RFQ filters are exact, not prefixes.
        if (index === 3) Object.assign(spec, { tripId: `${sharedTripId}-b`, rfqId: `${sharedRfqId}-b` });
        if (index === 16) Object.assign(spec, { tripId: null, rfqId: null });
        if (index === 0) spec.tripId = messagesTripId;
        await createSession(database, broker, spec);
      }

      // Another broker's sessions, one on the shared trip with a matching subject: never in the broker's answers.
      for (let index = 0; index < 3; index++) {
        await createSession(database, otherBroker, {
          status: 'ACTIVE',
          step: 'REQUESTING_QUOTES',
          lastActivityAt: new Date(BASE + (50 + index) * HOUR),
          startedAt: new Date(BASE),
          updatedAt: new Date(BASE),
          subject: 'Aspen too',
          tripId: index === 0 ? sharedTripId : undefined,
        });
      }

      // Enough sessions for the page-size limits, written in two statements.
      const conversations = Array.from({ length: BULK_SESSIONS }, () => ({ id: randomUUID(), agentId: bulkBroker.id }));
      await prisma.conversation.createMany({ data: conversations });
      await prisma.chatSession.createMany({
        data: conversations.map((conversation, index) => ({
          agentId: bulkBroker.id,
          conversationId: conversation.id,
          lastActivityAt: new Date(BASE + index * 60_000),
        })),
      });

      // The first session's conversation: messages stored out of time order, two at the same
      // instant (minute 3) that fall on either side of the first page of four.
      const session = await prisma.chatSession.findFirstOrThrow({
        where: { avinodeTripId: messagesTripId },
        select: { conversationId: true },
      });
      for (const minute of [3, 1, 5, 3, 6, 4, 0]) {
        await prisma.message.create({
          data: {
            conversationId: session.conversationId,
            senderType: 'AGENT',
            content: `at minute ${minute}`,
            createdAt: new Date(BASE + minute * 60_000),
          },
        });
      }
    },
  );

describe('ordering', () => {
  const orders: Array<[string, SessionOrder | undefined]> = [
    ['newest activity first by default', undefined],
    ['lastActivityAt, DESC when no direction is given', { field: 'LAST_ACTIVITY_AT' }],
    ['lastActivityAt ascending', { field: 'LAST_ACTIVITY_AT', direction: 'ASC' }],
    ['startedAt descending', { field: 'STARTED_AT', direction: 'DESC' }],
    ['startedAt ascending', { field: 'STARTED_AT', direction: 'ASC' }],
    ['updatedAt descending', { field: 'UPDATED_AT', direction: 'DESC' }],
    ['updatedAt ascending', { field: 'UPDATED_AT', direction: 'ASC' }],
  ];

  it.for(orders)('lists %s, ties broken by id', async ([, orderBy], { database, broker, asBroker }) => {
    const expected = sorted(await rowsOf(database, broker), orderBy);
    const { sessions } = await asBroker(SessionPage, { first: 100, orderBy });
    expect(sessions.totalCount).toBe(BROKER_SESSIONS);
    expect(ids(sessions)).toEqual(expected);
  });

  it('gives each ordering a different list, so the tests above tell them apart', async ({ database, broker }) => {
    const rows = await rowsOf(database, broker);
    const lists = orders.slice(2).map(([, orderBy]) => sorted(rows, orderBy).join());
    expect(new Set([sorted(rows).join(), ...lists]).size).toBe(orders.length - 1);
  });
});

describe('filters', () => {
  /** Each filter with the rows it should keep; the broker's clients are the file's. */
  const cases: Array<[string, (clients: Clients) => SessionFilter, (row: Row, clients: Clients) => boolean]> = [
    [
      'any of several statuses',
      () => ({ status: ['PAUSED', 'COMPLETED'] }),
      (row) => ['PAUSED', 'COMPLETED'].includes(row.status),
    ],
    ['a single status', () => ({ status: ['ARCHIVED'] }), (row) => row.status === 'ARCHIVED'],
    [
      'any of several steps',
      () => ({ step: ['SEARCHING_AIRCRAFT', 'PROPOSAL_SENT'] }),
      (row) => ['SEARCHING_AIRCRAFT', 'PROPOSAL_SENT'].includes(row.currentStep),
    ],
    [
      'status and step together (all conditions hold)',
      () => ({ status: ['ACTIVE'], step: ['UNDERSTANDING_REQUEST', 'ANALYZING_QUOTES'] }),
      (row) => row.status === 'ACTIVE' && ['UNDERSTANDING_REQUEST', 'ANALYZING_QUOTES'].includes(row.currentStep),
    ],
    [
      'an Avinode trip id, exactly',
      () => ({ avinodeTripId: sharedTripId }),
      (row) => row.avinodeTripId === sharedTripId,
    ],
    ['an Avinode RFQ id, exactly', () => ({ avinodeRfqId: sharedRfqId }), (row) => row.avinodeRfqId === sharedRfqId],
    [
      'a client',
      ({ repeatClient }) => ({ clientId: globalId('Client', repeatClient.id) }),
      (row, { repeatClient }) => row.clientId === repeatClient.id,
    ],
    [
      'last activity in a range',
      () => ({
        lastActivityAfter: new Date(BASE + 5.5 * HOUR).toISOString(),
        lastActivityBefore: new Date(BASE + 15.5 * HOUR).toISOString(),
      }),
      (row) => row.lastActivityAt.getTime() > BASE + 5.5 * HOUR && row.lastActivityAt.getTime() < BASE + 15.5 * HOUR,
    ],
    [
      'last activity after an instant',
      () => ({ lastActivityAfter: new Date(BASE + 20.5 * HOUR).toISOString() }),
      (row) => row.lastActivityAt.getTime() > BASE + 20.5 * HOUR,
    ],
    [
      'last activity before an instant',
      () => ({ lastActivityBefore: new Date(BASE + 2.5 * HOUR).toISOString() }),
      (row) => row.lastActivityAt.getTime() < BASE + 2.5 * HOUR,
    ],
    ['subject text, in any case', () => ({ search: 'aSpEn' }), (row) => contains(row.subject, 'aspen')],
    [
      'client company text, in any case, as well as subject text',
      () => ({ search: 'ZePhYr' }),
      (row) => contains(row.subject, 'zephyr') || contains(row.companyName, 'zephyr'),
    ],
    // The search text sits inside ILIKE '%…%': `%` and `_` must match themselves, or
    // "100%" would also find "1000 nm hop_over" and a search of "%" every session.
    ['a literal % in the search text', () => ({ search: '100%' }), (row) => contains(row.subject, '100%')],
    ['a literal _ in the search text', () => ({ search: 'hop_' }), (row) => contains(row.subject, 'hop_')],
  ];

  it.for(cases)('keeps the sessions matching %s', async ([, filter, keep], { database, broker, asBroker, clients }) => {
    const expected = sorted((await rowsOf(database, broker)).filter((row) => keep(row, clients)));
    // A filter that matches nothing or everything would prove nothing.
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(BROKER_SESSIONS);
    const { sessions } = await asBroker(SessionPage, { first: 100, filter: filter(clients) });
    expect(ids(sessions)).toEqual(expected);
    expect(sessions.totalCount).toBe(expected.length);
  });

  it("filters an admin's list by agent", async ({ database, broker, otherBroker, asAdmin }) => {
    for (const agent of [broker, otherBroker]) {
      const expected = sorted(await rowsOf(database, agent));
      const { sessions } = await asAdmin(SessionPage, { first: 100, filter: { agentId: globalId('Agent', agent.id) } });
      expect(ids(sessions)).toEqual(expected);
      expect(sessions.totalCount).toBe(expected.length);
    }
    // Without the filter the admin sees every agent's sessions.
    const all = await asAdmin(SessionPage, { first: 1 });
    expect(all.sessions.totalCount).toBe(await database.prisma.chatSession.count());
  });
});

describe('page sizes', () => {
  it('answers 20 sessions when no size is given', async ({ database, bulkBroker, asBulkBroker }) => {
    const expected = sorted(await rowsOf(database, bulkBroker));
    const { sessions } = await asBulkBroker(SessionPage, {});
    expect(ids(sessions)).toEqual(expected.slice(0, 20));
    expect(sessions.totalCount).toBe(BULK_SESSIONS);
    expect(sessions.pageInfo.hasNextPage).toBe(true);
  });

  it('answers up to 100 sessions from either end', async ({ database, bulkBroker, asBulkBroker }) => {
    const expected = sorted(await rowsOf(database, bulkBroker));
    const first = await asBulkBroker(SessionPage, { first: 100 });
    expect(ids(first.sessions)).toEqual(expected.slice(0, 100));
    expect(first.sessions.pageInfo.hasNextPage).toBe(true);
    const last = await asBulkBroker(SessionPage, { last: 100 });
    expect(ids(last.sessions)).toEqual(expected.slice(-100));
    expect(last.sessions.pageInfo.hasPreviousPage).toBe(true);
  });

  it.for(['first', 'last'] as const)(
    'refuses %s: 101 with PAGE_SIZE_EXCEEDED instead of a shorter page',
    async (argument, { server, bulkBroker }) => {
      const token = await server.tokenFor(bulkBroker.authSubject);
      const result = await execute(server.url, SessionPage, { [argument]: 101 }, token);
      const shown = JSON.stringify(result);
      // A request error (no data at all), so a client cannot mistake 100 rows for everything.
      expect(result.data ?? null, shown).toBeNull();
      expect(result.errors, shown).toHaveLength(1);
      expect(result.errors?.[0]?.extensions, shown).toMatchObject({
        code: 'PAGE_SIZE_EXCEEDED',
        argument,
        maximum: 100,
      });
    },
  );

  it('refuses more than 100 messages in a nested connection too', async ({ server, broker }) => {
    const token = await server.tokenFor(broker.authSubject);
    const result = await execute(server.url, SessionMessages, { tripId: messagesTripId, first: 101 }, token);
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'PAGE_SIZE_EXCEEDED', argument: 'first' });
  });
});

describe('cursor pagination', () => {
  const walks: Array<[string, { filter?: SessionFilter; orderBy?: SessionOrder }]> = [
    ['the default order', {}],
    ['startedAt ascending, across its ties', { orderBy: { field: 'STARTED_AT', direction: 'ASC' } }],
    ['a filter', { filter: { status: ['ACTIVE', 'PAUSED', 'ARCHIVED'] }, orderBy: { field: 'UPDATED_AT' } }],
  ];

  /** The broker's rows a walk must return, in the order it asks for: what the database holds, filtered and sorted here. */
  const expectedOrder = async (
    database: Parameters<typeof rowsOf>[0],
    broker: Parameters<typeof rowsOf>[1],
    { filter, orderBy }: { filter?: SessionFilter; orderBy?: SessionOrder },
  ) => {
    const rows = (await rowsOf(database, broker)).filter(
      (row) => !filter?.status || filter.status.includes(row.status),
    );
    return sorted(rows, orderBy);
  };

  it.for(walks)(
    'walks forward with first/after over %s without gap or overlap',
    async ([, variables], { database, broker, asBroker }) => {
      const expected = await expectedOrder(database, broker, variables);
      const { pages, totalCount } = await pageForward(asBroker, 5, variables);
      expect(pages).toEqual(chunks(expected, 5));
      expect(totalCount).toBe(expected.length);
    },
  );

  it.for(walks)(
    'walks backward with last/before over %s without gap or overlap',
    async ([, variables], { database, broker, asBroker }) => {
      const expected = await expectedOrder(database, broker, variables);
      const { pages, totalCount } = await pageBackward(asBroker, 5, variables);
      expect(pages).toEqual(chunksFromEnd(expected, 5));
      expect(totalCount).toBe(expected.length);
    },
  );

  it('reports the whole filtered count on every page, not the page length', async ({ database, broker, asBroker }) => {
    const expected = sorted((await rowsOf(database, broker)).filter((row) => row.status === 'ACTIVE'));
    const first = await asBroker(SessionPage, { first: 2, filter: { status: ['ACTIVE'] } });
    const next = await asBroker(SessionPage, {
      first: 2,
      after: first.sessions.pageInfo.endCursor,
      filter: { status: ['ACTIVE'] },
    });
    expect([...ids(first.sessions), ...ids(next.sessions)]).toEqual(expected.slice(0, 4));
    expect(first.sessions.totalCount).toBe(expected.length);
    expect(next.sessions.totalCount).toBe(expected.length);
  });
});

describe("a session's messages", () => {
  it('come newest first, ties broken by id, and page on', async ({ database, asBroker }) => {
    const session = await database.prisma.chatSession.findFirstOrThrow({ where: { avinodeTripId: messagesTripId } });
    const stored = await database.prisma.message.findMany({ where: { conversationId: session.conversationId } });
    const expected = stored
      .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      .map((message) => ({ id: globalId('Message', message.id), createdAt: message.createdAt.toISOString() }));

    const first = await asBroker(SessionMessages, { tripId: messagesTripId, first: 4 });
    const messages = first.sessions.edges[0]?.node.conversation.messages;
    expect(messages?.totalCount).toBe(stored.length);
    expect(messages?.edges.map((edge) => edge.node)).toEqual(expected.slice(0, 4));
    expect(messages?.pageInfo.hasNextPage).toBe(true);

    const rest = await asBroker(SessionMessages, {
      tripId: messagesTripId,
      first: 4,
      after: messages?.pageInfo.endCursor,
    });
    const more = rest.sessions.edges[0]?.node.conversation.messages;
    expect(more?.edges.map((edge) => edge.node)).toEqual(expected.slice(4));
    expect(more?.pageInfo.hasNextPage).toBe(false);
  });
});
