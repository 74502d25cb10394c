import { z } from 'zod';
import type { Viewer } from '../../auth/viewer.js';
import type { ChatSession, PrismaClient } from '../../generated/prisma/client.js';
import { requeueUnmatched } from '../avinode-intake/notification-store.js';
import { ValidationError } from '../errors.js';
import { externalId, ID_IN_USE_ELSEWHERE, parseInput } from '../validation.js';
import { changeSession } from './session-change.js';
import { actorOf, lockAvinodeTrip, type Tx } from './session-transaction.js';
import { allowedActions, InvalidTransitionError } from './workflow.js';

const linkSchema = z.object({
  sessionId: z.string(),
  avinodeTripId: externalId,
  avinodeRfpId: externalId.nullish(),
  avinodeRfqId: externalId.nullish(),
  avinodeTripCode: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z0-9]{6}$/, "must be the trip's 6-character display code, e.g. A1B2C3")
    .nullish(),
  expectedVersion: z.number().int().nullish(),
});

export type LinkAvinodeTripInput = z.input<typeof linkSchema>;

/**
 * Links the session to its Avinode trip / RFP / RFQ and moves it to REQUESTING_QUOTES.
 * Repeating the same link is a no-op (no version bump, no event); relinking to a
 * different trip once quotes are requested is an invalid transition.
 */
export async function linkAvinodeTrip(prisma: PrismaClient, viewer: Viewer, raw: LinkAvinodeTripInput) {
  const input = parseInput(linkSchema, raw);
  // The trip's lock comes first (see lockAvinodeTrip): changeSession takes it before the row.
  return changeSession(prisma, viewer, input, async (change) => {
    const { session, tx } = change;
    const ids = {
      avinodeTripId: input.avinodeTripId,
      avinodeRfpId: input.avinodeRfpId ?? null,
      avinodeRfqId: input.avinodeRfqId ?? null,
      avinodeTripCode: input.avinodeTripCode ?? null,
    };
    const alreadyLinked =
      session.avinodeTripId === ids.avinodeTripId &&
      (ids.avinodeRfpId === null || session.avinodeRfpId === ids.avinodeRfpId) &&
      (ids.avinodeRfqId === null || session.avinodeRfqId === ids.avinodeRfqId) &&
      (ids.avinodeTripCode === null || session.avinodeTripCode === ids.avinodeTripCode);
    if (alreadyLinked) return change.unchanged({ session, changed: false });

    const state = change.state;
    if (session.avinodeTripId !== null && session.avinodeTripId !== ids.avinodeTripId) {
      throw new InvalidTransitionError(
        session.status,
        session.currentStep,
        'LINK_AVINODE_TRIP',
        allowedActions(state, actorOf(viewer)),
        `the session is already linked to Avinode trip ${session.avinodeTripId}`,
      );
    }
    if (session.avinodeTripId === null) change.transition('LINK_AVINODE_TRIP');
    // Adding a missing RFP/RFQ id to the linked trip is allowed at any step, but only while open.
    if (session.status !== 'ACTIVE' && session.status !== 'PAUSED') {
      throw new InvalidTransitionError(
        session.status,
        session.currentStep,
        'LINK_AVINODE_TRIP',
        allowedActions(state, actorOf(viewer)),
        `the session is ${session.status}; only open sessions can be relinked`,
      );
    }
    // Ids already recorded are facts about the trip: a relink may add one, never swap it.
    for (const field of ['avinodeRfpId', 'avinodeRfqId', 'avinodeTripCode'] as const) {
      const recorded = session[field];
      if (recorded !== null && ids[field] !== null && ids[field] !== recorded)
        throw ValidationError.of(field, `the session is already linked to ${recorded}`);
    }
    if (!session.requestId)
      throw ValidationError.of('sessionId', 'capture the trip request before linking an Avinode trip');
    const requestId = await tripRequestOf(tx, ids.avinodeTripId, session);
    await change.settle(requestId);
    const linked = {
      avinodeTripId: ids.avinodeTripId,
      avinodeRfpId: ids.avinodeRfpId ?? session.avinodeRfpId,
      avinodeRfqId: ids.avinodeRfqId ?? session.avinodeRfqId,
      avinodeTripCode: ids.avinodeTripCode ?? session.avinodeTripCode,
    };
    // Avinode notifications that arrived before this link was made now have somewhere to go.
    await requeueUnmatched(tx, {
      tripCodes: [linked.avinodeTripId, linked.avinodeTripCode].filter((key): key is string => key !== null),
      rfqIds: linked.avinodeRfqId ? [linked.avinodeRfqId] : [],
    });
    const joined =
      requestId !== session.requestId ? { requestId, previousRequestId: session.requestId } : { requestId };
    return {
      set: { ...linked, requestId },
      events: [{ type: 'AVINODE_TRIP_LINKED' as const, data: { ...ids, ...joined } }],
      result: (updated) => ({ session: updated, changed: true }),
    };
  });
}

