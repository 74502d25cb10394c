import { describe, expect } from 'vitest';
import type { ActivityFilter } from './generated/graphql.js';
import { graphql } from './generated/index.js';
import type { TestDatabase } from './harness/database.js';
import { createAgent, unique } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';
import type { TestServer } from './harness/server.js';
import { connectWs, subscribeWs } from './harness/subscriptions.js';
import {
  as,
  CaptureTripRequest,
  callerFor,
  captureInput,
  globalId,
  LinkAvinodeTrip,
  PauseSession,
  RecordMessage,
  ResumeSession,
  sessionAt,
} from './harness/workflow.js';

/**
 * activityFeed filters match the session's state just after each event, as stored with
 * it. So a subscriber that resumes with `after` gets exactly the events one that stayed
 * connected got, however the session moved on meanwhile.
 */

const FilteredFeed = graphql(`
  subscription FilteredFeed($filter: ActivityFilter, $after: String) {
    activityFeed(filter: $filter, after: $after) { id cursor type session { id } }
  }
`);

const it = base
  .extend('alice', { scope: 'file' }, async ({ database }) => createAgent(database.prisma))
  .extend('bob', { scope: 'file' }, async ({ database }) => createAgent(database.prisma))
  .extend('admin', { scope: 'file' }, async ({ database }) => createAgent(database.prisma, 'ADMIN'))
  .extend('aliceToken', { scope: 'file' }, async ({ server, alice }) => server.tokenFor(alice.authSubject))
  .extend('bobToken', { scope: 'file' }, async ({ server, bob }) => server.tokenFor(bob.authSubject));

type EventType = string;

/** Each phase does something, and lists the types of the events the filter must let through. */
type Phase = { act: () => Promise<void>; expected: EventType[] };

/**
 * Two subscribers with the same filter: one stays connected throughout; the other leaves
 * after `together`, misses `apart`, and comes back with `after` set to its last cursor for
 * `again`. Both must get the same events, in order, once, and exactly the expected ones.
 */
async function stayedAndResumed(
  server: TestServer,
  database: TestDatabase,
  token: string,
  filter: ActivityFilter,
  phases: { together: Phase; apart: Phase; again: Phase },
) {
  const start = await newestEventId(database);
  const attached = server.app.events.subscriberCount;
  const ws = connectWs(server.url, token);
  const stayed = subscribeWs(ws, FilteredFeed, { filter });
  const leaving = subscribeWs(ws, FilteredFeed, { filter });
  await expect.poll(() => server.app.events.subscriberCount).toBe(attached + 2);

  const { together, apart, again } = phases;
  expect(together.expected.length, 'the leaving subscriber needs a cursor').toBeGreaterThan(0);
  await together.act();
  const before = await leaving.waitFor(together.expected.length);
  await leaving.close();
  await expect.poll(() => server.app.events.subscriberCount).toBe(attached + 1);

  await apart.act();
  await stayed.waitFor(together.expected.length + apart.expected.length);
  const cursor = before.at(-1)?.data?.activityFeed.cursor;
  const resumed = subscribeWs(ws, FilteredFeed, { filter, after: cursor });
  await resumed.waitFor(apart.expected.length);

  await again.act();
  const all = [...together.expected, ...apart.expected, ...again.expected];
  await stayed.waitFor(all.length);
  await resumed.waitFor(apart.expected.length + again.expected.length);
  // Anything extra would arrive now.
  await new Promise((resolve) => setTimeout(resolve, 300));
  await ws.client.dispose();
  await expect.poll(() => server.app.events.subscriberCount).toBe(attached);

  const stayedEvents = stayed.results.map((result) => result.data?.activityFeed);
  const rejoined = [...before, ...resumed.results].map((result) => result.data?.activityFeed);
  expect([...stayed.results, ...before, ...resumed.results].filter((result) => result.errors)).toEqual([]);
  expect(stayedEvents.map((event) => event?.type)).toEqual(all);
  expect(rejoined.map((event) => event?.id)).toEqual(stayedEvents.map((event) => event?.id));
  return { start, events: stayedEvents };
}

