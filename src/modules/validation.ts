import { z } from 'zod';
import { ValidationError } from './errors.js';

/** Field rules shared by the workflow inputs; messages are written for the person fixing the input. */
const ISO_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

/*
 * Codes are checked before their case is changed: Unicode case mapping turns some
 * non-ASCII letters into ASCII ones ('ß' upper-cases to 'SS', 'ſ' to 'S', the Kelvin
 * sign lower-cases to 'k'), so checking afterwards would accept input that is not a code.
 */
export const icaoAirport = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9]{4}$/, 'must be a 4-character ICAO airport code, e.g. KTEB')
  .transform((code) => code.toUpperCase());

export const currencyCode = z
  .string()
  .trim()
  .regex(/^[A-Za-z]{3}$/, 'must be an ISO-4217 currency code, e.g. USD')
  .transform((code) => code.toUpperCase())
  .refine((code) => ISO_CURRENCIES.has(code), 'must be an ISO-4217 currency code, e.g. USD');

/** Decimal(12,2): never negative, at most two decimals. */
export const money = z
  .string()
  .trim()
  .regex(/^\d{1,10}(\.\d{1,2})?$/, 'must be an amount ≥ 0 with at most two decimals, below 10,000,000,000');

export const percent = z
  .string()
  .trim()
  .regex(/^\d{1,3}(\.\d{1,2})?$/, 'must be a percentage with at most two decimals')
  .refine((value) => Number(value) <= 100, 'must be between 0 and 100');

export const email = z
  .string()
  .trim()
  .max(254, 'must be at most 254 characters')
  .pipe(z.email('must be an email address'))
  .transform((address) => address.toLowerCase());

/** Free text with a sane upper bound, so a runaway client cannot store megabytes per field. */
export function text(max: number) {
  return z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
}

/** An external id (Avinode trip, RFQ, quote, company, message). */
export const externalId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/, 'must be 1-100 letters, digits, or _ . : -');

/** How deep a JSON value nests; stops counting once past `limit`. */
function depthOf(value: unknown, limit: number): number {
  if (value === null || typeof value !== 'object') return 0;
  if (limit < 0) return 1;
  let deepest = 0;
  for (const item of Object.values(value)) {
    deepest = Math.max(deepest, depthOf(item, limit - 1));
    if (deepest > limit) break;
  }
  return deepest + 1;
}

/**
 * A JSON object of bounded size and depth: free-form data a client stores on a row
 * (session metadata) is read back with every page of that row, so megabytes in it
 * would slow every reader, not only the writer.
 */
export function jsonObject(limits: { maxBytes: number; maxDepth: number }) {
  return z.record(z.string(), z.unknown(), 'must be a JSON object').superRefine((value, context) => {
    if (depthOf(value, limits.maxDepth) > limits.maxDepth) {
      context.addIssue({ code: 'custom', message: `must not nest deeper than ${limits.maxDepth} levels` });
    } else if (Buffer.byteLength(JSON.stringify(value)) > limits.maxBytes) {
      context.addIssue({ code: 'custom', message: `must be at most ${limits.maxBytes} bytes as JSON` });
    }
  });
}

/**
 * The one answer to an external id (Avinode's) that some other row already holds,
 * whoever holds it: it never says whether that is another session of the caller's
 * or another agent's, nor anything about the holder (see the README's security section).
 */
export const ID_IN_USE_ELSEWHERE = 'is already in use elsewhere';

/** Parses input with a zod schema; every problem becomes one field entry of a ValidationError. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  throw new ValidationError(
    parsed.error.issues.map((issue) => ({
      field: issue.path.map(String).join('.') || 'input',
      message: issue.message,
    })),
  );
}
