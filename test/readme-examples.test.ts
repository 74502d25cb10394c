import { readFileSync } from 'node:fs';
import { type OperationDefinitionNode, parse, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './harness/database.js';
import { createAgent } from './harness/factories.js';
import { execute } from './harness/graphql.js';
import { startTestServer, type TestServer } from './harness/server.js';

/**
 * The README's GraphQL examples, run as written: a reader who pastes them into
 * GraphiQL gets answers, not errors. `$s` is the session the first mutation opens,
 * `$q` the quote that receiveQuote records, as the README says.
 */
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const blocks = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((match) => match[1] as string);

let database: TestDatabase;
let server: TestServer;
let token: string;

beforeAll(async () => {
  database = await createTestDatabase();
  server = await startTestServer(database);
  token = await server.tokenFor((await createAgent(database.prisma)).authSubject);
});

afterAll(async () => {
  await server?.stop();
  await database?.drop();
});

/** Every top-level answer must be data: no GraphQL error and no typed error in a payload union. */
function expectNoErrors(operation: string, result: { errors?: unknown; data?: Record<string, unknown> | null }) {
  expect(result.errors, operation).toBeUndefined();
  for (const [field, value] of Object.entries(result.data ?? {})) {
    const answer = value as { __typename?: string; code?: string } | null;
    expect(answer?.code, `${field} answered with an error:\n${JSON.stringify(answer)}\n${operation}`).toBeUndefined();
    expect(answer?.__typename ?? '', field).not.toMatch(/Error$/);
  }
}

describe('the README examples', () => {
  it('has the session graph query and the end-to-end workflow', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
  });

  it('drives a session end to end exactly as written, then reads the graph', async () => {
    const variables: { s?: string; q?: string } = {};
    const operations = blocks.flatMap((block) =>
      parse(block).definitions.filter((definition): definition is OperationDefinitionNode => 'operation' in definition),
    );
    // The workflow first, so the graph query has something to show.
    const ordered = [
      ...operations.filter((operation) => operation.operation === 'mutation'),
      ...operations.filter((operation) => operation.operation !== 'mutation'),
    ];
    expect(ordered.filter((operation) => operation.operation === 'mutation').length).toBeGreaterThanOrEqual(7);
    for (const operation of ordered) {
      const text = print(operation);
      const declared = Object.fromEntries(
        (operation.variableDefinitions ?? []).map((definition) => {
          const name = definition.variable.name.value as 's' | 'q';
          return [name, variables[name]];
        }),
      );
      const result = (await execute(server.url, text, declared, token)) as {
        errors?: unknown;
        data?: Record<string, unknown> | null;
      };
      expectNoErrors(text, result);
      const data = result.data as Record<string, { session?: { id?: string }; quote?: { id?: string } }>;
      variables.s ??= data['startSession']?.session?.id;
      variables.q ??= data['receiveQuote']?.quote?.id;
    }
    const session = await database.prisma.chatSession.findFirstOrThrow({ orderBy: { startedAt: 'desc' } });
    expect(session.currentStep).toBe('PROPOSAL_SENT');
  });
});
