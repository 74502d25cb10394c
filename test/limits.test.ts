import { request as httpRequest } from 'node:http';
import { describe, expect } from 'vitest';
import { graphql } from './generated/index.js';
import type { TestDatabase } from './harness/database.js';
import { createSessionGraph } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';
import { execute, expectData } from './harness/graphql.js';
import type { TestServer } from './harness/server.js';

/** The README's nested session page: it must fit the default limits at every allowed page size. */
const LimitsSessionPage = graphql(`
  query LimitsSessionPage($first: Int) {
    sessions(first: $first) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges {
        cursor
        node {
          id status currentStep avinodeTripId messageCount quotesReceivedCount version
          agent { id email }
          conversation {
            subject
            messages(first: 5) { totalCount edges { node { id content senderType createdAt } } }
          }
          request {
            tripType passengers
            client { companyName }
            legs { sequence departureAirport arrivalAirport departureAt }
          }
          quotes(first: 10) { totalCount edges { node { id totalPrice currency operator { name } } } }
          primaryQuote { id aircraftType totalPrice }
          proposal { number total quote { id } }
          events(first: 5) { totalCount edges { node { type cursor } } }
        }
      }
    }
  }
`);

const LimitsNestedQuotes = graphql(`
  query LimitsNestedQuotes($last: Int) {
    sessions(first: 1) { edges { node { quotes(last: $last) { totalCount } } } }
  }
`);

/**
 * Abusive documents are built by repetition, so they are strings rather than codegen
 * documents. Each one is a mutation that would open a session if it ever executed:
 * a refusal that leaves no session behind was refused before execution.
 */
const START = 'startSession(input: { subject: "must never be written" })';
const nest = (levels: number, leaf: string) =>
  Array.from({ length: levels }).reduce<string>((inner) => `request { quotes { edges { node { ${inner} } } } }`, leaf);

const abusive = {
  // startSession › session › (request › quotes › edges › node) × 3 › id: 15 levels.
  tooDeep: `mutation { ${START} { ... on StartSessionPayload { session { ${nest(3, 'id')} } } } }`,
  // The same depth hidden behind fragment spreads.
  tooDeepThroughFragments: `
    mutation { ${START} { ...Payload } }
    fragment Payload on StartSessionPayload { session { ...Deep } }
    fragment Deep on ChatSession { ${nest(3, 'id')} }`,
  tooManyAliases: `mutation { ${Array.from({ length: 16 }, (_, index) => `s${index}: ${START} { __typename }`).join(' ')} }`,
  tooManyAliasesThroughFragments: `
    mutation { ${START} { ...Names } }
    fragment Names on StartSessionPayload { ${Array.from({ length: 16 }, (_, index) => `c${index}: created`).join(' ')} }`,
  tooManyDirectives: `mutation { ${START} { ${Array.from({ length: 11 }, () => '__typename @include(if: true)').join(' ')} } }`,
  tooManyTokens: `mutation { ${START} { ${'__typename '.repeat(2_100)} } }`,
  // 100 quotes under each of 100 quotes' requests: 30,000+ objects against the cap of 25,000.
  tooCostly: `mutation {
    ${START} { ... on StartSessionPayload { session {
      quotes(first: 100) { edges { node { request { quotes(first: 100) { edges { node { id } } } } } } }
    } } }
  }`,
  // The page size comes from a variable: the cost is computed with variables.
  tooCostlyByVariable: `query ($n: Int) {
    sessions(first: $n) { edges { node { quotes(first: $n) { edges { node { id } } } } } }
  }`,
} as const;

const it = base
  // No background event-log polls while statements are being counted.
  .extend('serverOptions', { scope: 'file' }, { environment: { EVENT_POLL_INTERVAL_MS: '3600000' } })
  // The agent's three sessions, there before any test: the README page counts them.
  .extend('agentSessions', { scope: 'file', auto: true }, async ({ database, agent }) => {
    for (let index = 0; index < 3; index++) await createSessionGraph(database.prisma, agent);
  })
  /** Sends an abusive operation and checks it was refused with `code` before anything ran or was written. */
  .extend(
    'expectRefusedBeforeExecution',
    { scope: 'file' },
    async ({ database, server, agent, token }) =>
      async (query: string, code: string, variables?: Record<string, unknown>) => {
        const sessionsBefore = await database.prisma.chatSession.count({ where: { agentId: agent.id } });
        const { result, statements } = await withStatements(database, () =>
          execute(server.url, query, variables, token),
        );
        const shown = JSON.stringify(result, null, 2);
        expect(
          result.errors?.map((error) => error.extensions?.['code']),
          shown,
        ).toEqual([code]);
        expect(result.status, shown).toBe(400);
        expect(result.data ?? null, shown).toBeNull();
        expect(statements, shown).toEqual([]);
        expect(await database.prisma.chatSession.count({ where: { agentId: agent.id } })).toBe(sessionsBefore);
        return result;
      },
  );