async function newestEventId(database: TestDatabase): Promise<bigint> {
  const newest = await database.prisma.sessionEvent.findFirst({ orderBy: { id: 'desc' }, select: { id: true } });
  return newest?.id ?? 0n;
}

const eventIdOf = (id: string | undefined) =>
  BigInt(
    Buffer.from(id ?? '', 'base64')
      .toString()
      .split(':')[1] ?? -1,
  );

function actionsFor(server: TestServer, token: string) {
  const call = callerFor(server, token);
  let messages = 0;
  return {
    say: async (sessionId: string) => {
      const input = { sessionId, senderType: 'AGENT' as const, content: `Message ${++messages}` };
      as((await call(RecordMessage, { input })).recordMessage, 'RecordMessagePayload');
    },
    pause: async (sessionId: string) => {
      as((await call(PauseSession, { input: { sessionId } })).pauseSession, 'PauseSessionPayload');
    },
    resume: async (sessionId: string) => {
      as((await call(ResumeSession, { input: { sessionId } })).resumeSession, 'ResumeSessionPayload');
    },
    capture: async (sessionId: string) => {
      const input = captureInput(sessionId);
      as((await call(CaptureTripRequest, { input })).captureTripRequest, 'CaptureTripRequestPayload');
    },
    link: async (sessionId: string) => {
      const input = { sessionId, avinodeTripId: unique('atrip-'), avinodeRfqId: unique('arfq-') };
      as((await call(LinkAvinodeTrip, { input })).linkAvinodeTrip, 'LinkAvinodeTripPayload');
    },
  };
}

