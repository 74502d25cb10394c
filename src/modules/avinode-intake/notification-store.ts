import { randomUUID } from 'node:crypto';
import type { Prisma, PrismaClient } from '../../generated/prisma/client.js';
import type { AvinodeNotificationSource, AvinodeNotificationStatus } from '../../generated/prisma/enums.js';
import type { NotificationBody } from './avinode-shapes.js';
import { countTransition } from './intake-metrics.js';
import type { Routing } from './interpret.js';

/**
 * The avinode_notifications table: the intake's durable queue. Rows are never deleted;
 * a row moves PENDING → PROCESSING (claimed by one worker) → a final status, or back to
 * PENDING to be retried. Every worker on every instance claims from the same table.
 */
type Db = PrismaClient | Prisma.TransactionClient;

export type ClaimedNotification = {
  id: string;
  claimId: string;
  source: AvinodeNotificationSource;
  resourceType: string;
  resourceId: string;
  href: string;
  tripCode: string | null;
  attempts: number;
  giveUpAt: Date;
};

/** Stores a delivery as it came; the worker does everything else later. */
export async function storeNotification(
  prisma: PrismaClient,
  notification: { body: NotificationBody; raw: unknown; event: string | undefined; retryForMs: number },
): Promise<string> {
  const { body } = notification;
  const stored = await prisma.avinodeNotification.create({
    data: {
      resourceId: body.id,
      resourceType: body.type,
      href: body.href,
      tripCode: body.tripId ?? null,
      event: notification.event ?? null,
      body: notification.raw as Prisma.InputJsonValue,
      giveUpAt: new Date(Date.now() + notification.retryForMs),
    },
    select: { id: true },
  });
  countTransition('PENDING');
  return stored.id;
}

/**
 * Claims up to `limit` due notifications for this worker. SKIP LOCKED lets workers on
 * other instances claim other rows at the same moment instead of queueing behind these;
 * the claim is a lease, so a worker that dies mid-way loses its rows to the next one.
 */
export async function claimDue(prisma: PrismaClient, limit: number, leaseMs: number): Promise<ClaimedNotification[]> {
  const claimId = randomUUID();
  const rows = await prisma.$queryRaw<
    Array<{
      id: string;
      source: AvinodeNotificationSource;
      resource_type: string;
      resource_id: string;
      href: string;
      trip_code: string | null;
      attempts: number;
      give_up_at: Date;
    }>
  >`UPDATE avinode_notifications SET status = 'PROCESSING', claim_id = ${claimId}::uuid,
      claimed_until = now() + make_interval(secs => ${leaseMs / 1000}), attempts = attempts + 1,
      rematch = false, updated_at = now()
    WHERE id IN (
      SELECT id FROM avinode_notifications
      WHERE (status = 'PENDING' AND next_attempt_at <= now()) OR (status = 'PROCESSING' AND claimed_until < now())
      ORDER BY next_attempt_at LIMIT ${limit} FOR UPDATE SKIP LOCKED)
    RETURNING id, source, resource_type, resource_id, href, trip_code, attempts, give_up_at`;
  if (rows.length > 0) countTransition('PROCESSING', rows.length);
  return rows.map((row) => ({
    id: row.id,
    claimId,
    source: row.source,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    href: row.href,
    tripCode: row.trip_code,
    attempts: row.attempts,
    giveUpAt: row.give_up_at,
  }));
}

export type Settlement =
  | { status: 'APPLIED'; sessionIds: string[]; routing: Routing | undefined }
  | { status: 'UNMATCHED'; routing: Routing }
  | { status: 'IGNORED' | 'UNPARSEABLE' | 'REJECTED' | 'DEAD_LETTERED'; reason: string }
  /** Retry later; `counted: false` hands the attempt back (the worker stopped or was paused). */
  | { status: 'PENDING'; reason: string; nextAttemptAt: Date; counted: boolean };

/**
 * Records how a claimed notification ended, if this worker still holds it (a lapsed
 * claim may have passed to another worker, whose answer then wins). Answers the status
 * the row took, or undefined when the claim was lost.
 */
