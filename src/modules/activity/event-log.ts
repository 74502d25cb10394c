import { now } from '../../clock.js';
import { Prisma, type PrismaClient, type SessionEvent } from '../../generated/prisma/client.js';

/**
 * The write side of the session event log; its reader is EventStream (event-stream.ts),
 * which relies on what this file guarantees: ids in commit order, and an announcement
 * after every commit that wrote events.
 */

/** One thing that happened, before it has its place (id) in the stream. */
export type EventDraft = Omit<
  Prisma.SessionEventCreateManyInput,
  'id' | 'createdAt' | 'actorId' | 'sessionStatus' | 'sessionStep' | 'sessionVersion'
>;

/**
 * Any transaction that writes session events takes this lock as it inserts them and
 * holds it until commit. Event ids are taken from a sequence at insert time, not at
 * commit, so without it a reader that has seen id 12 could later find id 11 committed
 * and a resuming subscriber would skip it. Serialising only the tail of the transaction
 * (this insert, the commit) keeps ids in commit order.
 */
export const EVENT_STREAM_LOCK = 7_402_117_001n;

type Tx = Prisma.TransactionClient;

/**
 * Inserts the events in one statement that first takes the stream lock, then the ids.
 * Where each session stands (`sessionStatus`, `sessionStep`, `sessionVersion`) is filled
 * by the session_events_fill_session_state trigger, the log's one filler: it reads the
 * session row as this transaction has just updated it, for the app and for writers that
 * insert events by hand (fixtures, benches, ad-hoc SQL) alike, inside the insert, so
 * stamping costs no round trip.
 */
export async function appendEvents(tx: Tx, drafts: EventDraft[], actorId: string): Promise<SessionEvent[]> {
  if (drafts.length === 0) return [];
  const at = now();
  const rows = drafts.map(
    (draft, ord) =>
      Prisma.sql`(${draft.sessionId}::uuid, ${draft.agentId}::uuid, ${draft.type}::"SessionEventType",
        ${draft.fromStep ?? null}::"WorkflowStep", ${draft.toStep ?? null}::"WorkflowStep",
        ${draft.fromStatus ?? null}::"SessionStatus", ${draft.toStatus ?? null}::"SessionStatus",
        ${JSON.stringify(draft.data ?? {})}::jsonb, ${actorId}, ${at}::timestamptz, ${ord}::int)`,
  );
  // The lock is a materialised CTE that every inserted row joins, so it is held before the
  // first id is drawn; `ord` keeps the ids in the order the drafts were given.
  return tx.$queryRaw<SessionEvent[]>`
    WITH stream_lock AS MATERIALIZED (SELECT pg_advisory_xact_lock(${EVENT_STREAM_LOCK}))
    INSERT INTO session_events (session_id, iso_agent_id, type, from_step, to_step, from_status, to_status, data,
      actor_id, created_at)
    SELECT draft.session_id, draft.agent_id, draft.type, draft.from_step, draft.to_step, draft.from_status,
      draft.to_status, draft.data, draft.actor_id, draft.created_at
    FROM stream_lock, (VALUES ${Prisma.join(rows)})
      AS draft(session_id, agent_id, type, from_step, to_step, from_status, to_status, data, actor_id, created_at, ord)
    ORDER BY draft.ord
    RETURNING ${EVENT_COLUMNS}`;
}

const EVENT_COLUMNS = Prisma.raw(
  [
    'id',
    'session_id AS "sessionId"',
    'iso_agent_id AS "agentId"',
    'type',
    'from_step AS "fromStep"',
    'to_step AS "toStep"',
    'from_status AS "fromStatus"',
    'to_status AS "toStatus"',
    'data',
    'actor_id AS "actorId"',
    'created_at AS "createdAt"',
    'session_status AS "sessionStatus"',
    'session_step AS "sessionStep"',
    'session_version AS "sessionVersion"',
  ].join(', '),
);

/** Whoever tails the log for a database: told after each commit that wrote events. */
export type CommitListener = (events: SessionEvent[]) => void;

const listeners = new WeakMap<PrismaClient, Set<CommitListener>>();

/** Registers a listener (an EventStream) for the commits made through this client; returns the way out. */
export function onCommitted(prisma: PrismaClient, listener: CommitListener): () => void {
  let set = listeners.get(prisma);
  if (!set) {
    set = new Set();
    listeners.set(prisma, set);
  }
  set.add(listener);
  return () => set.delete(listener);
}

/**
 * Called by the write path right after COMMIT, never before. With no listener (a script
 * replaying history without a server) there is nobody to tell; readers that start later
 * read the log from the database.
 */
export function afterCommit(prisma: PrismaClient, events: SessionEvent[]): void {
  if (events.length === 0) return;
  for (const listener of listeners.get(prisma) ?? []) listener(events);
}
