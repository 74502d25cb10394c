import type { Viewer } from '../../auth/viewer.js';
import type { PrismaClient } from '../../generated/prisma/client.js';
import type { AvinodeNotificationStatus } from '../../generated/prisma/enums.js';
import type { Logger } from '../../logger.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { countTransition } from './intake-metrics.js';

/** Being processed right now: a retry would race the worker that holds it. */
const NOT_RETRYABLE: AvinodeNotificationStatus[] = ['PROCESSING'];

export function assertAdmin(viewer: Viewer): void {
  if (viewer.kind !== 'agent' || !viewer.isAdmin) throw new ForbiddenError('Only admins may see the Avinode inbox.');
}

/**
 * An admin sends notifications back to the queue: one (any status but PROCESSING, e.g.
 * a dead letter, an unparseable body after Avinode fixed it, an APPLIED one to fetch
 * again), or every dead-lettered one. Each gets a fresh retry window as long as its
 * first one; attempts keep counting.
 */
export async function retryAvinodeNotifications(
  prisma: PrismaClient,
  viewer: Viewer,
  logger: Logger,
  input: { id?: string | null; allDeadLettered?: boolean | null },
): Promise<string[]> {
  assertAdmin(viewer);
  if (Boolean(input.id) === Boolean(input.allDeadLettered)) {
    throw ValidationError.of('id', 'give exactly one of id or allDeadLettered: true');
  }
  let rows: Array<{ id: string }>;
  if (input.id) {
    const known = await prisma.avinodeNotification.findUnique({ where: { id: input.id }, select: { status: true } });
    if (!known) throw new NotFoundError('AvinodeNotification', input.id);
    if (NOT_RETRYABLE.includes(known.status))
      throw ValidationError.of('id', 'the notification is being processed right now; try again in a moment');
    rows = await prisma.$queryRaw`UPDATE avinode_notifications
      SET status = 'PENDING', next_attempt_at = now(), give_up_at = now() + (give_up_at - received_at), updated_at = now()
      WHERE id = ${input.id}::uuid AND status <> 'PROCESSING' RETURNING id`;
  } else {
    rows = await prisma.$queryRaw`UPDATE avinode_notifications
      SET status = 'PENDING', next_attempt_at = now(), give_up_at = now() + (give_up_at - received_at), updated_at = now()
      WHERE status = 'DEAD_LETTERED' RETURNING id`;
  }
  const ids = rows.map((row) => row.id);
  countTransition('PENDING', ids.length);
  const actor = viewer.kind === 'agent' ? viewer.agent.id : undefined;
  logger.info('avinode notifications requeued by an admin', { count: ids.length, actor, ids: ids.slice(0, 100) });
  return ids;
}
