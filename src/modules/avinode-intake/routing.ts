import type { ChatSession, PrismaClient } from '../../generated/prisma/client.js';
import type { Routing } from './interpret.js';

/**
 * Which linked trips (avinode_trip_id) a notification belongs to, from what it names:
 * the trip's display code, which sessions learn when they are linked, and RFQ ids, which
 * a session records when linked or which an earlier notification for the trip carried.
 * Never a guess: no key, no trip.
 */
export async function tripsFor(prisma: PrismaClient, routing: Routing): Promise<string[]> {
  const code = routing.tripCode ?? null;
  const rfqIds = routing.rfqIds;
  const rows = await prisma.$queryRaw<Array<{ trip: string }>>`
    SELECT avinode_trip_id AS trip FROM chat_sessions
    WHERE avinode_trip_id IS NOT NULL
      AND (avinode_rfq_id = ANY(${rfqIds}::text[]) OR avinode_trip_code = ${code} OR avinode_trip_id = ${code})
    UNION
    SELECT s.avinode_trip_id FROM avinode_notifications n JOIN chat_sessions s ON s.id = ANY(n.session_ids)
    WHERE n.status = 'APPLIED' AND n.rfq_ids && ${rfqIds}::text[] AND s.avinode_trip_id IS NOT NULL
    ORDER BY 1`;
  return rows.map((row) => row.trip);
}

/**
 * The session an operator's chat message goes to: the one already holding it, else the
 * trip's first open session (by id, so every delivery picks the same one), else its
 * most recently active one. A message id is unique, so it lives in one conversation.
 */
export async function chatTargetFor(
  prisma: PrismaClient,
  avinodeTripId: string,
  externalId: string,
): Promise<ChatSession | null> {
  const holding = await prisma.message.findUnique({
    where: { externalId },
    select: { conversation: { select: { sessions: { orderBy: { id: 'asc' }, take: 1 } } } },
  });
  const holder = holding?.conversation.sessions[0];
  if (holder) return holder;
  return (
    (await prisma.chatSession.findFirst({
      where: { avinodeTripId, status: { in: ['ACTIVE', 'PAUSED'] } },
      orderBy: { id: 'asc' },
    })) ?? (await prisma.chatSession.findFirst({ where: { avinodeTripId }, orderBy: { lastActivityAt: 'desc' } }))
  );
}
