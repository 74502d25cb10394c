/**
 * Recognises "the database is not there" among the many shapes Prisma, the pg driver
 * and the driver adapter give it, so clients get DATABASE_UNAVAILABLE (503) and can
 * retry, instead of a masked internal error.
 */
// P2028 is Prisma's "Transaction API error": also what a transaction whose connection broke
// answers ("Transaction already closed", "not found"). Its pool-wait form cannot come first:
// runChange waits far longer for a connection than the pool does (DATABASE_BUSY is told apart first).
const UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2028']);
const UNAVAILABLE_TEXT =
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Connection terminated|connection timeout|Can't reach database|database system is (shutting down|starting up|in recovery)|terminating connection|DatabaseNotReachable|ConnectionClosed|SocketTimeout|Client has encountered a connection error|Connection refused|Query read timeout|timeout exceeded when trying to connect|Unable to start a transaction in the given time|57P01|57P03|08006|08001|08003/i;

/**
 * An established connection broke (backend terminated, socket reset): the server rolled
 * back whatever transaction it carried. Unlike "cannot connect", a fresh connection
 * usually works at once.
 */
const LOST_TEXT =
  /ECONNRESET|EPIPE|Connection terminated unexpectedly|terminating connection|Client has encountered a connection error|57P01|08006/i;

/**
 * The database is up but this server's connections (or this viewer's share) stayed busy
 * until the wait ran out (db/pool.ts, db/fair-share.ts tell it from a hung database).
 */
const POOL_EXHAUSTED_NAMES = new Set(['DatabasePoolBusy', 'DatabaseShareExhausted']);

const TIMED_OUT_TEXT = /57014|canceling statement due to statement timeout/i;

type ErrorLike = {
  code?: unknown;
  message?: unknown;
  name?: unknown;
  cause?: unknown;
  meta?: { driverAdapterError?: unknown };
};

/** Whether `test` holds for the error or for what it wraps (its cause, the driver adapter's error). */
function anyInChain(error: unknown, test: (candidate: ErrorLike) => boolean, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const candidate = error as ErrorLike;
  return (
    test(candidate) ||
    anyInChain(candidate.cause, test, depth + 1) ||
    anyInChain(candidate.meta?.driverAdapterError, test, depth + 1)
  );
}

const matches = (pattern: RegExp, value: unknown) => typeof value === 'string' && pattern.test(value);

/** A statement cancelled by statement_timeout: the database is up but the query took too long. */
export function isStatementTimeout(error: unknown): boolean {
  return anyInChain(
    error,
    (candidate) => matches(TIMED_OUT_TEXT, candidate.message) || matches(TIMED_OUT_TEXT, candidate.code),
  );
}

export function isPoolExhausted(error: unknown): boolean {
  return anyInChain(
    error,
    (candidate) =>
      (typeof candidate.name === 'string' && POOL_EXHAUSTED_NAMES.has(candidate.name)) ||
      // Prisma's own pool (not used with driver adapters, kept for its documented code).
      candidate.code === 'P2024',
  );
}

export function isConnectionLost(error: unknown): boolean {
  return anyInChain(error, (candidate) => matches(LOST_TEXT, candidate.message) || matches(LOST_TEXT, candidate.code));
}

export function isDatabaseUnavailable(error: unknown): boolean {
  return anyInChain(
    error,
    (candidate) =>
      (typeof candidate.code === 'string' && UNAVAILABLE_CODES.has(candidate.code)) ||
      candidate.name === 'PrismaClientInitializationError' ||
      matches(UNAVAILABLE_TEXT, candidate.message) ||
      matches(UNAVAILABLE_TEXT, candidate.code),
  );
}
