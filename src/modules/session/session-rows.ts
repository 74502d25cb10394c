import type { Viewer } from '../../auth/viewer.js';
import { ownerScope } from '../../auth/viewer.js';
import { now } from '../../clock.js';
import { type ChatSession, Prisma } from '../../generated/prisma/client.js';
import { NotFoundError, StaleVersionError } from '../errors.js';
import type { SessionState } from './workflow.js';

/**
 * The session row in SQL: locked and read in one statement, written in one statement.
 * Every change goes through these two, so a change costs one round trip for the lock and
 * one for the row, whatever it adds of its own.
 */

type Tx = Prisma.TransactionClient;

const COLUMNS: Array<[keyof ChatSession, string]> = [
  ['id', 'id'],
  ['conversationId', 'conversation_id'],
  ['requestId', 'request_id'],
  ['agentId', 'iso_agent_id'],
  ['status', 'status'],
  ['currentStep', 'current_step'],
  ['avinodeTripId', 'avinode_trip_id'],
  ['avinodeRfpId', 'avinode_rfp_id'],
  ['avinodeRfqId', 'avinode_rfq_id'],
  ['avinodeTripCode', 'avinode_trip_code'],
  ['primaryQuoteId', 'primary_quote_id'],
  ['proposalId', 'proposal_id'],
  ['startedAt', 'session_started_at'],
  ['endedAt', 'session_ended_at'],
  ['lastActivityAt', 'last_activity_at'],
  ['workflowState', 'workflow_state'],
  ['metadata', 'metadata'],
  ['messageCount', 'message_count'],
  ['quotesReceivedCount', 'quotes_received_count'],
  ['quotesExpectedCount', 'quotes_expected_count'],
  ['operatorsContactedCount', 'operators_contacted_count'],
  ['version', 'version'],
  ['createdAt', 'created_at'],
  ['updatedAt', 'updated_at'],
];

/** The columns as ChatSession's fields, read from `alias`. */
export function sessionColumns(alias: string): Prisma.Sql {
  return Prisma.raw(COLUMNS.map(([field, column]) => `${alias}.${column} AS "${field}"`).join(', '));
}

/** "Visible to this viewer" on the chat_sessions row called `alias`. */
export function ownedSql(viewer: Viewer, alias: string): Prisma.Sql {
  const owner = ownerScope(viewer);
  return owner ? Prisma.sql`${Prisma.raw(alias)}.iso_agent_id = ${owner}::uuid` : Prisma.sql`TRUE`;
}

/**
 * Locks the sessions `where` picks (on `s`, among those the viewer may see) in id order and
 * reads them in the same statement, so decisions are made on rows nobody can change
 * underneath, and two changes of the same sessions cannot deadlock. `alongside` adds
 * columns that the caller reads in the same round trip (they see the statement's snapshot).
 */
export async function lockSessions<Extra extends object = object>(
  tx: Tx,
  viewer: Viewer,
  where: Prisma.Sql,
  options: { alongside?: Prisma.Sql; skipLocked?: boolean } = {},
): Promise<Array<ChatSession & Extra>> {
  return tx.$queryRaw<Array<ChatSession & Extra>>`
    SELECT ${sessionColumns('s')}${options.alongside ? Prisma.sql`, ${options.alongside}` : Prisma.empty}
    FROM chat_sessions AS s
    WHERE (${where}) AND ${ownedSql(viewer, 's')}
    ORDER BY s.id
    FOR UPDATE OF s${options.skipLocked ? Prisma.raw(' SKIP LOCKED') : Prisma.empty}`;
}

/** Session columns a service may set besides status, step, version and activity time. */
export type SessionFields = Partial<
  Pick<
    ChatSession,
    | 'requestId'
    | 'avinodeTripId'
    | 'avinodeRfpId'
    | 'avinodeRfqId'
    | 'avinodeTripCode'
    | 'primaryQuoteId'
    | 'proposalId'
  >
