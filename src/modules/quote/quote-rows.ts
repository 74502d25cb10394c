import type { Viewer } from '../../auth/viewer.js';
import { now } from '../../clock.js';
import { type ChatSession, Prisma, type Quote } from '../../generated/prisma/client.js';
import type { QuoteStatus } from '../../generated/prisma/enums.js';
import { NotFoundError } from '../errors.js';
import { newRowId } from '../ids.js';
import { lockSessions, ownedSql, type SessionWrite, sessionWriteSql } from '../session/session-rows.js';
import { lockAvinodeTrip, lockTripOfSession } from '../session/session-transaction.js';

/**
 * receiveQuote's reads and writes in SQL of its own: it is the busiest write path (one
 * call per operator per trip, in bursts), and Prisma's API would spend a round trip on
 * each of them. Quotes travel as JSON with the price as text, so no float touches money.
 */

type Tx = Prisma.TransactionClient;

const quoteJson = (alias: string) =>
  Prisma.raw(`to_jsonb(${alias}.*) || jsonb_build_object('total_price', ${alias}.total_price::text)`);

/**
 * The addressed session, or every open session of the trip (the latest session if none is
 * open), locked in id order, each row carrying the quote and operator as known. The trip's
 * lock comes first (see lockAvinodeTrip), in a statement of its own: the read that follows
 * then sees every session linked, and every quote delivered, before the lock was granted.
 */
export async function lockTargets(
  tx: Tx,
  viewer: Viewer,
  input: {
    sessionId?: string | null;
    avinodeTripId?: string | null;
    avinodeQuoteId: string;
    operator: { avinodeCompanyId: string };
  },
): Promise<Array<ChatSession & KnownQuoteAndOperator>> {
  const alongside = knownQuoteAndOperator(input.avinodeQuoteId, input.operator.avinodeCompanyId);
  if (input.sessionId) {
    await lockTripOfSession(tx, input.sessionId);
    const locked = await lockSessions<KnownQuoteAndOperator>(tx, viewer, Prisma.sql`s.id = ${input.sessionId}::uuid`, {
      alongside,
    });
    if (locked.length === 0) throw new NotFoundError('ChatSession', input.sessionId);
    return locked;
  }
  const tripId = input.avinodeTripId as string;
  await lockAvinodeTrip(tx, tripId);
  const open = Prisma.sql`o.avinode_trip_id = ${tripId} AND ${ownedSql(viewer, 'o')} AND o.status IN ('ACTIVE', 'PAUSED')`;
  const locked = await lockSessions<KnownQuoteAndOperator>(
    tx,
    viewer,
    Prisma.sql`s.id IN (
      SELECT o.id FROM chat_sessions AS o WHERE ${open}
      UNION ALL
      (SELECT l.id FROM chat_sessions AS l
        WHERE l.avinode_trip_id = ${tripId} AND ${ownedSql(viewer, 'l')}
          AND NOT EXISTS (SELECT 1 FROM chat_sessions AS o WHERE ${open})
        ORDER BY l.last_activity_at DESC LIMIT 1))`,
    { alongside },
  );
  if (locked.length === 0) throw new NotFoundError('ChatSession', `avinodeTripId=${tripId}`);
  return locked;
}

/** Read beside the session lock: the quote known by this Avinode id, and the operator's id. */
export function knownQuoteAndOperator(avinodeQuoteId: string, avinodeCompanyId: string): Prisma.Sql {
  return Prisma.sql`
    (SELECT ${quoteJson('q')} FROM quotes AS q WHERE q.avinode_quote_id = ${avinodeQuoteId}) AS "knownQuote",
    (SELECT o.id FROM operators AS o WHERE o.avinode_company_id = ${avinodeCompanyId}) AS "knownOperatorId"`;
}

export type KnownQuoteAndOperator = { knownQuote: unknown; knownOperatorId: string | null };

export type QuoteFields = {
  aircraftType: string;
  tailNumber: string | null;
  seats: number | null;
  totalPrice: Prisma.Decimal;
  currency: string;
  validUntil: Date | null;
  status: QuoteStatus;
  declineReason: string | null;
};

export type QuoteWrite = {
  /** The operator's id, or the operator to create (two first deliveries meet at its unique id). */
  operator: { id: string } | { avinodeCompanyId: string; name: string };
  fields: QuoteFields;
} & ({ known: Quote } | { requestId: string; avinodeQuoteId: string; createdAt: Date });