/**
 * The trip's display code, learned from Avinode (GET /trips/{id}) for sessions linked
 * without one, so notifications that name the trip by its code reach them. A fact about
 * the trip rather than a workflow change: no version bump, no event. Notifications
 * waiting for the code are matched again. Answers the sessions that learned it.
 */
export async function learnAvinodeTripCode(
  prisma: PrismaClient,
  avinodeTripId: string,
  avinodeTripCode: string,
): Promise<string[]> {
  return prisma.$transaction(async (tx) => {
    await lockAvinodeTrip(tx, avinodeTripId);
    const sessions = await tx.chatSession.findMany({
      where: { avinodeTripId, avinodeTripCode: null },
      select: { id: true },
      orderBy: { id: 'asc' },
    });
    await tx.chatSession.updateMany({ where: { avinodeTripId, avinodeTripCode: null }, data: { avinodeTripCode } });
    await requeueUnmatched(tx, { tripCodes: [avinodeTripCode], rfqIds: [] });
    return sessions.map((session) => session.id);
  });
}

/**
 * An Avinode trip is created from one trip request, and its quotes hang off that
 * request. A second session of the same agent linking the same trip (a new
 * conversation about it) joins that request, so every session of the trip sees and
 * counts the same quotes; its own earlier request stays, named in the event. The
 * request belongs to one agent, so another agent's session cannot link the trip.
 * The caller holds the trip's lock (lockAvinodeTrip), so two sessions linking it at
 * once cannot each keep their own request (receiveQuote by trip id would then miss one).
 */
async function tripRequestOf(tx: Tx, avinodeTripId: string, session: ChatSession): Promise<string | null> {
  const siblings = await tx.chatSession.findMany({
    where: { avinodeTripId, id: { not: session.id }, requestId: { not: null } },
    orderBy: { id: 'asc' },
    select: { agentId: true, requestId: true },
  });
  if (siblings.some((sibling) => sibling.agentId !== session.agentId))
    throw ValidationError.of('avinodeTripId', ID_IN_USE_ELSEWHERE);
  return siblings[0]?.requestId ?? session.requestId;
}

const rfqsSchema = z.object({
  sessionId: z.string(),
  operatorsContacted: z.number().int().min(1, 'must be at least 1').max(1000, 'must be at most 1000'),
  quotesExpected: z.number().int().min(0, 'must not be negative').max(1000, 'must be at most 1000'),
  avinodeRfqId: externalId.nullish(),
  expectedVersion: z.number().int().nullish(),
});

export type RecordRfqsSentInput = z.input<typeof rfqsSchema>;

/** RFQs went out to operators: the counters grow by what this batch adds. */
export async function recordRfqsSent(prisma: PrismaClient, viewer: Viewer, raw: RecordRfqsSentInput) {
  const input = parseInput(rfqsSchema, raw);
  return changeSession(prisma, viewer, input, async (change) => {
    const { session, tx } = change;
    change.transition('RECORD_RFQS_SENT');
    const avinodeRfqId = session.avinodeRfqId ?? input.avinodeRfqId ?? null;
    if (avinodeRfqId) await requeueUnmatched(tx, { tripCodes: [], rfqIds: [avinodeRfqId] });
    return {
      set: input.avinodeRfqId && !session.avinodeRfqId ? { avinodeRfqId: input.avinodeRfqId } : {},
      increment: { operatorsContactedCount: input.operatorsContacted, quotesExpectedCount: input.quotesExpected },
      events: [
        {
          type: 'RFQS_SENT' as const,
          data: { operatorsContacted: input.operatorsContacted, quotesExpected: input.quotesExpected },
        },
      ],
      result: (updated) => ({ session: updated }),
    };
  });
}
