import { describe, expect } from 'vitest';
import { type Database, openDatabase } from '../src/db/database.js';
import { claimDue } from '../src/modules/avinode-intake/notification-store.js';
import { credentials, digits, linkedSession, storedId, waitForStatus } from './harness/avinode-intake.js';
import {
  type AvinodeSimulator,
  deliver,
  intakeEnvironment,
  startAvinodeSimulator,
} from './harness/avinode-simulator.js';
import type { TestDatabase } from './harness/database.js';
import { it as base } from './harness/fixtures.js';
import { startTestServer } from './harness/server.js';

/** The intake across instances and restarts: one queue in PostgreSQL, nothing lost, nothing applied twice. */

// The servers are the tests' own (started and stopped in them); the file shares the database and the simulator.
const it = base
  // biome-ignore lint/correctness/noEmptyPattern: the simulator needs no other fixture; vitest reads this pattern
  .extend('simulator', { scope: 'file' }, async ({}, { onCleanup }) => {
    const simulator = await startAvinodeSimulator();
    onCleanup(() => simulator.close());
    return simulator;
  });

/** A second connection pool on the same database when it is PostgreSQL, as a second instance would have. */
function secondPool(database: TestDatabase): Database {
  return database.url ? openDatabase({ kind: 'postgres', url: database.url, poolSize: 5 }) : database;
}

const environment = (simulator: AvinodeSimulator) =>
  intakeEnvironment(simulator, credentials, { AVINODE_FETCH_TIMEOUT_MS: '5000' });

describe('the intake across instances', () => {
  it('loses nothing across a restart: queued, in-flight and abandoned claims are all applied, once', async ({
    database,
    simulator,
    agent,
  }) => {
    const first = await startTestServer(database, environment(simulator));
    const agentToken = await first.tokenFor(agent.authSubject);
    const session = await linkedSession(first, agentToken);
    const bodies = Array.from({ length: 6 }, () =>
      simulator.sellerQuote({
        messageId: `asellermsg-${digits()}`,
        quoteId: `aquote-${digits()}`,
        rfqId: session.avinodeRfqId,
      }),
    );
    // Slow answers: some notifications are mid-fetch when the server stops, the rest still queued.
    simulator.delayMs = 400;
    const ids = [];
    for (const body of bodies.slice(0, 4)) ids.push(storedId(await deliver(first.origin, body, credentials)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    await first.stop();
    // Two more, claimed by a worker that then died without a word: its lease lapses.
    const orphan = [];
    for (const body of bodies.slice(4)) {
      const row = await database.prisma.avinodeNotification.create({
        data: {
          resourceId: body.id,
          resourceType: body.type,
          href: body.href,
          body,
          giveUpAt: new Date(Date.now() + 60_000),
        },
      });
      orphan.push(row.id);
    }
    const claimed = (await claimDue(database.prisma, 20, 1_000)).map((claim) => claim.id);
    expect(claimed).toEqual(expect.arrayContaining(orphan));
    const queued = await database.prisma.avinodeNotification.findMany({
      where: { id: { in: [...ids.slice(0, 4), ...orphan] } },
    });
    expect(
      queued.every((row) => row.status === 'PENDING' || row.status === 'PROCESSING' || row.status === 'APPLIED'),
    ).toBe(true);

    simulator.delayMs = 0;
    const second = await startTestServer(database, environment(simulator));
    try {
      await waitForStatus(database.prisma, [...ids.slice(0, 4), ...orphan], ['APPLIED'], 20_000);
      const quotes = await database.prisma.quote.count({
        where: { avinodeQuoteId: { in: bodies.map((body) => quoteIdOf(simulator, body.id)) } },
      });
      expect(quotes).toBe(6);
      const sessionRow = await database.prisma.chatSession.findUniqueOrThrow({ where: { id: session.uuid } });
      expect(sessionRow.quotesReceivedCount).toBe(6);
      const received = await database.prisma.sessionEvent.count({
        where: { sessionId: session.uuid, type: 'QUOTE_RECEIVED' },
      });
      expect(received).toBe(6);
    } finally {
      await second.stop();
    }
  });

  it('shares the queue between two instances: every notification applied exactly once', async ({
    database,
    simulator,
    agent,
  }) => {
    const otherPool = secondPool(database);
    const one = await startTestServer(database, environment(simulator));
    const two = await startTestServer(database.url ? { ...database, ...otherPool } : database, environment(simulator));
    try {
      const agentToken = await one.tokenFor(agent.authSubject);
      const session = await linkedSession(one, agentToken);
      const bodies = Array.from({ length: 20 }, () =>
        simulator.sellerQuote({
          messageId: `asellermsg-${digits()}`,
          quoteId: `aquote-${digits()}`,
          rfqId: session.avinodeRfqId,
        }),
      );
      simulator.delayMs = 20;
      const answers = await Promise.all(
        bodies.map((body, index) => deliver((index % 2 === 0 ? one : two).origin, body, credentials)),
      );
      const ids = answers.map(storedId);
      const rows = await waitForStatus(database.prisma, ids, ['APPLIED'], 30_000);
      expect(rows.filter((row) => row.lastError)).toEqual([]);
      // No notification was fetched twice: one claim, one attempt each.
      expect(rows.map((row) => row.attempts)).toEqual(ids.map(() => 1));
      const fetched = simulator.fetches().filter((request) => bodies.some((body) => request.path.endsWith(body.id)));
      expect(fetched).toHaveLength(20);
      const sessionRow = await database.prisma.chatSession.findUniqueOrThrow({ where: { id: session.uuid } });
      expect(sessionRow.quotesReceivedCount).toBe(20);
      expect(
        await database.prisma.sessionEvent.count({ where: { sessionId: session.uuid, type: 'QUOTE_RECEIVED' } }),
      ).toBe(20);
    } finally {
      simulator.delayMs = 0;
      await one.stop();
      await two.stop();
      if (otherPool !== database) await otherPool.close();
    }
  });
});

function quoteIdOf(simulator: AvinodeSimulator, messageId: string): string {
  const message = simulator.resources.get(`tripmsgs/${messageId}`) as { sellerQuote: { id: string } };
  return message.sellerQuote.id;
}
