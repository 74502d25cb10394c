import { print } from 'graphql';
import { describe, expect } from 'vitest';
import { type App, createApp } from '../src/app.js';
import { signToken } from '../src/auth/tokens.js';
import { type Config, ConfigError, DEVELOPMENT_JWT_SECRET, loadConfig } from '../src/config.js';
import type { Logger } from '../src/logger.js';
import { graphql } from './generated/index.js';
import { createTestDatabase, type TestDatabase } from './harness/database.js';
import { createAgent, createSessionGraph } from './harness/factories.js';
import { it as base, serverWith } from './harness/fixtures.js';
import { execute, expectData } from './harness/graphql.js';

const JWT_SECRET = 'production-test-secret-0123456789abcdef';
const PRODUCTION = { NODE_ENV: 'production', JWT_SECRET } as const;

const ProdViewer = graphql(`query ProdViewer { viewer { id } }`);
const ProdProposals = graphql(`
  query ProdProposals { sessions(first: 5) { edges { node { id proposal { number total } } } } }
`);
const ProdSessionsByFilter = graphql(`
  query ProdSessionsByFilter($filter: SessionFilter) { sessions(first: 1, filter: $filter) { totalCount } }
`);

type LogLine = { level: string; message: string; fields: Record<string, unknown> };

/** A server like startTestServer's, but whose log lines the test can read. */
async function startLoggedServer(database: TestDatabase, environment: Record<string, string>) {
  const lines: LogLine[] = [];
  const record =
    (level: string) =>
    (message: string, fields: Record<string, unknown> = {}) =>
      lines.push({ level, message, fields });
  const logger: Logger = { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
  const config: Config = loadConfig({
    RATE_LIMIT_PER_MINUTE: '0',
    SERVICE_RATE_LIMIT_PER_MINUTE: '0',
    SHUTDOWN_TIMEOUT_MS: '2000',
    ...environment,
  });
  const app: App = await createApp({ config, database, logger });
  const url = (await app.start(0, '127.0.0.1')).replace('localhost', '127.0.0.1');
  return { app, url, lines, tokenFor: (subject: string) => signToken(config.auth, { subject }) };
}

type LoggedServer = Awaited<ReturnType<typeof startLoggedServer>>;

const it = base
  .extend('production', { scope: 'file' }, async ({ database }, { onCleanup }): Promise<LoggedServer> => {
    const production = await startLoggedServer(database, PRODUCTION);
    onCleanup(() => production.app.stop());
    return production;
  })
  // The test defaults, to compare with: development mode.
  .extend('development', { scope: 'file' }, serverWith({}))
  // The agent's token is for the production server, which most tests talk to.
  .extend('token', { scope: 'file' }, async ({ production, agent }) => production.tokenFor(agent.authSubject))
  // Breaking the schema needs a database of its own (made as the file's is), with a production
  // server that has answered once before the break.
  .extend('brokenDatabase', { scope: 'file' }, async ({ databaseOptions }, { onCleanup }) => {
    const broken = await createTestDatabase(databaseOptions);
    onCleanup(() => broken.drop());
    return broken;
  })
  .extend('broken', { scope: 'file' }, async ({ brokenDatabase }, { onCleanup }) => {
    const server = await startLoggedServer(brokenDatabase, PRODUCTION);
    onCleanup(() => server.app.stop());
    const owner = await createAgent(brokenDatabase.prisma);
    await createSessionGraph(brokenDatabase.prisma, owner);
    const token = await server.tokenFor(owner.authSubject);
    await expectData(server.url, ProdProposals, undefined, token);
    await brokenDatabase.prisma.$executeRawUnsafe('ALTER TABLE proposals DROP COLUMN number');
    return { server, token };
  });

describe('production configuration', () => {
  it('refuses to load without a signing key or with a weak one', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET or JWKS_URL/);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: DEVELOPMENT_JWT_SECRET })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'short' })).toThrow(ConfigError);
    expect(loadConfig(PRODUCTION)).toMatchObject({ env: 'production', introspection: false, graphiql: false });
  });
});

describe('errors do not describe the schema', () => {
  // Misspellings a client can send to make the server name the real fields, arguments, types and values.
  const misspelled = [
    '{ viewr { id } }',
    '{ viewer { emial } }',
    '{ sessions(frist: 1) { totalCount } }',
    '{ sessions(filter: { stauts: [ACTIVE] }) { totalCount } }',
    '{ sessions(filter: { status: [ACTIV] }) { totalCount } }',
    'query ($filter: SessionFiltr) { sessions(filter: $filter) { totalCount } }',
    '{ sessions { edges { node { ... on ChatSesion { id } } } } }',
  ];

  it('suggests names in development (the check below can see a leak)', async ({ development, agent }) => {
    const devToken = await development.tokenFor(agent.authSubject);
    const result = await execute(development.url, misspelled[0] as string, undefined, devToken);
    expect(JSON.stringify(result.errors)).toContain('Did you mean');
  });

  it.for(misspelled)('gives no "Did you mean" in production for %s', async (query, { production, token }) => {
    const result = await execute(production.url, query, undefined, token);
    expect(result.errors?.length, JSON.stringify(result)).toBeGreaterThan(0);
    expect(result.status).toBe(400);
    expect(JSON.stringify(result)).not.toMatch(/Did you mean/i);
  });

  it.for([
    ['an unknown input field', { stauts: ['ACTIVE'] }],
    ['a misspelled enum value', { status: ['ACTIV'] }],
  ] as const)(
    'gives no "Did you mean" in production for %s in variables',
    async ([, filter], { production, token }) => {
      // Sent as text: the typed document would not let the test misspell its variables.
      const result = await execute(production.url, print(ProdSessionsByFilter), { filter }, token);
      expect(result.errors?.length, JSON.stringify(result)).toBeGreaterThan(0);
      expect(JSON.stringify(result)).not.toMatch(/Did you mean/i);
    },
  );
});

