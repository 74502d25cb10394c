import type { Viewer } from '../auth/viewer.js';
import type { PrismaClient } from '../generated/prisma/client.js';
import { UUID } from '../graphql/global-ids.js';
import { sessionWhere } from '../modules/session/session.filters.js';

/**
 * The seed's `GET /api/chat-sessions`: an agent's sessions as rows with the seed's
 * column names, newest activity first. Visibility is the GraphQL API's own
 * (`sessionWhere`), so the two can never disagree about who sees what.
 */

/** Where a page ends: the last row's position itself, never a reference to a row. */
export type PagePosition = { lastActivityAt: Date; id: string };

export type SessionPageRequest = { tripId: string | undefined; limit: number; after: PagePosition | undefined };

export type SessionRow = ReturnType<typeof toRow>;

export async function sessionPage(prisma: PrismaClient, viewer: Viewer, page: SessionPageRequest) {
  const { after } = page;
  const rows = await prisma.chatSession.findMany({
    where: {
      AND: [
        sessionWhere(viewer, page.tripId === undefined ? undefined : { avinodeTripId: page.tripId }),
        // Keyset pagination on the order below; ties on the timestamp are broken by the id.
        after
          ? {
              OR: [
                { lastActivityAt: { lt: after.lastActivityAt } },
                { lastActivityAt: after.lastActivityAt, id: { lt: after.id } },
              ],
            }
          : {},
      ],
    },
    orderBy: [{ lastActivityAt: 'desc' }, { id: 'desc' }],
    // One extra row tells whether another page follows.
    take: page.limit + 1,
  });
  const hasMore = rows.length > page.limit;
  const shown = rows.slice(0, page.limit);
  const last = shown.at(-1);
  return {
    sessions: shown.map(toRow),
    nextCursor: hasMore && last ? encodePosition({ lastActivityAt: last.lastActivityAt, id: last.id }) : null,
  };
}

type SessionRecord = Awaited<ReturnType<PrismaClient['chatSession']['findMany']>>[number];

/** The seed's column names and its lower-case status and step values. */
function toRow(session: SessionRecord) {
  return {
    id: session.id,
    conversation_id: session.conversationId,
    request_id: session.requestId,
    iso_agent_id: session.agentId,
    status: session.status.toLowerCase(),
    current_step: session.currentStep.toLowerCase(),
    avinode_trip_id: session.avinodeTripId,
    avinode_rfp_id: session.avinodeRfpId,
    avinode_rfq_id: session.avinodeRfqId,
    primary_quote_id: session.primaryQuoteId,
    proposal_id: session.proposalId,
    session_started_at: session.startedAt.toISOString(),
    session_ended_at: session.endedAt?.toISOString() ?? null,
    last_activity_at: session.lastActivityAt.toISOString(),
    workflow_state: session.workflowState,
    message_count: session.messageCount,
    quotes_received_count: session.quotesReceivedCount,
    quotes_expected_count: session.quotesExpectedCount,
    operators_contacted_count: session.operatorsContactedCount,
    metadata: session.metadata,
    created_at: session.createdAt.toISOString(),
    updated_at: session.updatedAt.toISOString(),
  };
}

export function encodePosition(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.lastActivityAt.toISOString(), position.id])).toString('base64url');
}

/** A cursor this route handed out, or undefined for anything else. */
export function decodePosition(cursor: string): PagePosition | undefined {
  if (cursor.length > 200 || !/^[\w-]+$/.test(cursor)) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) return undefined;
  const [time, id] = decoded as unknown[];
  if (typeof time !== 'string' || typeof id !== 'string' || !UUID.test(id)) return undefined;
  const lastActivityAt = new Date(time);
  // Only the exact form encodePosition writes: no rolled-over or partial dates.
  if (Number.isNaN(lastActivityAt.getTime()) || lastActivityAt.toISOString() !== time) return undefined;
  return { lastActivityAt, id };
}