/** Runs `work` and returns its result with the SQL it caused, less the viewer's own look-up (every request makes it). */
async function withStatements<T>(
  database: TestDatabase,
  work: () => Promise<T>,
): Promise<{ result: T; statements: string[] }> {
  database.statements.length = 0;
  const result = await work();
  return {
    result,
    statements: database.statements.filter((sql) => !(sql.includes('"iso_agents"') && !sql.includes('chat_sessions'))),
  };
}

describe('operation limits refuse abusive documents before execution', () => {
  it('refuses a document nested deeper than MAX_DEPTH with QUERY_TOO_DEEP', async ({
    expectRefusedBeforeExecution,
  }) => {
    const result = await expectRefusedBeforeExecution(abusive.tooDeep, 'QUERY_TOO_DEEP');
    expect(result.errors?.[0]?.message).toMatch(/at most 12/);
    await expectRefusedBeforeExecution(abusive.tooDeepThroughFragments, 'QUERY_TOO_DEEP');
  });

  it('refuses more than MAX_ALIASES aliases with TOO_MANY_ALIASES', async ({ expectRefusedBeforeExecution }) => {
    await expectRefusedBeforeExecution(abusive.tooManyAliases, 'TOO_MANY_ALIASES');
    await expectRefusedBeforeExecution(abusive.tooManyAliasesThroughFragments, 'TOO_MANY_ALIASES');
  });

  it('refuses more than MAX_DIRECTIVES directives with TOO_MANY_DIRECTIVES', async ({
    expectRefusedBeforeExecution,
  }) => {
    await expectRefusedBeforeExecution(abusive.tooManyDirectives, 'TOO_MANY_DIRECTIVES');
  });

  it('refuses a document longer than MAX_TOKENS with TOO_MANY_TOKENS', async ({ expectRefusedBeforeExecution }) => {
    await expectRefusedBeforeExecution(abusive.tooManyTokens, 'TOO_MANY_TOKENS');
  });

  it('weights lists by their page size and refuses QUERY_TOO_COSTLY', async ({
    server,
    token,
    expectRefusedBeforeExecution,
  }) => {
    const result = await expectRefusedBeforeExecution(abusive.tooCostly, 'QUERY_TOO_COSTLY');
    expect(result.errors?.[0]?.extensions).toMatchObject({ maximum: 25_000 });
    expect(result.errors?.[0]?.extensions?.['cost']).toBeGreaterThan(25_000);

    await expectRefusedBeforeExecution(abusive.tooCostlyByVariable, 'QUERY_TOO_COSTLY', { n: 100 });
    // The same document with small pages is cheap and runs.
    const small = await execute(server.url, abusive.tooCostlyByVariable, { n: 10 }, token);
    expect(small.errors, JSON.stringify(small)).toBeUndefined();
  });

  it('refuses a page larger than 100 with PAGE_SIZE_EXCEEDED before reading any rows', async ({
    database,
    server,
    token,
  }) => {
    const { result, statements } = await withStatements(database, () =>
      execute(server.url, LimitsSessionPage, { first: 101 }, token),
    );
    const shown = JSON.stringify(result, null, 2);
    expect(
      result.errors?.map((error) => error.extensions?.['code']),
      shown,
    ).toEqual(['PAGE_SIZE_EXCEEDED']);
    expect(result.errors?.[0]?.extensions, shown).toMatchObject({ argument: 'first', maximum: 100 });
    // Refused before execution, like every other limit: a request error, HTTP 400, no data.
    expect(result.status, shown).toBe(400);
    expect(result.data ?? null, shown).toBeNull();
    expect(statements, shown).toEqual([]);

    const nested = await execute(server.url, LimitsNestedQuotes, { last: 101 }, token);
    expect(
      nested.errors?.map((error) => error.extensions?.['code']),
      JSON.stringify(nested),
    ).toEqual(['PAGE_SIZE_EXCEEDED']);
  });

  it('refuses an oversized page in a mutation payload before the mutation runs, so nothing commits', async ({
    expectRefusedBeforeExecution,
  }) => {
    const refused = await expectRefusedBeforeExecution(
      `mutation { ${START} { ... on StartSessionPayload { session { quotes(first: 101) { totalCount } } } } }`,
      'PAGE_SIZE_EXCEEDED',
    );
    expect(refused.errors?.[0]?.extensions).toMatchObject({ argument: 'first', maximum: 100 });
  });

  it('lets the README nested session page through with first: 50 and first: 100', async ({ server, token }) => {
    for (const first of [50, 100]) {
      const data = await expectData(server.url, LimitsSessionPage, { first }, token);
      expect(data.sessions.totalCount).toBe(3);
      expect(data.sessions.edges[0]?.node.quotes.totalCount).toBe(2);
    }
  });
});