describe('development tools are off in production', () => {
  it('refuses introspection', async ({ production, token }) => {
    for (const query of ['{ __schema { types { name } } }', '{ __type(name: "ChatSession") { fields { name } } }']) {
      const result = await execute(production.url, query, undefined, token);
      expect(result.data ?? null, JSON.stringify(result)).toBeNull();
      expect(result.errors?.[0]?.message).toMatch(/introspection/i);
      expect(JSON.stringify(result)).not.toContain('ChatSession"');
    }
    // __typename is not introspection and stays allowed.
    const typename = await execute(production.url, '{ __typename }', undefined, token);
    expect(typename.data).toEqual({ __typename: 'Query' });
  });

  it('allows introspection when INTROSPECTION=on', async ({ database, agent }) => {
    const server = await startLoggedServer(database, { ...PRODUCTION, INTROSPECTION: 'on' });
    try {
      const result = await execute(
        server.url,
        '{ __type(name: "ChatSession") { name } }',
        undefined,
        await server.tokenFor(agent.authSubject),
      );
      expect(result.errors, JSON.stringify(result)).toBeUndefined();
      expect(result.data).toEqual({ __type: { name: 'ChatSession' } });
    } finally {
      await server.app.stop();
    }
  });

  it('does not serve GraphiQL', async ({ development, production }) => {
    const page = (url: string) => fetch(url, { headers: { accept: 'text/html', 'x-graphql-csrf': '1' } });
    const inDevelopment = await page(development.url);
    expect(inDevelopment.headers.get('content-type')).toContain('text/html');
    expect(await inDevelopment.text()).toMatch(/graphiql/i);

    const inProduction = await page(production.url);
    const body = await inProduction.text();
    expect(inProduction.headers.get('content-type') ?? '').not.toContain('text/html');
    expect(body).not.toMatch(/graphiql/i);
  });
});

describe('CSRF prevention', () => {
  const get = (production: LoggedServer, token: string, query: string, headers: Record<string, string> = {}) =>
    fetch(`${production.url}?query=${encodeURIComponent(query)}`, {
      headers: { accept: 'application/graphql-response+json', authorization: `Bearer ${token}`, ...headers },
    });

  it('refuses a GET query without the x-graphql-csrf header and runs it with the header', async ({
    production,
    token,
  }) => {
    const refused = await get(production, token, print(ProdViewer));
    const refusedBody = await refused.text();
    expect(refused.status, refusedBody).toBe(403);
    expect(refusedBody).not.toContain('"viewer"');

    const allowed = await get(production, token, print(ProdViewer), { 'x-graphql-csrf': '1' });
    const body = (await allowed.json()) as { data?: { viewer: { id: string } } };
    expect(allowed.status, JSON.stringify(body)).toBe(200);
    expect(body.data?.viewer.id).toBeTruthy();
  });

  it('refuses a mutation over GET and a form-like POST, writing nothing', async ({
    database,
    production,
    agent,
    token,
  }) => {
    const before = await database.prisma.chatSession.count({ where: { agentId: agent.id } });
    const mutation = 'mutation { startSession(input: { subject: "csrf" }) { __typename } }';

    const overGet = await get(production, token, mutation, { 'x-graphql-csrf': '1' });
    expect(overGet.status, await overGet.text()).toBe(405);

    // A browser form or no-cors fetch can POST text/plain without a preflight.
    const simplePost = await fetch(production.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: mutation }),
    });
    expect(simplePost.status, await simplePost.text()).toBe(403);

    expect(await database.prisma.chatSession.count({ where: { agentId: agent.id } })).toBe(before);
  });
});

describe('an unexpected error', () => {
  it('is masked, and its request id leads from the response to the log line', async ({ broken }) => {
    const { server, token: brokenToken } = broken;
    for (const sentId of [undefined, 'trace-1234.abc']) {
      server.lines.length = 0;
      const response = await fetch(server.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json',
          authorization: `Bearer ${brokenToken}`,
          ...(sentId ? { 'x-request-id': sentId } : {}),
        },
        body: JSON.stringify({ query: print(ProdProposals) }),
      });
      const text = await response.text();
      const body = JSON.parse(text) as {
        errors?: Array<{ message: string; extensions?: Record<string, unknown> }>;
        extensions?: Record<string, unknown>;
      };

      expect(body.errors, text).toHaveLength(1);
      expect(body.errors?.[0]?.message).toBe('Unexpected error.');
      expect(body.errors?.[0]?.extensions?.['code']).toBe('INTERNAL_SERVER_ERROR');
      expect(text).not.toMatch(/stack|select|proposals|title|does not exist|prisma|postgres|\.ts:\d/i);

      const requestId = response.headers.get('x-request-id');
      expect(requestId).toBeTruthy();
      if (sentId) expect(requestId).toBe(sentId);
      expect(body.extensions?.['requestId'], text).toBe(requestId);

      const errorLines = server.lines.filter((line) => line.level === 'error');
      expect(errorLines, JSON.stringify(server.lines, null, 2)).toHaveLength(1);
      expect(errorLines[0]?.fields['requestId']).toBe(requestId);
      // The log keeps what the response hides.
      expect(JSON.stringify(errorLines[0]?.fields)).toMatch(/does not exist/);
    }
  });
});
