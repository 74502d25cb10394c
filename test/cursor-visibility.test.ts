import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { describe, expect } from 'vitest';
import { createAgent, createSessionGraph } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';
import { execute, expectData } from './harness/graphql.js';
import type { TestServer } from './harness/server.js';
import { subscribeSse } from './harness/subscriptions.js';
import { globalId } from './harness/workflow.js';

/**
 * A cursor names a row. One naming a row the viewer cannot see is refused exactly as a
 * cursor naming no row at all, on every connection, so neither its existence nor its
 * position (last activity, time sent, time received) shows through a page.
 */

const NO_ROW = '00000000-0000-7000-8000-000000000000';
const cursorOf = (id: string) => Buffer.from(`GPC:S:${id}`).toString('base64');

const it = base.extend('seeded', { scope: 'file' }, async ({ server, database }) => {
  const owner = await createAgent(database.prisma);
  const other = await createAgent(database.prisma);
  const admin = await createAgent(database.prisma, 'ADMIN');
  const ownerToken = await server.tokenFor(owner.authSubject);
  const otherToken = await server.tokenFor(other.authSubject);
  const adminToken = await server.tokenFor(admin.authSubject);
  const ownerGraph = await createSessionGraph(database.prisma, owner, { messages: 3, quotes: 3 });
  await createSessionGraph(database.prisma, owner);
  const otherGraph = await createSessionGraph(database.prisma, other, { messages: 3, quotes: 3 });
  await createSessionGraph(database.prisma, other);
  return { owner, other, ownerToken, otherToken, adminToken, ownerGraph, otherGraph };
});

type Edges = { edges: Array<{ cursor: string }> };
type Graph = Awaited<ReturnType<typeof createSessionGraph>>;

/** The owner's real cursors, as the API hands them out. */
async function ownerCursors(server: TestServer, ownerGraph: Graph, ownerToken: string) {
  const id = globalId('ChatSession', ownerGraph.session.id);
  const data = await expectData<{ sessions: Edges; session: Record<string, Edges & { quotes?: Edges }> }, unknown>(
    server.url,
    `query ($id: ID!) {
      sessions(first: 1) { edges { cursor } }
      session(id: $id) {
        events(first: 1) { edges { cursor } }
        quotes(first: 1) { edges { cursor } }
        conversation { messages(first: 1) { edges { cursor } } }
        request { quotes(first: 1) { edges { cursor } } }
      }
    }`,
    { id },
    ownerToken,
  );
  const session = data.session as unknown as {
    events: Edges;
    quotes: Edges;
    conversation: { messages: Edges };
    request: { quotes: Edges };
  };
  const first = (connection: Edges) => connection.edges[0]?.cursor as string;
  return {
    session: first(data.sessions),
    event: first(session.events),
    sessionQuote: first(session.quotes),
    message: first(session.conversation.messages),
    requestQuote: first(session.request.quotes),
  };
}

const CONNECTIONS = {
  sessions: (after: string) => ({ query: `{ sessions(first: 5, after: "${after}") { edges { node { id } } } }` }),
  events: (after: string) => ({
    query: `query ($id: ID!) { session(id: $id) { events(first: 5, after: "${after}") { edges { node { id } } } } }`,
  }),
  sessionQuotes: (after: string) => ({
    query: `query ($id: ID!) { session(id: $id) { quotes(first: 5, after: "${after}") { edges { node { id } } } } }`,
  }),
  messages: (after: string) => ({
    query: `query ($id: ID!) { session(id: $id) { conversation { messages(first: 5, after: "${after}") { edges { node { id } } } } } }`,
  }),
  requestQuotes: (after: string) => ({
    query: `query ($id: ID!) { session(id: $id) { request { quotes(first: 5, after: "${after}") { edges { node { id } } } } } }`,
  }),
};

async function page(
  server: TestServer,
  connection: keyof typeof CONNECTIONS,
  after: string,
  token: string,
  sessionUuid: string,
) {
  const { query } = CONNECTIONS[connection](after);
  return execute(server.url, query, { id: globalId('ChatSession', sessionUuid) }, token);
}

