import type { Viewer } from '../src/auth/viewer.js';
import { now, withClock } from '../src/clock.js';
import type { Agent, PrismaClient } from '../src/generated/prisma/client.js';
import { INTAKE_VIEWER } from '../src/modules/avinode-intake/apply.js';
import { recordMessage } from '../src/modules/conversation/message.service.js';
import { generateProposal, sendProposal } from '../src/modules/proposal/proposal.service.js';
import { receiveQuote, selectPrimaryQuote } from '../src/modules/quote/quote.service.js';
import { linkAvinodeTrip, recordRfqsSent } from '../src/modules/session/avinode.service.js';
import { archiveStaleSessions, changeStatus, startSession } from '../src/modules/session/lifecycle.service.js';
import { captureTripRequest } from '../src/modules/trip-request/trip-request.service.js';
import { demoUuid } from './seed-random.js';
import { type Actor, type DemoAction, type HousekeepingAction, PROPOSAL_NUMBER } from './seed-story.js';

/**
 * Tells the demo story to the services the live server runs, each action at the moment it happened
 * (src/clock.ts), so every row, counter and event is the one the workflow writes. Nothing here decides
 * what a step changes: that is the services' alone, so the demo cannot drift from live traffic.
 */

/** The chat orchestrator acts with a service token; Avinode's side comes in through the intake's viewer. */
const ORCHESTRATOR: Viewer = { kind: 'service', subject: 'service:chat-orchestrator', expiresAt: undefined };

export async function replayDemoStory(
  prisma: PrismaClient,
  agents: readonly Agent[],
  actions: readonly (DemoAction | HousekeepingAction)[],
): Promise<void> {
  const idFor = replayIds();
  const client = replayClient(prisma, idFor);
  const viewers = new Map<string, Viewer>(
    agents.map((agent) => [
      agent.id,
      { kind: 'agent', agent, isAdmin: agent.role === 'ADMIN', expiresAt: undefined } satisfies Viewer,
    ]),
  );
  const viewerOf = (agentId: string) => viewers.get(agentId) as Viewer;
  const conversations = new Map<string, string>();
  const sessions = new Map<string, { id: string; agentId: string; proposalNumber?: string }>();
  const quotes = new Map<string, string>();

  for (const action of actions) {
    await withClock(
      () => action.at,
      async () => {
        if (action.kind === 'archive-stale') {
          await archiveStaleSessions(client, viewerOf(action.agentId), action.olderThanDays);
          return;
        }
        if (action.kind === 'start') {
          const { result } = await startSession(client, viewerOf(action.agentId), {
            conversationId: conversations.get(action.conversation) ?? null,
            subject: action.subject,
            metadata: action.metadata,
          });
          conversations.set(action.conversation, result.session.conversationId);
          sessions.set(action.session, { id: result.session.id, agentId: action.agentId });
          return;
        }
        const session = sessions.get(action.session);
        if (!session) throw new Error(`The demo story acts on session ${action.session} before starting it.`);
        const sessionId = session.id;
        const viewerFor = (actor: Actor) =>
          actor === 'agent' ? viewerOf(session.agentId) : actor === 'avinode' ? INTAKE_VIEWER : ORCHESTRATOR;
        switch (action.kind) {
          case 'message':
            await recordMessage(client, viewerFor(action.by), {
              sessionId,
              senderType: action.senderType,
              senderName: action.senderName,
              content: action.content.replaceAll(PROPOSAL_NUMBER, session.proposalNumber ?? PROPOSAL_NUMBER),
              externalId: action.externalId,
            });
            return;
          case 'capture':
            await captureTripRequest(client, viewerFor('orchestrator'), {
              sessionId,
              clientId: action.clientId,
              tripType: action.tripType,
              passengers: action.passengers,
              legs: action.legs,
              aircraftCategory: action.aircraftCategory,
              budget: action.budget,
              specialRequirements: action.specialRequirements,
            });
            return;
          case 'link':
            await linkAvinodeTrip(client, viewerFor('orchestrator'), {
              sessionId,
              avinodeTripId: action.avinodeTripId,
              avinodeRfpId: action.avinodeRfpId,
              avinodeRfqId: action.avinodeRfqId,
            });
            return;
          case 'rfqs':
            await recordRfqsSent(client, viewerFor('orchestrator'), {
              sessionId,
              operatorsContacted: action.operatorsContacted,
              quotesExpected: action.quotesExpected,
            });
            return;
          case 'quote': {
            const { result } = await receiveQuote(client, viewerFor('avinode'), {
              sessionId,
              avinodeQuoteId: action.avinodeQuoteId,
              operator: action.operator,
              aircraftType: action.aircraftType,
              tailNumber: action.tailNumber,
              seats: action.seats,
              totalPrice: action.totalPrice,
              validUntil: action.validUntil,
              status: action.status,
              declineReason: action.declineReason,
            });
            quotes.set(action.avinodeQuoteId, result.quote.id);
            return;
          }
          case 'select':
            await selectPrimaryQuote(client, viewerFor('agent'), {
              sessionId,
              quoteId: quotes.get(action.avinodeQuoteId) as string,
            });
            return;
          case 'propose': {
            const { result } = await generateProposal(client, viewerFor('agent'), {
              sessionId,
              marginPercent: action.marginPercent,
              title: action.title,
            });
            session.proposalNumber = result.proposal.number;
            return;
          }
          case 'send':
            await sendProposal(client, viewerFor('agent'), { sessionId });
            return;
          case 'status':
            await changeStatus(client, viewerFor('agent'), { sessionId, reason: action.reason }, action.action);
            return;
        }
      },
      // Rows the services insert in SQL of their own (a quote, a new operator) get the story's ids too.
      { newId: idFor },
    );
  }
}

