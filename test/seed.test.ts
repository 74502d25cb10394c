import { createHash } from 'node:crypto';
import { describe, expect } from 'vitest';
import { DatabaseNotEmptyError, isDatabaseEmpty, seedDemoData } from '../prisma/seed.js';
import { DEMO_BASE_DATE, demoAuthSubject } from '../prisma/seed-data.js';
import { AIRCRAFT } from '../prisma/seed-fleet.js';
import { buildDemoPlan } from '../prisma/seed-plan.js';
import type { PrismaClient } from '../src/generated/prisma/client.js';
import { createTestDatabase } from './harness/database.js';
import { it as base } from './harness/fixtures.js';

const STEPS = [
  'UNDERSTANDING_REQUEST',
  'SEARCHING_AIRCRAFT',
  'REQUESTING_QUOTES',
  'ANALYZING_QUOTES',
  'PROPOSAL_READY',
  'PROPOSAL_SENT',
];
const STATUSES = ['ACTIVE', 'PAUSED', 'COMPLETED', 'ARCHIVED'];
const DAY = 86_400_000;

const it = base
  /** The demo data, seeded once into the empty database before the file's first test. */
  .extend('seeded', { scope: 'file', auto: true }, async ({ database }) => {
    expect(await isDatabaseEmpty(database.prisma)).toBe(true);
    const started = performance.now();
    const summary = await seedDemoData(database.prisma);
    return { summary, seedMs: performance.now() - started };
  })
  .extend('prisma', { scope: 'file' }, async ({ database }) => database.prisma);

/** Everything a session is, with what hangs off it, for checks that follow one session through. */
function loadSessions(prisma: PrismaClient) {
  return prisma.chatSession.findMany({
    include: {
      agent: true,
      conversation: { include: { messages: true } },
      request: { include: { legs: { orderBy: { sequence: 'asc' } }, quotes: true } },
      primaryQuote: true,
      proposal: true,
      events: { orderBy: { id: 'asc' } },
    },
    orderBy: { startedAt: 'asc' },
  });
}