describe('filters on the session state just after each event', () => {
  it('status: a resumed subscriber gets what a connected one got, though the session was paused meanwhile', async ({
    server,
    database,
    aliceToken,
  }) => {
    const { say, pause, resume } = actionsFor(server, aliceToken);
    const session = await sessionAt(server, aliceToken, 'UNDERSTANDING_REQUEST');
    const { start, events } = await stayedAndResumed(
      server,
      database,
      aliceToken,
      { status: ['ACTIVE'] },
      {
        together: { act: () => say(session.id), expected: ['MESSAGE_RECORDED'] },
        apart: {
          act: async () => {
            await say(session.id);
            await pause(session.id);
            // A message resumes a paused session: both its events are ACTIVE ones.
            await say(session.id);
            await pause(session.id);
            // The case a read-time filter gets wrong: the session is PAUSED when the subscriber returns.
            const now = await database.prisma.chatSession.findUniqueOrThrow({ where: { id: session.uuid } });
            expect(now.status).toBe('PAUSED');
          },
          expected: ['MESSAGE_RECORDED', 'MESSAGE_RECORDED', 'STATUS_CHANGED'],
        },
        again: {
          act: async () => {
            await resume(session.id);
            await say(session.id);
          },
          expected: ['STATUS_CHANGED', 'MESSAGE_RECORDED'],
        },
      },
    );
    // What was delivered is what is stored: the events of the session whose state just after was ACTIVE.
    const stored = await database.prisma.sessionEvent.findMany({
      where: { sessionId: session.uuid, id: { gt: start } },
      orderBy: { id: 'asc' },
    });
    expect(stored.filter((event) => event.sessionStatus === 'ACTIVE').map((event) => event.id)).toEqual(
      events.map((event) => eventIdOf(event?.id)),
    );
    expect(stored.filter((event) => event.sessionStatus === 'PAUSED').map((event) => event.type)).toEqual([
      'STATUS_CHANGED',
      'STATUS_CHANGED',
    ]);
  });

  it('step: events count at the step the session reached with them, whatever step it is at when read', async ({
    server,
    database,
    aliceToken,
  }) => {
    const { say, capture, link } = actionsFor(server, aliceToken);
    const moving = await sessionAt(server, aliceToken, 'UNDERSTANDING_REQUEST');
    const waiting = await sessionAt(server, aliceToken, 'SEARCHING_AIRCRAFT');
    const { events } = await stayedAndResumed(
      server,
      database,
      aliceToken,
      { step: ['SEARCHING_AIRCRAFT'] },
      {
        together: { act: () => capture(moving.id), expected: ['TRIP_REQUEST_CAPTURED', 'STEP_CHANGED'] },
        apart: {
          act: async () => {
            await say(moving.id);
            // Moves on to REQUESTING_QUOTES: these events, and what follows, are out.
            await link(moving.id);
            await say(moving.id);
          },
          expected: ['MESSAGE_RECORDED'],
        },
        again: {
          act: async () => {
            await say(moving.id);
            await say(waiting.id);
          },
          expected: ['MESSAGE_RECORDED'],
        },
      },
    );
    expect(events.map((event) => event?.session.id)).toEqual([moving.id, moving.id, moving.id, waiting.id]);
  });

  it('types: only the listed event types, live and replayed', async ({ server, database, aliceToken }) => {
    const { say, pause } = actionsFor(server, aliceToken);
    const session = await sessionAt(server, aliceToken, 'UNDERSTANDING_REQUEST');
    await stayedAndResumed(
      server,
      database,
      aliceToken,
      { types: ['STATUS_CHANGED'] },
      {
        together: {
          act: async () => {
            await say(session.id);
            await pause(session.id);
          },
          expected: ['STATUS_CHANGED'],
        },
        apart: {
          act: async () => {
            await say(session.id);
            await pause(session.id);
          },
          expected: ['STATUS_CHANGED', 'STATUS_CHANGED'],
        },
        again: { act: () => say(session.id), expected: ['STATUS_CHANGED'] },
      },
    );
  });

  it("agentId: an admin follows one agent's sessions only, live and replayed", async ({
    server,
    database,
    alice,
    admin,
    aliceToken,
    bobToken,
  }) => {
    const aliceSays = actionsFor(server, aliceToken).say;
    const bobSays = actionsFor(server, bobToken).say;
    const aliceSession = await sessionAt(server, aliceToken, 'UNDERSTANDING_REQUEST');
    const bobSession = await sessionAt(server, bobToken, 'UNDERSTANDING_REQUEST');
    const both = async () => {
      await bobSays(bobSession.id);
      await aliceSays(aliceSession.id);
      await bobSays(bobSession.id);
    };
    const { events } = await stayedAndResumed(
      server,
      database,
      await server.tokenFor(admin.authSubject),
      { agentId: globalId('Agent', alice.id) },
      {
        together: { act: both, expected: ['MESSAGE_RECORDED'] },
        apart: { act: both, expected: ['MESSAGE_RECORDED'] },
        again: { act: both, expected: ['MESSAGE_RECORDED'] },
      },
    );
    expect(new Set(events.map((event) => event?.session.id))).toEqual(new Set([aliceSession.id]));
  });

  it("refuses an agent who asks for another agent's activity with FORBIDDEN", async ({
    server,
    alice,
    bob,
    aliceToken,
  }) => {
    const ws = connectWs(server.url, aliceToken);
    const spying = subscribeWs(ws, FilteredFeed, { filter: { agentId: globalId('Agent', bob.id) } });
    const [refusal] = await spying.waitFor(1);
    await spying.completed;
    expect(refusal?.data ?? null).toBeNull();
    expect(refusal?.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');

    // Naming themselves is allowed, and changes nothing.
    const attached = server.app.events.subscriberCount;
    const own = subscribeWs(ws, FilteredFeed, { filter: { agentId: globalId('Agent', alice.id) } });
    await expect.poll(() => server.app.events.subscriberCount).toBe(attached + 1);
    const session = await sessionAt(server, aliceToken, 'UNDERSTANDING_REQUEST');
    const [started] = await own.waitFor(1);
    expect(started?.data?.activityFeed.session.id).toBe(session.id);
    await ws.client.dispose();
  });
});
