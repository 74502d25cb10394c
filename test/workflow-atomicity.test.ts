import { describe, expect } from 'vitest';
import { unique } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';
import { execute } from './harness/graphql.js';
import type { TestServer } from './harness/server.js';
import {
  CaptureTripRequest,
  captureInput,
  footprint,
  GenerateProposal,
  quoteInput,
  ReceiveQuote,
  type Stage,
  sessionAt,
} from './harness/workflow.js';

/**
 * Every workflow mutation writes its change, counters, version and events in one
 * transaction. A trigger makes the events insert (the last write of the transaction)
 * fail for one session, so everything the mutation wrote before it must roll back.
 */

const FAILURE_TEXT = 'injected failure for session';

const it = base
  /** Makes every event insert for one session fail; returns the undo. */
  .extend('failEventsOf', { scope: 'file' }, async ({ database }) => {
    await database.prisma.$executeRawUnsafe(`
      CREATE FUNCTION test_fail_session_event() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '${FAILURE_TEXT} % (secret: relation session_events)', NEW.session_id;
      END
      $$`);
    return async (sessionUuid: string): Promise<() => Promise<void>> => {
      const trigger = unique('test_fail_events_');
      await database.prisma.$executeRawUnsafe(
        `CREATE TRIGGER ${trigger} BEFORE INSERT ON session_events FOR EACH ROW
         WHEN (NEW.session_id = '${sessionUuid}'::uuid) EXECUTE FUNCTION test_fail_session_event()`,
      );
      return async () => {
        await database.prisma.$executeRawUnsafe(`DROP TRIGGER ${trigger} ON session_events`);
      };
    };
  });

type Case = {
  mutation: string;
  stage: Stage;
  call: (
    session: Awaited<ReturnType<typeof sessionAt>>,
    as: { server: TestServer; token: string },
  ) => Promise<{ data?: unknown; errors?: readonly unknown[] | undefined }>;
  success: string;
};

const CASES: Case[] = [
  {
    mutation: 'receiveQuote',
    stage: 'REQUESTING_QUOTES',
    call: (session, { server, token }) =>
      execute(
        server.url,
        ReceiveQuote,
        {
          input: quoteInput(
            { sessionId: session.id },
            { operator: { avinodeCompanyId: unique('acomp-'), name: 'Rollback Air' } },
          ),
        },
        token,
      ),
    success: 'ReceiveQuotePayload',
  },
  {
    mutation: 'captureTripRequest',
    stage: 'UNDERSTANDING_REQUEST',
    call: (session, { server, token }) =>
      execute(server.url, CaptureTripRequest, { input: captureInput(session.id, { budget: '75000.00' }) }, token),
    success: 'CaptureTripRequestPayload',
  },
  {
    mutation: 'generateProposal',
    stage: 'ANALYZING_QUOTES',
    call: (session, { server, token }) =>
      execute(
        server.url,
        GenerateProposal,
        { input: { sessionId: session.id, quoteId: session.quoteId, marginPercent: '9' } },
        token,
      ),
    success: 'GenerateProposalPayload',
  },
];

describe('a failure half-way through a mutation', () => {
  it.for(CASES)(
    '$mutation writes nothing at all, and the client gets a masked error',
    async ({ stage, call, success }, { server, database, token, failEventsOf }) => {
      const session = await sessionAt(server, token, stage);
      const before = await footprint(database.prisma, session.uuid);
      const operatorsBefore = await database.prisma.operator.count();
      const undo = await failEventsOf(session.uuid);

      const failed = await call(session, { server, token });

      expect(failed.data ?? null).toBeNull();
      expect(failed.errors).toHaveLength(1);
      expect(failed.errors?.[0]).toMatchObject({ message: 'Unexpected error.' });
      const body = JSON.stringify(failed);
      for (const leak of [FAILURE_TEXT, 'secret', 'session_events', 'RAISE', 'plpgsql', 'P0001', 'prisma', 'stack']) {
        expect(body).not.toContain(leak);
      }
      // The session row compares whole: version, counters, step, status, lastActivityAt, updatedAt, links.
      expect(await footprint(database.prisma, session.uuid)).toEqual(before);
      expect(await database.prisma.operator.count()).toBe(operatorsBefore);

      await undo();
      const retried = await call(session, { server, token });

      expect(retried.errors).toBeUndefined();
      expect(Object.values(retried.data as Record<string, { __typename: string }>)[0]?.__typename).toBe(success);
      const after = await footprint(database.prisma, session.uuid);
      expect(after.session.version).toBe(before.session.version + 1);
      expect(after.events).toBeGreaterThan(before.events);
    },
  );

  it('proves the trigger bites: it fails inserts for its session only', async ({
    server,
    database,
    token,
    failEventsOf,
  }) => {
    const target = await sessionAt(server, token, 'REQUESTING_QUOTES');
    const bystander = await sessionAt(server, token, 'REQUESTING_QUOTES');
    const { agentId } = await database.prisma.chatSession.findUniqueOrThrow({ where: { id: target.uuid } });
    const undo = await failEventsOf(target.uuid);
    try {
      const insert = (sessionId: string) =>
        database.prisma.sessionEvent.create({ data: { sessionId, agentId, type: 'RFQS_SENT' } }).then(
          () => 'inserted',
          () => 'failed',
        );
      expect(await insert(target.uuid)).toBe('failed');
      expect(await insert(bystander.uuid)).toBe('inserted');
    } finally {
      await undo();
    }
  });
});
