import { execute as executeGraphQL, parse } from 'graphql';
import { describe, expect } from 'vitest';
import type { Viewer } from '../src/auth/viewer.js';
import type { Agent } from '../src/generated/prisma/client.js';
import { COMPILED_READ_MARKER } from '../src/graphql/compiled-read/compile.js';
import type { Context } from '../src/graphql/context.js';
import { schema } from '../src/graphql/schema.js';
import type { TestDatabase } from './harness/database.js';
import { createAgent, createSessionGraph } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';
import { execute } from './harness/graphql.js';
import { connectWs } from './harness/subscriptions.js';

/**
 * The compiled read path (src/graphql/compiled-read) answers whole query operations in one SQL
 * statement. Every field it knows must answer exactly what the Pothos resolvers answer: each
 * document below runs over HTTP (compiled) and through graphql-js on the same schema and data
 * (resolved field by field), and the two must be equal.
 */

const QUOTE_FIELDS = `id __typename avinodeQuoteId aircraftType tailNumber seats totalPrice currency validUntil status
  declineReason receivedAt updatedAt operator { id avinodeCompanyId name } request { id passengers }`;

const EVERY_FIELD = `
  id __typename status currentStep avinodeTripId avinodeRfpId avinodeRfqId startedAt endedAt lastActivityAt
  createdAt updatedAt workflowState metadata messageCount quotesReceivedCount quotesExpectedCount
  operatorsContactedCount version
  agent { id email fullName role isActive createdAt }
  conversation {
    id subject lastMessageAt createdAt agent { id email }
    messages(first: 2) {
      __typename totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { __typename cursor node { id senderType senderName content externalId createdAt conversation { id } } }
    }
  }
  request {
    id tripType passengers aircraftCategory budget currency specialRequirements createdAt
    client { id companyName contactName email phone createdAt }
    legs { id sequence departureAirport arrivalAirport departureAt }
    quotes(first: 1) { totalCount pageInfo { hasNextPage endCursor } edges { cursor node { id totalPrice } } }
  }
  quotes(first: 3) { totalCount pageInfo { hasNextPage startCursor endCursor } edges { cursor node { ${QUOTE_FIELDS} } } }
  primaryQuote { ${QUOTE_FIELDS} }
  proposal {
    id number title subtotal marginPercent total currency status sentAt sentTo createdAt
    quote { id } client { companyName } request { id }
  }
  events(first: 5) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { id cursor type fromStep toStep fromStatus toStatus actorId createdAt } }
  }
`;

const DOCUMENTS: Record<string, { query: string; variables?: Record<string, unknown> }> = {
  'every field of a page': {
    query: `query Every { __typename viewer { id email fullName role } sessions(first: 5) {
      totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { ${EVERY_FIELD} } } } }`,
  },
  'one session by id, with aliases and fragments': {
    query: `query One($id: ID!) { mine: session(id: $id) { ...Head ... on ChatSession { more: quotes(first: 1) { edges { node { id } } } } } }
      fragment Head on ChatSession { id renamed: status conversation { subject } conversation { createdAt } ${EVERY_FIELD} }`,
  },
  'filters and order': {
    query: `query Filtered($filter: SessionFilter, $orderBy: SessionOrder) {
      sessions(first: 3, filter: $filter, orderBy: $orderBy) { totalCount pageInfo { hasNextPage endCursor } edges { node { id status currentStep } } } }`,
    variables: {
      filter: {
        status: ['ACTIVE', 'PAUSED'],
        step: ['PROPOSAL_READY'],
        search: ' aSpEn ',
        lastActivityAfter: '2000-01-01T00:00:00Z',
      },
      orderBy: { field: 'STARTED_AT', direction: 'ASC' },
    },
  },
  'a search with LIKE wildcards matches them literally': {
    query: `query Wild { sessions(first: 10, filter: { search: "100%_off" }) { totalCount edges { node { id } } } }`,
  },
  'connections asked only for what needs no row: totalCount, hasPreviousPage, __typename': {
    query: `query Counts { sessions(first: 5) { totalCount } typed: sessions(first: 2) { __typename pageInfo { hasPreviousPage } }
      none: sessions(first: 5, filter: { avinodeTripId: "atrip-none" }) { totalCount }
      page: sessions(first: 5) { edges { node { id quotes(first: 1) { totalCount } conversation { messages { totalCount } } } } } }`,
  },
  'the default page size and an empty page': {
    query: `query Defaults { all: sessions { totalCount edges { node { id } } }
      none: sessions(first: 5, filter: { avinodeTripId: "atrip-none" }) { totalCount pageInfo { hasNextPage startCursor endCursor } edges { cursor } } }`,
  },
};