/** Models the workflow writes whose `@updatedAt` Prisma would otherwise stamp from the wall clock. */
const UPDATED_AT = new Set(['Conversation', 'TripRequest', 'Quote', 'Proposal', 'ChatSession']);

/**
 * The client the replay hands the services: rows get ids and times from the story rather than from
 * the machine, so every run writes the same data. The services leave three things to defaults that
 * read the wall clock, not `now()`: the UUIDv7 ids, `@updatedAt` and a quote's `receivedAt`; here
 * they come from `now()`, the replayed moment, as the live server's come from its moment. Ids are
 * UUIDv7 at that moment, their other bits from the row's place in the replay.
 */
/** Ids at the replayed moment, their other bits from the row's place in the replay. */
function replayIds(): (model: string) => string {
  const counts = new Map<string, number>();
  return (model) => {
    const n = counts.get(model) ?? 0;
    counts.set(model, n + 1);
    return demoUuid(`${model}:${n}`, now());
  };
}

function replayClient(prisma: PrismaClient, idFor: (model: string) => string): PrismaClient {
  const stamped = (model: string, data: Record<string, unknown>) => {
    const at = now();
    const legs = data['legs'] as { create?: Record<string, unknown>[] } | undefined;
    return {
      id: idFor(model),
      ...(UPDATED_AT.has(model) ? { updatedAt: at } : {}),
      ...(model === 'Quote' ? { receivedAt: at } : {}),
      ...data,
      ...(legs?.create
        ? { legs: { ...legs, create: legs.create.map((leg) => ({ id: idFor('TripLeg'), ...leg })) } }
        : {}),
    };
  };
  const touched = (model: string, data: Record<string, unknown>) =>
    UPDATED_AT.has(model) ? { updatedAt: now(), ...data } : data;
  return prisma.$extends({
    query: {
      $allModels: {
        create({ model, args, query }) {
          return query({ ...args, data: stamped(model, args.data as Record<string, unknown>) } as typeof args);
        },
        update({ model, args, query }) {
          return query({ ...args, data: touched(model, args.data as Record<string, unknown>) } as typeof args);
        },
        updateMany({ model, args, query }) {
          return query({ ...args, data: touched(model, args.data as Record<string, unknown>) } as typeof args);
        },
      },
    },
  }) as unknown as PrismaClient;
}
