import type { Prisma } from '../generated/prisma/client.js';

export type DateTimeScalar = { Input: Date; Output: Date | string };
/** Decimals travel as strings so no client ever rounds money through a float. */
export type DecimalScalar = { Input: string; Output: Prisma.Decimal | string };
export type JsonScalar = { Input: unknown; Output: unknown };