describe('seedDemoData', () => {
  it('loads the demo agents, clients, operators and sessions, quickly', async ({
    prisma,
    seeded: { summary, seedMs },
  }) => {
    expect(await isDatabaseEmpty(prisma)).toBe(false);
    // Some 1,200 workflow transactions, one per step of the story (about 11 s here; it was 4 s as rows).
    expect(seedMs).toBeLessThan(60_000);
    expect(summary.sessions).toBeGreaterThanOrEqual(60);
    expect(summary.operators).toBeGreaterThanOrEqual(10);
    expect(summary).toEqual({
      agents: await prisma.agent.count(),
      clients: await prisma.client.count(),
      operators: await prisma.operator.count(),
      conversations: await prisma.conversation.count(),
      messages: await prisma.message.count(),
      tripRequests: await prisma.tripRequest.count(),
      tripLegs: await prisma.tripLeg.count(),
      quotes: await prisma.quote.count(),
      proposals: await prisma.proposal.count(),
      sessions: await prisma.chatSession.count(),
      sessionEvents: await prisma.sessionEvent.count(),
    });

    const agents = await prisma.agent.findMany({ include: { _count: { select: { sessions: true, clients: true } } } });
    const byEmail = new Map(agents.map((agent) => [agent.email, agent]));
    expect(byEmail.get('agent1@example.com')?.role).toBe('AGENT');
    expect(byEmail.get('agent2@example.com')?.role).toBe('AGENT');
    expect(byEmail.get('admin@example.com')?.role).toBe('ADMIN');
    for (const agent of agents) {
      // The token command derives subjects without opening the database: they must match.
      expect(agent.authSubject).toBe(demoAuthSubject(agent.email));
      expect(agent.authSubject).toBe(`demo|${agent.email}`);
      expect(agent._count.clients).toBeGreaterThan(0);
    }
    // Most sessions belong to the two main demo agents.
    expect(byEmail.get('agent1@example.com')?._count.sessions).toBeGreaterThanOrEqual(20);
    expect(byEmail.get('agent2@example.com')?._count.sessions).toBeGreaterThanOrEqual(20);

    for (const operator of await prisma.operator.findMany()) expect(operator.avinodeCompanyId).toMatch(/^acomp-\d{6}$/);
  });

  it('covers every status and every step, for both main agents', async ({ prisma }) => {
    const sessions = await loadSessions(prisma);
    expect(new Set(sessions.map((s) => s.status))).toEqual(new Set(STATUSES));
    expect(new Set(sessions.map((s) => s.currentStep))).toEqual(new Set(STEPS));
    const combinations = new Set(sessions.map((s) => `${s.status}/${s.currentStep}`));
    for (const status of STATUSES) for (const step of STEPS) expect(combinations).toContain(`${status}/${step}`);
    for (const email of ['agent1@example.com', 'agent2@example.com']) {
      const own = sessions.filter((s) => s.agent.email === email);
      expect(new Set(own.map((s) => s.status))).toEqual(new Set(STATUSES));
      expect(new Set(own.map((s) => s.currentStep))).toEqual(new Set(STEPS));
    }
    const tripTypes = new Set((await prisma.tripRequest.findMany()).map((r) => r.tripType));
    expect(tripTypes).toEqual(new Set(['ONE_WAY', 'ROUND_TRIP', 'MULTI_CITY']));
  });

  it('keeps every counter equal to the rows it counts', async ({ prisma }) => {
    for (const s of await loadSessions(prisma)) {
      const messages = s.conversation.messages.filter(
        (m) => m.createdAt >= s.startedAt && (!s.endedAt || m.createdAt <= s.endedAt),
      );
      expect(s.messageCount, s.id).toBe(messages.length);
      expect(s.messageCount).toBe(s.events.filter((e) => e.type === 'MESSAGE_RECORDED').length);
      expect(s.quotesReceivedCount, s.id).toBe(s.request?.quotes.length ?? 0);
      expect(s.quotesReceivedCount).toBe(s.events.filter((e) => e.type === 'QUOTE_RECEIVED').length);
      expect(s.quotesReceivedCount).toBeLessThanOrEqual(s.operatorsContactedCount);
      const last = new Date(Math.max(0, ...s.conversation.messages.map((m) => m.createdAt.getTime())));
      expect(s.conversation.lastMessageAt).toEqual(last);
    }
    // Every message belongs to exactly one session of its conversation.
    const conversations = await prisma.conversation.findMany({
      include: { sessions: true, _count: { select: { messages: true } } },
    });
    for (const c of conversations)
      expect(c.sessions.reduce((sum, s) => sum + s.messageCount, 0)).toBe(c._count.messages);
  });

  it('leaves each session where the workflow would have', async ({ prisma }) => {
    for (const s of await loadSessions(prisma)) {
      const step = STEPS.indexOf(s.currentStep);
      const label = `${s.id} ${s.status}/${s.currentStep}`;
      expect(s.request !== null, label).toBe(step >= 1);
      if (s.request) {
        const { legs, passengers, tripType } = s.request;
        expect(passengers).toBeGreaterThanOrEqual(1);
        expect(passengers).toBeLessThanOrEqual(16);
        expect(legs.map((leg) => leg.sequence)).toEqual(legs.map((_, i) => i + 1));
        if (tripType === 'ONE_WAY') expect(legs).toHaveLength(1);
        if (tripType === 'ROUND_TRIP')
          expect([legs[1]?.departureAirport, legs[1]?.arrivalAirport]).toEqual([
            legs[0]?.arrivalAirport,
            legs[0]?.departureAirport,
          ]);
        if (tripType === 'MULTI_CITY') expect(legs.length).toBeGreaterThanOrEqual(3);
        for (const [i, leg] of legs.entries()) {
          expect(leg.departureAirport).toMatch(/^[A-Z]{4}$/);
          expect(leg.departureAirport).not.toBe(leg.arrivalAirport);
          if (i > 0) expect(leg.departureAirport).toBe(legs[i - 1]?.arrivalAirport);
          if (i > 0) expect(leg.departureAt.getTime()).toBeGreaterThan(legs[i - 1]?.departureAt.getTime() ?? 0);
        }
      }
      expect(s.avinodeTripId !== null, label).toBe(step >= 2);
      if (step >= 2) {
        expect(s.avinodeTripId).toMatch(/^atrip-\d{8}$/);
        expect(s.avinodeRfpId).toMatch(/^arfp-\d{8}$/);
        expect(s.avinodeRfqId).toMatch(/^arfq-\d{9}$/);
        expect(s.operatorsContactedCount).toBeGreaterThan(0);
        expect(s.quotesExpectedCount).toBeGreaterThan(0);
      }
      expect(s.quotesReceivedCount > 0, label).toBe(step >= 3);
      expect(s.primaryQuote !== null, label).toBe(step >= 3);
      if (s.primaryQuote) {
        expect(s.quotesReceivedCount).toBeGreaterThanOrEqual(2);
        expect(s.primaryQuote.requestId).toBe(s.requestId);
        expect(s.primaryQuote.status).toBe('SHORTLISTED');
      }
      expect(s.proposal !== null, label).toBe(step >= 4);
      if (s.proposal && s.primaryQuote) {
        const { subtotal, marginPercent, total } = s.proposal;
        expect(s.proposal.quoteId).toBe(s.primaryQuote.id);
        expect(subtotal.toFixed(2)).toBe(s.primaryQuote.totalPrice.toFixed(2));
        expect(total.toFixed(2)).toBe(subtotal.mul(marginPercent.div(100).add(1)).toDecimalPlaces(2).toFixed(2));
        expect(s.proposal.status).toBe(step === 5 ? 'SENT' : 'READY');
        expect(s.proposal.sentAt !== null && s.proposal.sentTo !== null).toBe(step === 5);
      }
      const open = s.status === 'ACTIVE' || s.status === 'PAUSED';
      expect(s.endedAt === null, label).toBe(open);
      if (s.endedAt) expect(s.endedAt.getTime()).toBeGreaterThanOrEqual(s.startedAt.getTime());
      expect(s.lastActivityAt.getTime()).toBeGreaterThanOrEqual(s.startedAt.getTime());
      expect(s.lastActivityAt.getTime()).toBeLessThanOrEqual(DEMO_BASE_DATE.getTime());
      expect(s.lastActivityAt.getTime()).toBeGreaterThan(DEMO_BASE_DATE.getTime() - 125 * DAY);
    }
  });

  it('includes stale open and completed sessions for archiving, and returning clients', async ({ prisma }) => {
    const sessions = await prisma.chatSession.findMany();
    const cutoff = new Date(DEMO_BASE_DATE.getTime() - 90 * DAY);
    const stale = sessions.filter((s) => s.status !== 'ARCHIVED' && s.lastActivityAt < cutoff);
    expect(stale.length).toBeGreaterThanOrEqual(3);
    expect(
      sessions.filter((s) => s.lastActivityAt > new Date(DEMO_BASE_DATE.getTime() - 7 * DAY)).length,
    ).toBeGreaterThan(5);
    const perConversation = new Map<string, typeof sessions>();
    for (const s of sessions)
      perConversation.set(s.conversationId, [...(perConversation.get(s.conversationId) ?? []), s]);
    for (const group of perConversation.values()) {
      expect(group.filter((s) => s.status === 'ACTIVE' || s.status === 'PAUSED').length).toBeLessThanOrEqual(1);
    }
    expect([...perConversation.values()].filter((group) => group.length > 1).length).toBeGreaterThanOrEqual(3);
  });

  it('logs how each session got where it is', async ({ prisma }) => {
    for (const s of await loadSessions(prisma)) {
      const [first, ...rest] = s.events;
      expect(first?.type).toBe('SESSION_STARTED');
      expect(rest.some((e) => e.type === 'SESSION_STARTED')).toBe(false);
      const steps = s.events.filter((e) => e.type === 'STEP_CHANGED');
      expect(steps.map((e) => e.toStep)).toEqual(STEPS.slice(1, STEPS.indexOf(s.currentStep) + 1));
      for (const e of steps) expect(STEPS.indexOf(e.toStep as string)).toBe(STEPS.indexOf(e.fromStep as string) + 1);
      const statuses = s.events.filter((e) => e.type === 'STATUS_CHANGED');
      expect(statuses.at(-1)?.toStatus ?? 'ACTIVE').toBe(s.status);
      for (const [i, e] of statuses.entries()) expect(e.fromStatus).toBe(statuses[i - 1]?.toStatus ?? 'ACTIVE');
      for (const e of s.events) expect(e.agentId).toBe(s.agentId);
      const expectedTypes = [
        [1, 'TRIP_REQUEST_CAPTURED'],
        [2, 'AVINODE_TRIP_LINKED'],
        [2, 'RFQS_SENT'],
        [3, 'PRIMARY_QUOTE_SELECTED'],
        [4, 'PROPOSAL_GENERATED'],
        [5, 'PROPOSAL_SENT'],
      ] as const;
      for (const [step, type] of expectedTypes) {
        expect(s.events.filter((e) => e.type === type).length, `${s.id} ${type}`).toBe(
          STEPS.indexOf(s.currentStep) >= step ? 1 : 0,
        );
      }
    }
    // The stream cursor follows time, as it would have live.
    const events = await prisma.sessionEvent.findMany({ orderBy: { id: 'asc' }, select: { createdAt: true } });
    for (const [i, e] of events.entries())
      if (i > 0) expect(e.createdAt >= (events[i - 1]?.createdAt ?? e.createdAt)).toBe(true);
  });

  it('shapes quotes and proposals like the real ones', async ({ prisma }) => {
    const aircraft = new Set(AIRCRAFT.map((a) => a.type));
    const quotes = await prisma.quote.findMany();
    for (const q of quotes) {
      expect(q.avinodeQuoteId).toMatch(/^aquote-\d{9}$/);
      expect(aircraft).toContain(q.aircraftType);
      expect(q.tailNumber).toMatch(/^(N\d{2,3}[A-Z]{0,2}|[A-Z0-9]{1,2}-[A-Z]{3,4})$/);
      expect(q.totalPrice.decimalPlaces()).toBeLessThanOrEqual(2);
      expect(q.totalPrice.gt(1000)).toBe(true);
      expect(q.declineReason !== null).toBe(q.status === 'DECLINED');
    }
    expect(new Set(quotes.map((q) => q.status))).toEqual(new Set(['RECEIVED', 'SHORTLISTED', 'DECLINED']));
    const proposals = await prisma.proposal.findMany({ orderBy: { createdAt: 'asc' } });
    // Numbered by the database sequence, in the order the proposals were generated.
    expect(proposals.map((p) => p.number)).toEqual(
      proposals.map((_, i) => `PROP-2026-${String(i + 1).padStart(6, '0')}`),
    );
  });

  it('refuses to seed a database that already has agents', async ({ prisma }) => {
    const before = await prisma.chatSession.count();
    await expect(seedDemoData(prisma)).rejects.toBeInstanceOf(DatabaseNotEmptyError);
    expect(await prisma.chatSession.count()).toBe(before);
  });

  it('produces the same data on every run', async ({ prisma }) => {
    expect(buildDemoPlan()).toEqual(buildDemoPlan());
    const second = await createTestDatabase();
    try {
      await seedDemoData(second.prisma);
      expect(await digest(second.prisma)).toBe(await digest(prisma));
      expect(await identities(second.prisma)).toEqual(await identities(prisma));
    } finally {
      await second.drop();
    }
  });
});

