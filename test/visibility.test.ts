import { describe, expect } from 'vitest';
import { type Agent, Prisma } from '../src/generated/prisma/client.js';
import { graphql } from './generated/index.js';
import type { TestDatabase } from './harness/database.js';
import { createAgent, createOperator, createSessionGraph, unique } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';
import { execute } from './harness/graphql.js';
import { callerFor, globalId } from './harness/workflow.js';

/**
 * DESIGN §5: an AGENT sees only its own data, an ADMIN everything. Each Node type is
 * scoped by its own rule in src/modules/visibility.ts (ownedBy, ownedViaConversation,
 * ownedViaRequest, operatorVisibleTo, agentVisibleTo), applied in the type's findUnique;
 * the session list and the stats are scoped by sessionWhere. Every rule below has a test
 * that reads another agent's row by its id and would see it if that rule's filter went.
 */

const NodeById = graphql(`
  query VisibilityNode($id: ID!) {
    node(id: $id) { __typename id }
  }
`);

const NodesByIds = graphql(`
  query VisibilityNodes($ids: [ID!]!) {
    nodes(ids: $ids) { __typename id }
  }
`);

const SessionById = graphql(`
  query VisibilitySession($id: ID!) {
    session(id: $id) { id }
  }
`);

const SessionList = graphql(`
  query VisibilitySessions($first: Int, $filter: SessionFilter) {
    sessions(first: $first, filter: $filter) {
      totalCount
      edges { node { id agent { id } } }
    }
  }
`);

const Stats = graphql(`
  query VisibilityStats($filter: SessionFilter) {
    sessionStats(filter: $filter) {
      total quotesReceived quotesExpected messages
      byStatus { status count }
    }
  }
`);

const SessionCount = graphql(`
  query VisibilitySessionCount($filter: SessionFilter) {
    sessions(first: 1, filter: $filter) { totalCount }
  }
`);

const StatsTotal = graphql(`
  query VisibilityStatsTotal($filter: SessionFilter) {
    sessionStats(filter: $filter) { total }
  }
`);

/** The Node types that belong to one agent: a session and everything under it. */
const OWNED_TYPES = [
  'ChatSession',
  'Conversation',
  'Message',
  'TripRequest',
  'TripLeg',
  'Quote',
  'Proposal',
  'Client',
  'SessionEvent',
] as const;
type OwnedType = (typeof OWNED_TYPES)[number];
type Graph = Awaited<ReturnType<typeof createSessionGraph>>;

/** Global ids of every owned type in one session graph, read from its rows. */
async function globalIdsOf(database: TestDatabase, graph: Graph): Promise<Record<OwnedType, string>> {
  const { prisma } = database;
  const message = await prisma.message.findFirstOrThrow({ where: { conversationId: graph.conversation.id } });
  const leg = await prisma.tripLeg.findFirstOrThrow({ where: { requestId: graph.request.id } });
  const event = await prisma.sessionEvent.findFirstOrThrow({ where: { sessionId: graph.session.id } });
  if (!graph.proposal || !graph.quotes[0]) throw new Error('the factory graph has a proposal and quotes');
  return {
    ChatSession: globalId('ChatSession', graph.session.id),
    Conversation: globalId('Conversation', graph.conversation.id),
    Message: globalId('Message', message.id),
    TripRequest: globalId('TripRequest', graph.request.id),
    TripLeg: globalId('TripLeg', leg.id),
    Quote: globalId('Quote', graph.quotes[0].id),
    Proposal: globalId('Proposal', graph.proposal.id),
    Client: globalId('Client', graph.client.id),
    // Events are numbered: their id is the stream cursor, not a UUID.
    SessionEvent: globalId('SessionEvent', event.id.toString()),
  };
}

const it = base.extend('seeded', { scope: 'file' }, async ({ server, database }) => {
  const { prisma } = database;
  const agent1 = await createAgent(prisma);
  const agent2 = await createAgent(prisma);
  const admin = await createAgent(prisma, 'ADMIN');
  const asAgent1 = callerFor(server, await server.tokenFor(agent1.authSubject));
  const asAgent2 = callerFor(server, await server.tokenFor(agent2.authSubject));
  const asAdmin = callerFor(server, await server.tokenFor(admin.authSubject));

  const agent1Graph = await createSessionGraph(prisma, agent1, { subject: 'Agent one to Nice' });
  // agent2 has more sessions, quotes and messages than agent1, and one of them paused, so
  // any of them leaking into agent1's list or stats changes the figures.
  const agent2Graphs = [
    await createSessionGraph(prisma, agent2, { subject: 'Agent two Zermatt retreat', quotes: 3, messages: 5 }),
    await createSessionGraph(prisma, agent2, { quotes: 1 }),
    await createSessionGraph(prisma, agent2, { withProposal: false }),
  ];
  await prisma.chatSession.update({
    where: { id: agent2Graphs[1]?.session.id ?? '' },
    data: { status: 'PAUSED', quotesExpectedCount: 4 },
  });
  // One global id of each owned type, from agent1's and from agent2's data.
  const mine = await globalIdsOf(database, agent1Graph);
  const theirs = await globalIdsOf(database, agent2Graphs[0] as Graph);

  // The factory gives every graph an operator of its own, so agent2's is one agent1 never dealt with.
  const agent2Quote = await prisma.quote.findUniqueOrThrow({ where: { id: agent2Graphs[0]?.quotes[0]?.id ?? '' } });
  // Operators: one that quoted only on agent2's trips, one on both agents' trips, one on none.
  const agent2OnlyOperator = globalId('Operator', agent2Quote.operatorId);
  const shared = await createOperator(prisma);
  for (const graph of [agent1Graph, agent2Graphs[0] as Graph]) {
    await prisma.quote.create({
      data: {
        requestId: graph.request.id,
        operatorId: shared.id,
        avinodeQuoteId: unique('aquote-'),
        aircraftType: 'Global 6000',
        totalPrice: new Prisma.Decimal('120000.00'),
      },
    });
  }
  const sharedOperator = globalId('Operator', shared.id);
  const idleOperator = globalId('Operator', (await createOperator(prisma)).id);
  return {
    agent1,
    agent2,
    admin,
    asAgent1,
    asAgent2,
    asAdmin,
    mine,
    theirs,
    agent2Graphs,
    agent2OnlyOperator,
    sharedOperator,
    idleOperator,
  };
});