>;
/** Counters, always added to in SQL, never read and written back. */
export type SessionCounters = Partial<
  Record<'messageCount' | 'quotesReceivedCount' | 'quotesExpectedCount' | 'operatorsContactedCount', number>
>;

const UUID_FIELDS = new Set<keyof SessionFields>(['requestId', 'primaryQuoteId', 'proposalId']);
const COLUMN_OF = new Map(COLUMNS);

export type SessionWrite = {
  /** Where each session ends up. */
  moves: Array<{ id: string } & SessionState>;
  /** The activity time; null keeps it (housekeeping is not activity). */
  at: Date | null;
  /** When a session that completes or is archived ends, if it has not ended before. */
  endedAt: Date;
  set?: SessionFields;
  increment?: SessionCounters;
};

/**
 * The one UPDATE of a change, as SQL (a caller on the hot path runs it as a CTE beside
 * its own writes): status, step, version + 1, activity time, end time, the service's
 * columns and counters, RETURNING the rows as ChatSession. `onlyIf` guards it.
 */
export function sessionWriteSql(write: SessionWrite, onlyIf: Prisma.Sql = Prisma.sql`TRUE`): Prisma.Sql {
  const assignments: Prisma.Sql[] = [];
  for (const [field, value] of Object.entries(write.set ?? {}) as Array<[keyof SessionFields, string | null]>) {
    if (value === undefined) continue;
    const column = Prisma.raw(COLUMN_OF.get(field) as string);
    assignments.push(
      UUID_FIELDS.has(field) ? Prisma.sql`${column} = ${value}::uuid` : Prisma.sql`${column} = ${value}`,
    );
  }
  for (const [field, by] of Object.entries(write.increment ?? {})) {
    if (!by) continue;
    const column = Prisma.raw(COLUMN_OF.get(field as keyof ChatSession) as string);
    assignments.push(Prisma.sql`${column} = s.${column} + ${by}::int`);
  }
  const ids = write.moves.map((move) => move.id);
  const statuses = write.moves.map((move) => move.status);
  const steps = write.moves.map((move) => move.step);
  return Prisma.sql`
    UPDATE chat_sessions AS s SET
      status = m.status::"SessionStatus",
      current_step = m.step::"WorkflowStep",
      version = s.version + 1,
      last_activity_at = COALESCE(${write.at}::timestamptz, s.last_activity_at),
      session_ended_at = CASE WHEN m.status <> s.status::text AND m.status IN ('COMPLETED', 'ARCHIVED')
        THEN COALESCE(s.session_ended_at, ${write.endedAt}::timestamptz) ELSE s.session_ended_at END,
      updated_at = ${now()}::timestamptz
      ${assignments.length ? Prisma.sql`, ${Prisma.join(assignments)}` : Prisma.empty}
    FROM unnest(${ids}::uuid[], ${statuses}::text[], ${steps}::text[]) AS m(id, status, step)
    WHERE s.id = m.id AND (${onlyIf})
    RETURNING ${sessionColumns('s')}`;
}

/** Runs the write alone; the rows as updated, in id order. */
export async function writeSessions(tx: Tx, write: SessionWrite): Promise<ChatSession[]> {
  if (write.moves.length === 0) return [];
  const rows = await tx.$queryRaw<ChatSession[]>(sessionWriteSql(write));
  return rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Locks and reads one session; another agent's session is "not found", a moved-on version is stale. */
export async function lockSession(
  tx: Tx,
  viewer: Viewer,
  sessionId: string,
  expectedVersion?: number | null,
): Promise<ChatSession> {
  const [session] = await lockSessions(tx, viewer, Prisma.sql`s.id = ${sessionId}::uuid`);
  if (!session) throw new NotFoundError('ChatSession', sessionId);
  if (expectedVersion != null && expectedVersion !== session.version) {
    throw new StaleVersionError(expectedVersion, session.version);
  }
  return session;
}
