import type { Viewer } from '../../auth/viewer.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { Logger } from '../../logger.js';
import type { PubSub } from '../../pubsub.js';
import { recordMessage } from '../conversation/message.service.js';
import { receiveQuote } from '../quote/quote.service.js';
import { learnAvinodeTripCode } from '../session/avinode.service.js';
import type { Interpretation } from './interpret.js';
import type { Settlement } from './notification-store.js';
import { chatTargetFor, tripsFor } from './routing.js';

/** The intake acts as an integration, like a service token calling the mutations. */
export const INTAKE_VIEWER: Viewer = { kind: 'service', subject: 'service:avinode-intake', expiresAt: undefined };

export type ApplyDependencies = { prisma: PrismaClient; pubsub: PubSub; logger: Logger };

/**
 * Records an interpreted notification through the same domain functions the mutations
 * use, so idempotency (quote and message ids), session events and their announcement
 * are theirs. Domain refusals (ValidationError, ...) propagate: the worker keeps the reason.
 */
export async function applyInterpretation(
  { prisma }: ApplyDependencies,
  interpretation: Interpretation,
): Promise<Settlement> {
  if (interpretation.kind === 'ignored') return { status: 'IGNORED', reason: interpretation.reason };
  if (interpretation.kind === 'trip-code') {
    const sessionIds = await learnAvinodeTripCode(prisma, interpretation.avinodeTripId, interpretation.tripCode);
    return { status: 'APPLIED', sessionIds, routing: undefined };
  }
  const { routing, quotes, messages } = interpretation;
  const trips = await tripsFor(prisma, routing);
  if (trips.length === 0) return { status: 'UNMATCHED', routing };
  const reached = new Set<string>();
  for (const avinodeTripId of trips) {
    for (const quote of quotes) {
      const outcome = await receiveQuote(prisma, INTAKE_VIEWER, { ...quote, avinodeTripId });
      for (const session of outcome.result.sessions) reached.add(session.id);
    }
    for (const message of messages) {
      const target = await chatTargetFor(prisma, avinodeTripId, message.externalId);
      if (!target) continue;
      const outcome = await recordMessage(prisma, INTAKE_VIEWER, {
        sessionId: target.id,
        senderType: 'OPERATOR',
        senderName: message.senderName ?? null,
        content: message.content,
        externalId: message.externalId,
        sentAt: message.sentAt ?? null,
      });
      reached.add(outcome.result.session.id);
    }
  }
  return { status: 'APPLIED', sessionIds: [...reached].sort(), routing };
}