describe('transport limits', () => {
  it('refuses a body over MAX_BODY_BYTES with HTTP 413', async ({ server, token }) => {
    const padding = 'x'.repeat(1_000_001);
    expect(
      await outcomeOf(post(server, token, JSON.stringify({ query: '{ viewer { id } }', variables: { padding } }))),
    ).toBe('HTTP 413');
  });

  it('stops reading a streamed body over MAX_BODY_BYTES that declares no length', async ({ server, token }) => {
    const total = 20_000_000;
    const { status, written } = await streamChunkedBody(server, token, total);
    expect(status).toBe(413);
    // The server refused once past the limit; what was written beyond it sat in socket buffers.
    expect(written).toBeLessThan(total);
  });

  it('refuses a batch (a JSON array body) by default', async ({ database, server, agent, token }) => {
    const sessionsBefore = await database.prisma.chatSession.count({ where: { agentId: agent.id } });
    const response = await post(
      server,
      token,
      JSON.stringify([{ query: `mutation { ${START} { __typename } }` }, { query: '{ viewer { id } }' }]),
    );
    const body = await response.text();
    expect(response.status, body).toBe(400);
    expect(JSON.parse(body)).toMatchObject({ errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
    expect(body).not.toContain('"data"');
    expect(await database.prisma.chatSession.count({ where: { agentId: agent.id } })).toBe(sessionsBefore);
  });
});

describe('refusals are cheap', () => {
  it('answers 200 abusive requests of each kind quickly', async ({ server, token }) => {
    const kinds: Record<string, () => Promise<Response>> = {
      'too many tokens (20,000-token documents)': () =>
        post(server, token, JSON.stringify({ query: `{ ${'viewer { id } '.repeat(5_000)} }` })),
      'too deep': () => post(server, token, JSON.stringify({ query: abusive.tooDeep })),
      'too costly': () => post(server, token, JSON.stringify({ query: abusive.tooCostly })),
      'body over 1 MB': () =>
        post(
          server,
          token,
          JSON.stringify({ query: '{ viewer { id } }', variables: { padding: 'x'.repeat(1_100_000) } }),
        ),
    };
    for (const [kind, send] of Object.entries(kinds)) {
      const started = performance.now();
      const outcomes = new Map<string, number>();
      // 200 requests, 20 at a time.
      for (let round = 0; round < 10; round++) {
        for (const outcome of await Promise.all(Array.from({ length: 20 }, () => outcomeOf(send())))) {
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
        }
      }
      const elapsed = performance.now() - started;
      const summary = [...outcomes].map(([outcome, count]) => `${count} × ${outcome}`).join(', ');
      console.info(
        `200 refused requests (${kind}): ${elapsed.toFixed(0)} ms, ${(elapsed / 200).toFixed(2)} ms each; ${summary}`,
      );
      expect(
        [...outcomes.keys()].every((outcome) => ['HTTP 400', 'HTTP 413', 'connection reset'].includes(outcome)),
        summary,
      ).toBe(true);
      // A loose bound: a refusal that parsed or executed the whole document would take far longer.
      expect(elapsed).toBeLessThan(30_000);
    }
  });
});

/**
 * POSTs a JSON body of about `total` bytes with chunked encoding (no Content-Length to
 * refuse up front), on a connection of its own, writing only as fast as the server
 * reads. Resolves with the status and how much had been written when the answer came.
 */
function streamChunkedBody(
  server: TestServer,
  token: string,
  total: number,
): Promise<{ status: number | undefined; written: number }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(server.url, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    });
    const chunk = 'x'.repeat(64 * 1024);
    let written = 0;
    let answered = false;
    request.on('response', (response) => {
      answered = true;
      resolve({ status: response.statusCode, written });
      request.destroy();
    });
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    const pump = () => {
      while (written < total && !answered) {
        written += chunk.length;
        if (!request.write(chunk)) {
          request.once('drain', pump);
          return;
        }
      }
      if (!answered) request.end('"}}');
    };
    request.write('{"query":"{ viewer { id } }","variables":{"padding":"');
    pump();
  });
}

/**
 * The status, or "connection reset": a server that answers 413 closes the connection
 * rather than read the rest of an oversized upload, and the client may see that first.
 */
async function outcomeOf(request: Promise<Response>): Promise<string> {
  try {
    const response = await request;
    await response.body?.cancel();
    return `HTTP ${response.status}`;
  } catch (error) {
    const code = ((error as Error).cause as { code?: string } | undefined)?.code;
    if (code === 'ECONNRESET' || code === 'EPIPE') return 'connection reset';
    throw error;
  }
}

function post(server: TestServer, token: string, body: string): Promise<Response> {
  return fetch(server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
      authorization: `Bearer ${token}`,
    },
    body,
  });
}
