import { GraphQLError, Kind } from 'graphql';
import { Prisma } from '../generated/prisma/client.js';
import { builder } from './builder.js';

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;
const DECIMAL = /^-?\d{1,15}(\.\d{1,15})?$/;

// What a charter can plausibly involve, and safely inside PostgreSQL's timestamptz range.
const EARLIEST = Date.UTC(1900, 0, 1);
const LATEST = Date.UTC(9999, 11, 31);

/**
 * `new Date()` rolls impossible dates over (2026-02-30 becomes 2 March, 24:00 the next
 * day), so every part is checked against the calendar before the string is parsed.
 */
function isOnTheCalendar(parts: RegExpExecArray): boolean {
  const [year, month, day, hour, minute, second = 0, offsetHours = 0, offsetMinutes = 0] = parts
    .slice(1)
    .map((part) => (part === undefined ? undefined : Number(part)));
  if (year === undefined || month === undefined || day === undefined || hour === undefined || minute === undefined) {
    return false;
  }
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return (
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    offsetHours <= 23 &&
    offsetMinutes <= 59
  );
}

function parseDateTime(value: unknown): Date {
  const parts = typeof value === 'string' ? ISO_DATE_TIME.exec(value) : null;
  if (typeof value === 'string' && parts && isOnTheCalendar(parts)) {
    const date = new Date(value);
    if (!Number.isNaN(date.getTime()) && date.getTime() >= EARLIEST && date.getTime() <= LATEST) return date;
  }
  throw new GraphQLError(
    'DateTime must be a real calendar date and time in ISO-8601 with a time zone, between 1900 and 9999, e.g. 2026-12-01T14:30:00Z.',
    {
      extensions: { code: 'BAD_USER_INPUT' },
    },
  );
}

function parseDecimal(value: unknown): string {
  if (typeof value === 'string' && DECIMAL.test(value.trim())) return value.trim();
  throw new GraphQLError('Decimal must be a string of digits, e.g. "48250.00".', {
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

builder.scalarType('DateTime', {
  description:
    'An instant, as an ISO-8601 string. Answers are in UTC with milliseconds, e.g. 2026-12-01T14:30:00.000Z; inputs need a real calendar date, a time and a zone (Z or ±hh:mm), in the years 1900 to 9999.',
  serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(value).toISOString()),
  parseValue: parseDateTime,
  parseLiteral: (ast) => parseDateTime(ast.kind === Kind.STRING ? ast.value : undefined),
});

builder.scalarType('Decimal', {
  description:
    'An exact decimal number as a string, never a float. Answers have two decimals, e.g. "48250.00" (money comes with its ISO-4217 `currency`); inputs are digits with an optional fraction, e.g. "48250" or "8.5".',
  serialize: (value) => (value instanceof Prisma.Decimal ? value.toFixed(2) : new Prisma.Decimal(value).toFixed(2)),
  parseValue: parseDecimal,
  parseLiteral: (ast) => parseDecimal(ast.kind === Kind.STRING ? ast.value : undefined),
});

builder.scalarType('JSON', {
  description: 'Any JSON value; the fields of this type say what shape theirs has.',
  serialize: (value) => value,
  parseValue: (value) => value,
});