export async function settleClaim(
  prisma: PrismaClient,
  claim: ClaimedNotification,
  settlement: Settlement,
): Promise<AvinodeNotificationStatus | undefined> {
  const held = { id: claim.id, claimId: claim.claimId, status: 'PROCESSING' as const };
  const released = { claimId: null, claimedUntil: null };
  if (settlement.status === 'UNMATCHED') {
    // A session may have linked this trip while it was being matched (rematch): then match again.
    const rows = await prisma.$queryRaw<Array<{ status: AvinodeNotificationStatus }>>`
      UPDATE avinode_notifications
      SET status = CASE WHEN rematch THEN 'PENDING' ELSE 'UNMATCHED' END::"AvinodeNotificationStatus",
        next_attempt_at = now(), trip_code = ${settlement.routing.tripCode ?? null},
        rfq_ids = ${settlement.routing.rfqIds}::text[], last_error = NULL, rematch = false,
        claim_id = NULL, claimed_until = NULL, processed_at = now(), updated_at = now()
      WHERE id = ${claim.id}::uuid AND claim_id = ${claim.claimId}::uuid AND status = 'PROCESSING'
      RETURNING status`;
    return counted(rows[0]?.status);
  }
  let data: Prisma.AvinodeNotificationUpdateManyMutationInput;
  switch (settlement.status) {
    case 'APPLIED':
      data = {
        sessionIds: settlement.sessionIds,
        ...(settlement.routing
          ? { tripCode: settlement.routing.tripCode ?? claim.tripCode, rfqIds: settlement.routing.rfqIds }
          : {}),
        lastError: null,
        processedAt: new Date(),
      };
      break;
    case 'PENDING':
      data = {
        lastError: settlement.reason,
        nextAttemptAt: settlement.nextAttemptAt,
        ...(settlement.counted ? {} : { attempts: { decrement: 1 } }),
      };
      break;
    default:
      data = { lastError: settlement.reason, processedAt: new Date() };
  }
  const { count } = await prisma.avinodeNotification.updateMany({
    where: held,
    data: { ...data, ...released, status: settlement.status },
  });
  return counted(count > 0 ? settlement.status : undefined);
}

function counted(status: AvinodeNotificationStatus | undefined) {
  if (status) countTransition(status);
  return status;
}

/**
 * A session was just linked to a trip (or learned its display code): notifications
 * that matched no session and carry one of these keys are matched again. Ones being
 * processed right now are told to match again rather than be parked. Runs inside the
 * linking transaction, so a link and its waiting quotes cannot miss each other.
 */
export async function requeueUnmatched(tx: Db, keys: { tripCodes: string[]; rfqIds: string[] }): Promise<number> {
  const tripCodes = keys.tripCodes.filter(Boolean);
  const rfqIds = keys.rfqIds.filter(Boolean);
  if (tripCodes.length === 0 && rfqIds.length === 0) return 0;
  const requeued = await tx.$executeRaw`UPDATE avinode_notifications
    SET status = 'PENDING', next_attempt_at = now(), updated_at = now()
    WHERE status = 'UNMATCHED' AND (trip_code = ANY(${tripCodes}::text[]) OR rfq_ids && ${rfqIds}::text[])`;
  await tx.$executeRaw`UPDATE avinode_notifications SET rematch = true WHERE status = 'PROCESSING' AND NOT rematch`;
  if (requeued > 0) countTransition('PENDING', requeued);
  return requeued;
}

/**
 * Notifications name trips by display code, sessions by resource id (atrip-…). For every
 * linked trip whose code no session knows, queue one GET /trips/{id} (once per trip).
 */
export async function enqueueTripLookups(
  prisma: PrismaClient,
  tripUrl: (avinodeTripId: string) => string | undefined,
  retryForMs: number,
): Promise<number> {
  const trips = await prisma.$queryRaw<Array<{ trip: string }>>`
    SELECT DISTINCT s.avinode_trip_id AS trip FROM chat_sessions s
    WHERE s.avinode_trip_id IS NOT NULL AND s.avinode_trip_code IS NULL AND s.status IN ('ACTIVE', 'PAUSED')
      AND NOT EXISTS (SELECT 1 FROM avinode_notifications n
        WHERE n.resource_type = 'trips' AND n.resource_id = s.avinode_trip_id)
    LIMIT 100`;
  const lookups = trips.flatMap(({ trip }) => {
    const href = tripUrl(trip);
    return href
      ? [
          {
            source: 'TRIP_LOOKUP' as const,
            resourceId: trip,
            resourceType: 'trips',
            href,
            body: { id: trip, href, type: 'trips' },
            giveUpAt: new Date(Date.now() + retryForMs),
          },
        ]
      : [];
  });
  if (lookups.length === 0) return 0;
  const { count } = await prisma.avinodeNotification.createMany({ data: lookups });
  countTransition('PENDING', count);
  return count;
}

/** Keeps a live worker's claims from lapsing while it is still working on them. */
export async function renewClaims(prisma: PrismaClient, claims: ClaimedNotification[], leaseMs: number): Promise<void> {
  if (claims.length === 0) return;
  await prisma.$executeRaw`UPDATE avinode_notifications
    SET claimed_until = now() + make_interval(secs => ${leaseMs / 1000})
    WHERE status = 'PROCESSING' AND id = ANY(${claims.map((claim) => claim.id)}::uuid[])
      AND claim_id = ANY(${[...new Set(claims.map((claim) => claim.claimId))]}::uuid[])`;
}
