import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createClient } from 'graphql-ws';
import { describe, expect } from 'vitest';
import WebSocket from 'ws';
import type { TestDatabase } from './harness/database.js';
import { createSessionGraph } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';

/**
 * A stream that stays open keeps no memory per event it delivered. Dashboards hold one
 * subscription for hours at thousands of events; a few hundred bytes kept per delivery
 * (a reaction left on a promise each event was raced against, say) would be gigabytes.
 */
const EVENTS = 30_000;
/** What the stream may keep for 30,000 events: well under the 9 MB a leak of 300 bytes an event makes. */
const ALLOWED_GROWTH_BYTES = 3_000_000;

const it = base
  .extend('serverOptions', { scope: 'file' }, { environment: { EVENT_POLL_INTERVAL_MS: '50' } })
  .extend('sessionId', { scope: 'file' }, async ({ database, server, agent }) => {
    // The client reads as fast as it can; it is memory this test watches, not back-pressure.
    server.app.events.subscriberBacklog = EVENTS * 2;
    return (await createSessionGraph(database.prisma, agent)).session.id;
  });

function collectGarbage(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** `count` events appended straight to the log in one statement, as a writer's transaction would. */
async function append(database: TestDatabase, sessionId: string, agentId: string, count: number): Promise<void> {
  await database.prisma.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(7402117001)`;
    await tx.$executeRaw`
      INSERT INTO session_events (session_id, iso_agent_id, type)
      SELECT ${sessionId}::uuid, ${agentId}::uuid, 'MESSAGE_RECORDED' FROM generate_series(1, ${count})`;
  });
}

describe('an open subscription', () => {
  it(`keeps no memory per delivered event (${EVENTS.toLocaleString('en-US')} events)`, async ({
    database,
    server,
    agent,
    token,
    sessionId,
  }) => {
    const gc = collectGarbage();
    let delivered = 0;
    let failure: unknown;
    const waiters: Array<() => void> = [];
    const client = createClient({
      url: server.url.replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      retryAttempts: 0,
      connectionParams: { authorization: `Bearer ${token}` },
    });
    // Counted, not kept: the client must not be what grows.
    client.subscribe(
      { query: 'subscription { activityFeed { id } }' },
      {
        next: (result) => {
          if (result.errors) failure = result.errors;
          delivered++;
          for (const wake of waiters.splice(0)) wake();
        },
        error: (error) => {
          failure = error;
        },
        complete: () => {},
      },
    );
    const deliveredAtLeast = async (count: number) => {
      while (delivered < count && !failure) await new Promise<void>((resolve) => waiters.push(resolve));
      expect(failure).toBeUndefined();
    };
    await new Promise((resolve) => setTimeout(resolve, 300));

    // Warm every path (the statement, the stream, the socket) before the first reading.
    await append(database, sessionId, agent.id, 2_000);
    await deliveredAtLeast(2_000);
    gc();
    const before = process.memoryUsage().heapUsed;

    await append(database, sessionId, agent.id, EVENTS);
    await deliveredAtLeast(2_000 + EVENTS);
    await new Promise((resolve) => setTimeout(resolve, 200));
    gc();
    const growth = process.memoryUsage().heapUsed - before;

    console.log(`heap growth over ${EVENTS} events: ${(growth / 1e6).toFixed(2)} MB`);
    expect(delivered).toBe(2_000 + EVENTS);
    expect(growth, `heap grew by ${(growth / 1e6).toFixed(1)} MB while the stream stayed open`).toBeLessThan(
      ALLOWED_GROWTH_BYTES,
    );
    await client.dispose();
  }, 120_000);
});
