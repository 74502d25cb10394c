import pg from 'pg';
import { describe, expect } from 'vitest';
import { graphql } from './generated/index.js';
import { it as base } from './harness/fixtures.js';
import { execute } from './harness/graphql.js';
import { PauseSession, sessionAt } from './harness/workflow.js';

const PauseAndReadMessages = graphql(`
  mutation DeadlinePauseAndReadMessages($input: SessionChangeInput!) {
    pauseSession(input: $input) {
      __typename
      ... on PauseSessionPayload { session { status version conversation { messages(first: 5) { totalCount } } } }
    }
  }
`);

/**
 * A mutation that outlives the request deadline: the client is told REQUEST_TIMEOUT,
 * and the change must then not commit behind its back (a retry would apply it twice).
 * The test holds the session's row lock from another connection past the deadline,
 * so it needs a second connection: PostgreSQL only.
 */
const DEADLINE_MS = 500;

const it = base.extend(
  'serverOptions',
  { scope: 'file' },
  { environment: { REQUEST_TIMEOUT_MS: String(DEADLINE_MS) } },
);

describe.runIf(process.env['TEST_DATABASE_URL'])('a mutation past the request deadline', () => {
  it('answers REQUEST_TIMEOUT and is rolled back, not committed later', async ({ database, server, token }) => {
    const session = await sessionAt(server, token, 'UNDERSTANDING_REQUEST');
    const before = await database.prisma.chatSession.findUniqueOrThrow({ where: { id: session.uuid } });
    const eventsBefore = await database.prisma.sessionEvent.count({ where: { sessionId: session.uuid } });

    const holder = new pg.Client({ connectionString: database.url as string });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM chat_sessions WHERE id = $1 FOR UPDATE', [session.uuid]);
      const answer = await execute(server.url, PauseSession, { input: { sessionId: session.id } }, token);
      expect(answer.errors?.map((error) => error.extensions?.['code'])).toEqual(['REQUEST_TIMEOUT']);
      expect(answer.errors?.[0]?.message).toBe(
        `The request did not finish within ${DEADLINE_MS} ms; nothing was changed.`,
      );
      expect(answer.status).toBe(504);
    } finally {
      // The mutation gets its lock now, long after its client gave up on it.
      await holder.query('ROLLBACK');
      await holder.end();
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const after = await database.prisma.chatSession.findUniqueOrThrow({ where: { id: session.uuid } });
    expect({ status: after.status, version: after.version }).toEqual({
      status: before.status,
      version: before.version,
    });
    expect(await database.prisma.sessionEvent.count({ where: { sessionId: session.uuid } })).toBe(eventsBefore);

    // And the retry the client then makes applies it exactly once.
    const retry = await execute(server.url, PauseSession, { input: { sessionId: session.id } }, token);
    expect(retry.data?.pauseSession.__typename).toBe('PauseSessionPayload');
    const final = await database.prisma.chatSession.findUniqueOrThrow({ where: { id: session.uuid } });
    expect({ status: final.status, version: final.version }).toEqual({ status: 'PAUSED', version: before.version + 1 });
  });

  it('answers a change that committed for real, even when its payload is read after the deadline', async ({
    database,
    server,
    token,
  }) => {
    const session = await sessionAt(server, token, 'UNDERSTANDING_REQUEST');
    const before = await database.prisma.chatSession.findUniqueOrThrow({ where: { id: session.uuid } });
    const holder = new pg.Client({ connectionString: database.url as string });
    await holder.connect();
    try {
      // The pause itself never touches messages; reading its payload does, and waits.
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE messages IN ACCESS EXCLUSIVE MODE');
      const answering = execute(server.url, PauseAndReadMessages, { input: { sessionId: session.id } }, token);
      await new Promise((resolve) => setTimeout(resolve, DEADLINE_MS * 2));
      await holder.query('ROLLBACK');
      const answer = await answering;
      expect(answer.errors).toBeUndefined();
      expect(answer.data?.pauseSession).toMatchObject({
        __typename: 'PauseSessionPayload',
        session: { status: 'PAUSED', version: before.version + 1 },
      });
    } finally {
      await holder.end();
    }
  });
});