/**
 * One statement: the operator when new, the quote (inserted, or the known one updated) and
 * the sessions' write, which runs only when the quote was written. No row back means a
 * concurrent first delivery of the same quote won; the caller retries and finds it known.
 */
export async function writeQuoteAndSessions(
  tx: Tx,
  write: QuoteWrite,
  sessions: SessionWrite,
): Promise<{ quote: Quote; sessions: ChatSession[] } | null> {
  const { fields } = write;
  const operatorId =
    'id' in write.operator ? Prisma.sql`${write.operator.id}::uuid` : Prisma.sql`(SELECT id FROM new_operator)`;
  const operatorCte =
    'id' in write.operator
      ? Prisma.empty
      : Prisma.sql`new_operator AS (
          INSERT INTO operators (id, avinode_company_id, name)
          VALUES (${newRowId('Operator')}::uuid, ${write.operator.avinodeCompanyId}, ${write.operator.name})
          ON CONFLICT (avinode_company_id) DO UPDATE SET name = operators.name
          RETURNING id),`;
  const values = Prisma.sql`${fields.aircraftType}, ${fields.tailNumber}, ${fields.seats}::int,
    ${fields.totalPrice.toFixed(2)}::numeric, ${fields.currency}, ${fields.validUntil}::timestamptz,
    ${fields.status}::"QuoteStatus", ${fields.declineReason}`;
  const quoteCte =
    'known' in write
      ? Prisma.sql`UPDATE quotes SET (operator_id, aircraft_type, tail_number, seats, total_price, currency,
            valid_until, status, decline_reason, updated_at) = (${operatorId}, ${values}, ${now()}::timestamptz)
          WHERE id = ${write.known.id}::uuid RETURNING *`
      : Prisma.sql`INSERT INTO quotes (id, request_id, avinode_quote_id, operator_id, aircraft_type, tail_number, seats,
            total_price, currency, valid_until, status, decline_reason, received_at, created_at, updated_at)
          VALUES (${newRowId('Quote')}::uuid, ${write.requestId}::uuid, ${write.avinodeQuoteId}, ${operatorId}, ${values},
            ${write.createdAt}::timestamptz, ${write.createdAt}::timestamptz, ${write.createdAt}::timestamptz)
          ON CONFLICT (avinode_quote_id) DO NOTHING RETURNING *`;
  const rows = await tx.$queryRaw<Array<ChatSession & { writtenQuote: unknown }>>`
    WITH ${operatorCte} written AS (${quoteCte}),
    sessions AS (${sessionWriteSql(sessions, Prisma.sql`EXISTS (SELECT 1 FROM written)`)})
    SELECT (SELECT ${quoteJson('written')} FROM written) AS "writtenQuote", sessions.* FROM sessions ORDER BY sessions.id`;
  const [first] = rows;
  if (!first) return null;
  return {
    quote: quoteOf(first.writtenQuote) as Quote,
    sessions: rows.map(({ writtenQuote: _, ...session }) => session),
  };
}

/** A quotes row as to_jsonb gives it (snake_case, price as text), as Prisma's Quote. */
export function quoteOf(json: unknown): Quote | null {
  if (json === null || json === undefined) return null;
  const row = (typeof json === 'string' ? JSON.parse(json) : json) as Record<string, unknown>;
  const date = (value: unknown) => (value === null || value === undefined ? null : new Date(value as string));
  return {
    id: row['id'] as string,
    requestId: row['request_id'] as string,
    operatorId: row['operator_id'] as string,
    avinodeQuoteId: (row['avinode_quote_id'] as string | null) ?? null,
    aircraftType: row['aircraft_type'] as string,
    tailNumber: (row['tail_number'] as string | null) ?? null,
    seats: (row['seats'] as number | null) ?? null,
    totalPrice: new Prisma.Decimal(row['total_price'] as string),
    currency: row['currency'] as string,
    validUntil: date(row['valid_until']),
    status: row['status'] as QuoteStatus,
    declineReason: (row['decline_reason'] as string | null) ?? null,
    receivedAt: date(row['received_at']) as Date,
    createdAt: date(row['created_at']) as Date,
    updatedAt: date(row['updated_at']) as Date,
  };
}
