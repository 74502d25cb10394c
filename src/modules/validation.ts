import { z } from 'zod';
import { ValidationError } from './errors.js';

/** Field rules shared by the workflow inputs; messages are written for the person fixing the input. */
const ISO_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export const icaoAirport = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[A-Z0-9]{4}$/, 'must be a 4-character ICAO airport code, e.g. KTEB');

export const currencyCode = z
  .string()
  .trim()
  .toUpperCase()
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
  .toLowerCase()
  .pipe(z.email('must be an email address'))
  .pipe(z.string().max(254));

/** Free text with a sane upper bound, so a runaway client cannot store megabytes per field. */
export function text(max: number) {
  return z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
}

/** An external id (Avinode trip, RFQ, quote, company, message). */
export const externalId = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/, 'must be 1-100 letters, digits, or _ . : -');

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