/** What a client learns from a refusal: everything but the request id. */
function answer(result: Awaited<ReturnType<typeof execute>>) {
  return {
    status: result.status,
    data: result.data,
    errors: result.errors?.map(({ message, extensions }) => ({
      message,
      code: extensions?.['code'],
      argument: extensions?.['argument'],
    })),
  };
}

describe("another agent's cursor", () => {
  const cases: Array<
    [keyof typeof CONNECTIONS, keyof Awaited<ReturnType<typeof ownerCursors>>, (uuid: string) => string]
  > = [
    ['sessions', 'session', (uuid) => cursorOf(uuid)],
    ['events', 'event', () => Buffer.from('GPC:N:9223372036854775000').toString('base64')],
    ['sessionQuotes', 'sessionQuote', (uuid) => cursorOf(uuid)],
    ['messages', 'message', (uuid) => cursorOf(uuid)],
    ['requestQuotes', 'requestQuote', (uuid) => cursorOf(uuid)],
  ];

  it.for(cases)(
    'on %s is refused exactly like a cursor that names no row',
    async ([connection, key, missing], { server, seeded: { ownerToken, otherToken, ownerGraph, otherGraph } }) => {
      const foreign = (await ownerCursors(server, ownerGraph, ownerToken))[key];
      const refused = await page(server, connection, foreign, otherToken, otherGraph.session.id);
      expect(refused.errors?.[0]?.extensions, JSON.stringify(refused)).toMatchObject({
        code: 'BAD_USER_INPUT',
        argument: 'after',
      });
      const nowhere = await page(server, connection, missing(NO_ROW), otherToken, otherGraph.session.id);
      expect(answer(refused)).toEqual(answer(nowhere));
    },
  );

  it.for(cases)(
    'on %s still pages for its owner and for an admin',
    async ([connection, key], { server, seeded: { ownerToken, adminToken, ownerGraph } }) => {
      const cursor = (await ownerCursors(server, ownerGraph, ownerToken))[key];
      for (const token of [ownerToken, adminToken]) {
        const result = await page(server, connection, cursor, token, ownerGraph.session.id);
        expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
      }
    },
  );
});

describe('own cursors', () => {
  it('page through every session once', async ({ server, seeded: { otherToken } }) => {
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const data: {
        sessions: { edges: Array<{ cursor: string; node: { id: string } }>; pageInfo: { hasNextPage: boolean } };
      } = await expectData(
        server.url,
        'query ($after: String) { sessions(first: 1, after: $after) { edges { cursor node { id } } pageInfo { hasNextPage } } }',
        { after },
        otherToken,
      );
      seen.push(...data.sessions.edges.map((edge) => edge.node.id));
      if (!data.sessions.pageInfo.hasNextPage) break;
      after = data.sessions.edges.at(-1)?.cursor ?? null;
    }
    expect(seen).toHaveLength(2);
    expect(new Set(seen).size).toBe(2);
  });
});

describe('a subscription resumed after another agent’s event cursor', () => {
  it('replays only the viewer’s own events after that position', async ({
    database,
    server,
    seeded: { owner, other, otherToken },
  }) => {
    const ownerEvents = await database.prisma.sessionEvent.findMany({
      where: { agentId: owner.id },
      orderBy: { id: 'asc' },
    });
    const first = ownerEvents[0];
    if (!first) throw new Error('the owner has no events');
    const after = Buffer.from(`evt:${first.id}`).toString('base64url');
    const FEED = parse(
      'subscription ($after: String) { activityFeed(after: $after) { session { id } } }',
    ) as TypedDocumentNode<{ activityFeed: { session: { id: string } } }, { after: string }>;
    const subscription = await subscribeSse(server.url, otherToken, FEED, { after });
    const otherSessions = await database.prisma.chatSession.findMany({
      where: { agentId: other.id },
      select: { id: true },
    });
    const results = await subscription.waitFor(otherSessions.length);
    await subscription.close();
    expect(results.map((result) => result.data?.activityFeed.session.id).sort()).toEqual(
      otherSessions.map((session) => globalId('ChatSession', session.id)).sort(),
    );
  });
});
