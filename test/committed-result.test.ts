import pg from 'pg';
import { describe, expect } from 'vitest';
import { graphql } from './generated/index.js';
import { it as base } from './harness/fixtures.js';
import { execute } from './harness/graphql.js';
import { sessionAt } from './harness/workflow.js';

const PauseAndReadMessages = graphql(`
  mutation CommittedPauseAndReadMessages($input: SessionChangeInput!) {
    pauseSession(input: $input) {
      __typename
      ... on PauseSessionPayload { session { status conversation { messages(first: 5) { totalCount } } } }
    }
  }
`);

/**
 * A mutation commits, then reading its payload back fails: the client must learn that the
 * change happened (COMMITTED_RESULT_UNAVAILABLE, `committed: true`), so that it does not
 * retry it, and never a masked "Unexpected error.", which reads as "maybe nothing happened".
 * The read-back is made to fail by holding a lock on a table only it reads, past the
 * statement timeout: a second connection, so PostgreSQL only.
 */
const STATEMENT_TIMEOUT_MS = 300;

const it = base.extend('databaseOptions', { scope: 'file' }, { statementTimeoutMs: STATEMENT_TIMEOUT_MS });

describe.runIf(process.env['TEST_DATABASE_URL'])('a change whose payload cannot be read back', () => {
  it('is answered COMMITTED_RESULT_UNAVAILABLE with `committed: true`, and the change stands', async ({
    database,
    server,
    token,
  }) => {
    const session = await sessionAt(server, token, 'UNDERSTANDING_REQUEST');
    const holder = new pg.Client({ connectionString: database.url as string });
    await holder.connect();
    try {
      // The pause never touches messages; reading its payload does, and times out waiting.
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE messages IN ACCESS EXCLUSIVE MODE');
      const answer = await execute(server.url, PauseAndReadMessages, { input: { sessionId: session.id } }, token);
      await holder.query('ROLLBACK');

      expect(answer.errors?.map((error) => error.extensions)).toEqual([
        { code: 'COMMITTED_RESULT_UNAVAILABLE', committed: true },
      ]);
      expect(answer.errors?.[0]?.message).toMatch(/committed/);
      expect(answer.errors?.[0]?.path).toEqual(['pauseSession', 'session']);
      const stored = await database.prisma.chatSession.findUniqueOrThrow({ where: { id: session.uuid } });
      expect(stored.status).toBe('PAUSED');
    } finally {
      await holder.end();
    }
  });
});