describe("node(id) never hands an agent another agent's object", () => {
  it.for(OWNED_TYPES)(
    "answers null for another agent's %s, which its owner and an admin see",
    async (type, { seeded: { asAgent1, asAgent2, asAdmin, theirs } }) => {
      const id = theirs[type];
      // expectData fails on any error: a hidden object is simply not found.
      expect((await asAgent1(NodeById, { id })).node).toBeNull();
      expect((await asAgent2(NodeById, { id })).node).toEqual({ __typename: type, id });
      expect((await asAdmin(NodeById, { id })).node).toEqual({ __typename: type, id });
    },
  );

  it.for(OWNED_TYPES)('still answers an agent its own %s', async (type, { seeded: { asAgent1, mine } }) => {
    const id = mine[type];
    expect((await asAgent1(NodeById, { id })).node).toEqual({ __typename: type, id });
  });

  it('shows an agent only itself among agents, admins every agent', async ({
    seeded: { agent1, agent2, admin, asAgent1, asAdmin },
  }) => {
    const [self, other, anAdmin] = [agent1, agent2, admin].map((agent) => globalId('Agent', agent.id));
    expect((await asAgent1(NodeById, { id: self as string })).node).toEqual({ __typename: 'Agent', id: self });
    expect((await asAgent1(NodeById, { id: other as string })).node).toBeNull();
    expect((await asAgent1(NodeById, { id: anAdmin as string })).node).toBeNull();
    expect((await asAdmin(NodeById, { id: other as string })).node).toEqual({ __typename: 'Agent', id: other });
  });

  it('shows an agent only the operators that quoted on its own trips', async ({
    seeded: { asAgent1, asAgent2, asAdmin, agent2OnlyOperator, sharedOperator, idleOperator },
  }) => {
    // Operators are shared reference data, so the rule is "has quoted for you", not ownership.
    expect((await asAgent1(NodeById, { id: sharedOperator })).node).toEqual({
      __typename: 'Operator',
      id: sharedOperator,
    });
    expect((await asAgent1(NodeById, { id: agent2OnlyOperator })).node).toBeNull();
    expect((await asAgent1(NodeById, { id: idleOperator })).node).toBeNull();
    expect((await asAgent2(NodeById, { id: agent2OnlyOperator })).node?.id).toBe(agent2OnlyOperator);
    for (const id of [sharedOperator, agent2OnlyOperator, idleOperator]) {
      expect((await asAdmin(NodeById, { id })).node).toEqual({ __typename: 'Operator', id });
    }
  });

  it("answers session(id) with null for another agent's session", async ({ seeded: { asAgent1, asAdmin, theirs } }) => {
    expect((await asAgent1(SessionById, { id: theirs.ChatSession })).session).toBeNull();
    expect((await asAdmin(SessionById, { id: theirs.ChatSession })).session?.id).toBe(theirs.ChatSession);
  });
});

