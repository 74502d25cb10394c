/**
 * Recognises "the database is not there" among the many shapes Prisma, the pg driver
 * and the driver adapter give it, so clients get DATABASE_UNAVAILABLE (503) and can
 * retry, instead of a masked internal error.
 */
const UNAVAILABLE_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2028']);
const UNAVAILABLE_TEXT =
  /ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|Connection terminated|connection timeout|timeout exceeded when trying to connect|Can't reach database|database system is (shutting down|starting up|in recovery)|terminating connection|DatabaseNotReachable|ConnectionClosed|SocketTimeout|Client has encountered a connection error|Connection refused|Query read timeout|Unable to start a transaction in the given time|57P01|57P03|08006|08001|08003/i;

const TIMED_OUT_TEXT = /57014|canceling statement due to statement timeout/i;

/** A statement cancelled by statement_timeout: the database is up but the query took too long. */
export function isStatementTimeout(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const candidate = error as {
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    meta?: { driverAdapterError?: unknown };
  };
  if (typeof candidate.message === 'string' && TIMED_OUT_TEXT.test(candidate.message)) return true;
  if (typeof candidate.code === 'string' && TIMED_OUT_TEXT.test(candidate.code)) return true;
  return (
    isStatementTimeout(candidate.cause, depth + 1) || isStatementTimeout(candidate.meta?.driverAdapterError, depth + 1)
  );
}

export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const candidate = error as {
    code?: unknown;
    message?: unknown;
    cause?: unknown;
    meta?: { driverAdapterError?: unknown };
    name?: unknown;
  };
  if (typeof candidate.code === 'string' && UNAVAILABLE_CODES.has(candidate.code)) return true;
  if (candidate.name === 'PrismaClientInitializationError') return true;
  if (typeof candidate.message === 'string' && UNAVAILABLE_TEXT.test(candidate.message)) return true;
  if (typeof candidate.code === 'string' && UNAVAILABLE_TEXT.test(candidate.code)) return true;
  return (
    isDatabaseUnavailable(candidate.cause, depth + 1) ||
    isDatabaseUnavailable(candidate.meta?.driverAdapterError, depth + 1)
  );
}
