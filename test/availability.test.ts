import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, isPoolExhausted } from '../src/db/availability.js';
import { Prisma } from '../src/generated/prisma/client.js';

/**
 * The shapes Prisma gives "the database went away" in. A transaction whose connection broke
 * while PostgreSQL stopped answers P2028 ("Transaction already closed"); without it in the
 * list the client got a masked INTERNAL_SERVER_ERROR instead of DATABASE_UNAVAILABLE (seen in
 * failure-postgres' "stopped" scenario).
 */
const prismaError = (code: string, message: string) =>
  new Prisma.PrismaClientKnownRequestError(message, { code, clientVersion: Prisma.prismaVersion.client });

describe('database availability', () => {
  it.each([
    ['P2028', 'Transaction API error: Transaction already closed: A query cannot be executed on a closed transaction.'],
    ['P2028', 'Transaction API error: Transaction not found.'],
    ['P1001', "Can't reach database server at 127.0.0.1:5432"],
    ['P1017', 'Server has closed the connection.'],
  ])('reads %s (%s) as the database being unavailable', (code, message) => {
    const error = prismaError(code, message);
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(isPoolExhausted(error)).toBe(false);
  });

  it('reads a validation failure as what it is', () => {
    expect(isDatabaseUnavailable(prismaError('P2002', 'Unique constraint failed on the fields: (`external_id`)'))).toBe(
      false,
    );
  });
});