describe('nodes(ids) with ids of both agents', () => {
  /** Every type, agent1's object then agent2's, plus the agents and operators. */
  function mixedIds(seeded: {
    mine: Record<OwnedType, string>;
    theirs: Record<OwnedType, string>;
    agent1: Agent;
    agent2: Agent;
    sharedOperator: string;
    agent2OnlyOperator: string;
  }) {
    const { mine, theirs, agent1, agent2, sharedOperator, agent2OnlyOperator } = seeded;
    const entries: Array<{ id: string; type: string; visibleToAgent1: boolean }> = [];
    for (const type of OWNED_TYPES) {
      entries.push({ id: mine[type], type, visibleToAgent1: true }, { id: theirs[type], type, visibleToAgent1: false });
    }
    entries.push(
      { id: globalId('Agent', agent1.id), type: 'Agent', visibleToAgent1: true },
      { id: globalId('Agent', agent2.id), type: 'Agent', visibleToAgent1: false },
      { id: sharedOperator, type: 'Operator', visibleToAgent1: true },
      { id: agent2OnlyOperator, type: 'Operator', visibleToAgent1: false },
    );
    return entries;
  }

  it("answers null exactly where the object is another agent's, in order", async ({ seeded }) => {
    const { asAgent1 } = seeded;
    const entries = mixedIds(seeded);
    const result = await asAgent1(NodesByIds, { ids: entries.map((entry) => entry.id) });
    expect(result.nodes).toEqual(
      entries.map((entry) => (entry.visibleToAgent1 ? { __typename: entry.type, id: entry.id } : null)),
    );
  });

  it('answers an admin every one of them', async ({ seeded }) => {
    const { asAdmin } = seeded;
    const entries = mixedIds(seeded);
    const result = await asAdmin(NodesByIds, { ids: entries.map((entry) => entry.id) });
    expect(result.nodes).toEqual(entries.map((entry) => ({ __typename: entry.type, id: entry.id })));
  });
});

describe("the session list and stats never count another agent's sessions", () => {
  it("lists exactly the agent's own sessions", async ({ database, seeded: { agent1, asAgent1 } }) => {
    const own = await database.prisma.chatSession.findMany({ where: { agentId: agent1.id } });
    const list = await asAgent1(SessionList, { first: 100 });
    expect(list.sessions.totalCount).toBe(own.length);
    expect(list.sessions.edges.map((edge) => edge.node.id).sort()).toEqual(
      own.map((session) => globalId('ChatSession', session.id)).sort(),
    );
    expect(new Set(list.sessions.edges.map((edge) => edge.node.agent.id))).toEqual(
      new Set([globalId('Agent', agent1.id)]),
    );
  });

  it("finds nothing when filtering on another agent's client, trip, RFQ or subject", async ({
    seeded: { asAgent1, asAgent2, agent2Graphs },
  }) => {
    const graph = agent2Graphs[0] as Graph;
    const filters = [
      { clientId: globalId('Client', graph.client.id) },
      { avinodeTripId: graph.session.avinodeTripId },
      { avinodeRfqId: graph.session.avinodeRfqId },
      { search: 'zermatt' },
    ];
    for (const filter of filters) {
      const asOwner = await asAgent2(SessionList, { first: 10, filter });
      // The filter does find the session for its owner, so the empty answer below is the scope.
      expect(asOwner.sessions.totalCount, JSON.stringify(filter)).toBe(1);
      const asOther = await asAgent1(SessionList, { first: 10, filter });
      expect(asOther.sessions, JSON.stringify(filter)).toEqual({ totalCount: 0, edges: [] });
    }
  });

  it("counts only the agent's own sessions in sessionStats", async ({ database, seeded: { agent1, asAgent1 } }) => {
    const expected = await database.prisma.chatSession.aggregate({
      where: { agentId: agent1.id },
      _count: { _all: true },
      _sum: { quotesReceivedCount: true, quotesExpectedCount: true, messageCount: true },
    });
    const { sessionStats } = await asAgent1(Stats, {});
    expect(sessionStats.total).toBe(expected._count._all);
    expect(sessionStats.quotesReceived).toBe(expected._sum.quotesReceivedCount);
    expect(sessionStats.quotesExpected).toBe(expected._sum.quotesExpectedCount);
    expect(sessionStats.messages).toBe(expected._sum.messageCount);
    // agent2's paused session must not show up among agent1's statuses.
    expect(sessionStats.byStatus.find((row) => row.status === 'PAUSED')?.count).toBe(0);
  });

  it('counts every agent for an admin', async ({ database, seeded: { asAdmin } }) => {
    const { sessionStats } = await asAdmin(Stats, {});
    expect(sessionStats.total).toBe(await database.prisma.chatSession.count());
  });
});

describe('filtering sessions by agent is for admins only', () => {
  it('refuses an agent the agentId filter, for another agent and for itself alike', async ({
    server,
    seeded: { agent1, agent2 },
  }) => {
    const token = await server.tokenFor(agent1.authSubject);
    for (const agent of [agent2, agent1]) {
      const filter = { agentId: globalId('Agent', agent.id) };
      const results = [
        await execute(server.url, SessionCount, { filter }, token),
        await execute(server.url, StatsTotal, { filter }, token),
      ];
      for (const result of results) {
        expect(result.data).toBeNull();
        expect(result.errors).toHaveLength(1);
        expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN', argument: 'filter.agentId' });
      }
    }
  });

  it("gives an admin exactly that agent's sessions", async ({ database, seeded: { agent2, asAdmin } }) => {
    const filter = { agentId: globalId('Agent', agent2.id) };
    const expected = await database.prisma.chatSession.findMany({ where: { agentId: agent2.id } });
    const list = await asAdmin(SessionList, { first: 100, filter });
    expect(list.sessions.edges.map((edge) => edge.node.id).sort()).toEqual(
      expected.map((session) => globalId('ChatSession', session.id)).sort(),
    );
    expect((await asAdmin(StatsTotal, { filter })).sessionStats.total).toBe(expected.length);
  });
});