/**
 * A hash of the data that matters, read back from the database and keyed by natural keys rather than
 * generated ids, so two seeded databases compare equal exactly when their demo data does.
 */
async function digest(db: PrismaClient): Promise<string> {
  const sessions = await db.chatSession.findMany({
    include: {
      agent: { select: { email: true, authSubject: true, role: true } },
      conversation: {
        select: {
          subject: true,
          lastMessageAt: true,
          messages: { orderBy: [{ createdAt: 'asc' }, { content: 'asc' }] },
        },
      },
      request: {
        include: {
          client: true,
          legs: { orderBy: { sequence: 'asc' } },
          quotes: { include: { operator: true }, orderBy: { avinodeQuoteId: 'asc' } },
        },
      },
      primaryQuote: { select: { avinodeQuoteId: true } },
      proposal: true,
      events: { orderBy: { id: 'asc' } },
    },
    orderBy: [{ startedAt: 'asc' }, { avinodeTripId: 'asc' }],
  });
  const rows = sessions.map((s) => ({
    agent: s.agent,
    status: s.status,
    step: s.currentStep,
    avinode: [s.avinodeTripId, s.avinodeRfpId, s.avinodeRfqId],
    times: [s.startedAt, s.endedAt, s.lastActivityAt],
    counters: [s.messageCount, s.quotesReceivedCount, s.quotesExpectedCount, s.operatorsContactedCount, s.version],
    state: [s.workflowState, s.metadata],
    conversation: {
      subject: s.conversation.subject,
      lastMessageAt: s.conversation.lastMessageAt,
      messages: s.conversation.messages.map((m) => [m.createdAt, m.senderType, m.senderName, m.content, m.externalId]),
    },
    request: s.request && {
      client: [s.request.client?.companyName, s.request.client?.email],
      trip: [
        s.request.tripType,
        s.request.passengers,
        s.request.aircraftCategory,
        s.request.budget?.toFixed(2),
        s.request.specialRequirements,
      ],
      legs: s.request.legs.map((l) => [l.departureAirport, l.arrivalAirport, l.departureAt]),
      quotes: s.request.quotes.map((q) => [
        q.avinodeQuoteId,
        q.operator.avinodeCompanyId,
        q.aircraftType,
        q.tailNumber,
        q.totalPrice.toFixed(2),
        q.status,
        q.declineReason,
        q.receivedAt,
        q.validUntil,
      ]),
    },
    primaryQuote: s.primaryQuote?.avinodeQuoteId,
    proposal: s.proposal && [
      s.proposal.number,
      s.proposal.title,
      s.proposal.total.toFixed(2),
      s.proposal.status,
      s.proposal.sentAt,
      s.proposal.sentTo,
    ],
    events: s.events.map((e) => [
      e.type,
      e.fromStep,
      e.toStep,
      e.fromStatus,
      e.toStatus,
      e.actorId,
      e.createdAt,
      stripIds(e.data),
    ]),
  }));
  return createHash('sha256').update(JSON.stringify(rows)).digest('hex');
}

/** Every row's id, and the events with the ids they name: the same on every run too. */
async function identities(db: PrismaClient) {
  const ids = { select: { id: true }, orderBy: { id: 'asc' } } as const;
  return {
    conversations: await db.conversation.findMany(ids),
    messages: await db.message.findMany(ids),
    requests: await db.tripRequest.findMany(ids),
    legs: await db.tripLeg.findMany(ids),
    quotes: await db.quote.findMany(ids),
    proposals: await db.proposal.findMany({ select: { id: true, number: true }, orderBy: { id: 'asc' } }),
    sessions: await db.chatSession.findMany({ select: { id: true, updatedAt: true }, orderBy: { id: 'asc' } }),
    events: await db.sessionEvent.findMany({
      select: { id: true, sessionId: true, data: true },
      orderBy: { id: 'asc' },
    }),
  };
}

/** Event payloads name rows by id; the digest must not depend on ids, only on the rest. */
function stripIds(data: unknown): unknown {
  if (typeof data !== 'object' || data === null) return data;
  return Object.fromEntries(Object.entries(data).filter(([key]) => !/Id$/.test(key) || key.startsWith('avinode')));
}