/** The look-up of a token's agent (src/auth/agent-memory.ts), not part of any page. */
const VIEWER_LOOKUP = /FROM "public"\."iso_agents" AS "\w+" WHERE \(?"\w+"\."auth_subject" = \$\d+/;

const globalId = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64');

const it = base
  .extend('serverOptions', { scope: 'file' }, { environment: { EVENT_POLL_INTERVAL_MS: '3600000' } })
  /** The agents and their sessions every test reads: the owner's four, another agent's one. */
  .extend('seeded', { scope: 'file' }, async ({ database }) => {
    const owner = await createAgent(database.prisma);
    const other = await createAgent(database.prisma);
    const admin = await createAgent(database.prisma, 'ADMIN');
    const aspen = await createSessionGraph(database.prisma, owner, {
      subject: 'Aspen ski week',
      messages: 4,
      quotes: 3,
    });
    await createSessionGraph(database.prisma, owner, { subject: '100%_off charter', withProposal: false, quotes: 0 });
    await createSessionGraph(database.prisma, owner, { messages: 1 });
    const othersSessionId = (await createSessionGraph(database.prisma, other)).session.id;
    // A session before its trip request: no request, no quotes, no proposal.
    const bare = await database.prisma.conversation.create({ data: { agentId: owner.id, subject: 'Just started' } });
    const bareSession = await database.prisma.chatSession.create({
      data: { conversationId: bare.id, agentId: owner.id },
    });
    return { owner, other, admin, ownSessionId: aspen.session.id, othersSessionId, bareSessionId: bareSession.id };
  });

/** The same operation resolved field by field by the Pothos resolvers, without the compiled path. */
async function resolved(
  database: TestDatabase,
  query: string,
  variables: Record<string, unknown> | undefined,
  viewer: Viewer,
) {
  const contextValue = { viewer, prisma: database.prisma, requestId: 'test' } as unknown as Context;
  const result = await executeGraphQL({ schema, document: parse(query), variableValues: variables, contextValue });
  expect(result.errors).toBeUndefined();
  return JSON.parse(JSON.stringify(result.data)) as unknown;
}

describe('the compiled read path', () => {
  const viewers = (owner: Agent, admin: Agent) =>
    [
      ['an agent', owner, { kind: 'agent', agent: owner, isAdmin: false, expiresAt: undefined }],
      ['an admin', admin, { kind: 'agent', agent: admin, isAdmin: true, expiresAt: undefined }],
    ] as const;

  for (const [name, document] of Object.entries(DOCUMENTS)) {
    it(`answers ${name} as the resolvers do, in one statement`, async ({ database, server, seeded }) => {
      const { owner, admin, ownSessionId } = seeded;
      for (const [, agent, viewer] of viewers(owner, admin)) {
        const variables = { ...document.variables, id: globalId('ChatSession', ownSessionId) };
        const used = document.query.includes('$id') ? variables : document.variables;
        database.statements.length = 0;
        const answer = await execute(server.url, document.query, used, await server.tokenFor(agent.authSubject));
        expect(answer.errors).toBeUndefined();
        // The whole operation in one compiled statement, after the viewer look-up unless the
        // agent is remembered (then the statement itself confirms it: test/agent-memory.test.ts).
        const page = database.statements.filter((sql) => !VIEWER_LOOKUP.test(sql));
        expect(page).toHaveLength(1);
        expect(page[0]).toContain(COMPILED_READ_MARKER);
        expect(answer.data).toEqual(await resolved(database, document.query, used, viewer));
      }
    });
  }

  it('sends the statement’s JSON text on as it came over HTTP, and as parsed data over WebSocket', async ({
    database,
    server,
    seeded,
  }) => {
    const { owner } = seeded;
    const token = await server.tokenFor(owner.authSubject);
    const query = 'query Passthrough { sessions(first: 2) { edges { node { id status conversation { subject } } } } }';
    const response = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query }),
    });
    const text = await response.text();
    // PostgreSQL writes json_build_object's pairs as "key" : value; JSON.stringify never would.
    expect(text).toMatch(/^\{"data":\{"sessions" : /);
    const body = JSON.parse(text) as { data: unknown; extensions: { requestId: string } };
    expect(body.extensions.requestId).toBe(response.headers.get('x-request-id'));
    const viewer: Viewer = { kind: 'agent', agent: owner, isAdmin: false, expiresAt: undefined };
    expect(body.data).toEqual(await resolved(database, query, undefined, viewer));

    const socket = connectWs(server.url, token);
    const overWs = await new Promise<unknown>((resolve, reject) => {
      let result: unknown;
      socket.client.subscribe(
        { query },
        { next: (next) => (result = next), error: reject, complete: () => resolve(result) },
      );
    });
    expect((overWs as { data: unknown }).data).toEqual(body.data);
    await socket.client.dispose();
  });

  it('answers pages after a cursor as the resolvers do, in either order, and refuses an unknown or foreign cursor as they do', async ({
    database,
    server,
    seeded,
  }) => {
    const { owner, othersSessionId } = seeded;
    const query = `query After($after: String, $orderBy: SessionOrder) {
      sessions(first: 2, after: $after, orderBy: $orderBy) {
        totalCount pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { id } } } }`;
    const token = await server.tokenFor(owner.authSubject);
    const viewer: Viewer = { kind: 'agent', agent: owner, isAdmin: false, expiresAt: undefined };
    const gone = Buffer.from('GPC:S:01900000-0000-7000-8000-000000000000').toString('base64');
    for (const orderBy of [undefined, { field: 'STARTED_AT', direction: 'ASC' }]) {
      const first = await execute(server.url, query, { orderBy }, token);
      const cursor = (first.data as { sessions: { edges: { cursor: string }[] } }).sessions.edges[0]?.cursor;
      database.statements.length = 0;
      const answer = await execute(server.url, query, { after: cursor, orderBy }, token);
      expect(database.statements.filter((sql) => !VIEWER_LOOKUP.test(sql))[0]).toContain(COMPILED_READ_MARKER);
      expect(answer.data, `after ${cursor} ${JSON.stringify(orderBy)}`).toEqual(
        await resolved(database, query, { after: cursor, orderBy }, viewer),
      );
      // A cursor naming no row, or a row the viewer cannot see, positions nothing (cursor-visibility.ts).
      for (const after of [gone, Buffer.from(`GPC:S:${othersSessionId}`).toString('base64')]) {
        const refused = await execute(server.url, query, { after, orderBy }, token);
        expect(refused.errors?.[0]?.extensions?.['code'], JSON.stringify(refused)).toBe('BAD_USER_INPUT');
      }
    }
  });

  it('drops no row when the cursor row has left the page (Prisma skips one)', async ({ database, server, seeded }) => {
    const { owner, bareSessionId } = seeded;
    // The bare session stands for a row that no longer matches the filter (say, one whose
    // subject changed between two pages): the page continues right after its position.
    const after = Buffer.from(`GPC:S:${bareSessionId}`).toString('base64');
    const answer = await execute(
      server.url,
      `query Left($after: String) { sessions(first: 10, after: $after, filter: { search: "aspen" }) { edges { node { id } } } }`,
      { after },
      await server.tokenFor(owner.authSubject),
    );
    const expected = await database.prisma.$queryRawUnsafe<{ id: string }[]>(
      `SELECT s.id FROM chat_sessions s JOIN conversations v ON v.id = s.conversation_id, chat_sessions c
         WHERE c.id = $1::uuid AND s.iso_agent_id = $2::uuid AND v.subject ILIKE '%aspen%'
         AND (s.last_activity_at, s.id) < (c.last_activity_at, c.id) ORDER BY s.last_activity_at DESC, s.id DESC`,
      bareSessionId,
      owner.id,
    );
    expect(expected.length).toBeGreaterThan(0);
    const ids = (answer.data as { sessions: { edges: { node: { id: string } }[] } }).sessions.edges.map(
      (e) => e.node.id,
    );
    expect(ids).toEqual(expected.map((row) => globalId('ChatSession', row.id)));
  });

  it("keeps another agent's session out of reach", async ({ server, seeded }) => {
    const { owner, othersSessionId } = seeded;
    const query = `query Other($id: ID!) { session(id: $id) { id } sessions(first: 100) { edges { node { agent { id } } } } }`;
    const answer = await execute(
      server.url,
      query,
      { id: globalId('ChatSession', othersSessionId) },
      await server.tokenFor(owner.authSubject),
    );
    const data = answer.data as { session: unknown; sessions: { edges: { node: { agent: { id: string } } }[] } };
    expect(data.session).toBeNull();
    expect(new Set(data.sessions.edges.map((edge) => edge.node.agent.id))).toEqual(
      new Set([globalId('Agent', owner.id)]),
    );
  });

  it('leaves what it cannot compile to the resolvers, errors included', async ({ database, server, seeded }) => {
    const { owner, other, ownSessionId } = seeded;
    const token = await server.tokenFor(owner.authSubject);
    const tooLarge = await execute(server.url, '{ sessions(first: 101) { totalCount } }', undefined, token);
    expect(tooLarge.errors?.[0]?.extensions?.['code']).toBe('PAGE_SIZE_EXCEEDED');
    const wrongType = await execute(
      server.url,
      `{ session(id: "${globalId('Quote', ownSessionId)}") { id } }`,
      undefined,
      token,
    );
    expect(wrongType.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    const forbidden = await execute(
      server.url,
      `{ sessions(filter: { agentId: "${globalId('Agent', other.id)}" }) { totalCount } }`,
      undefined,
      token,
    );
    expect(forbidden.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    // A cursor page and a directive run through the resolvers and still answer.
    const first = await execute(server.url, '{ sessions(first: 1) { pageInfo { endCursor } } }', undefined, token);
    const cursor = (first.data as { sessions: { pageInfo: { endCursor: string } } }).sessions.pageInfo.endCursor;
    database.statements.length = 0;
    const next = await execute(
      server.url,
      `query Next($after: String, $skip: Boolean!) { sessions(first: 1, after: $after) { edges { node { id status @skip(if: $skip) } } } }`,
      { after: cursor, skip: true },
      token,
    );
    expect(next.errors).toBeUndefined();
    expect(database.statements.some((sql) => sql.includes(COMPILED_READ_MARKER))).toBe(false);
  });
});
