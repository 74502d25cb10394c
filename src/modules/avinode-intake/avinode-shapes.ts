import { z } from 'zod';

/**
 * What the intake reads from Avinode's bodies (AVINODE.md §3, §5-§8). Avinode adds
 * properties at any time, so unknown ones are ignored, and only what a step cannot do
 * without is required; everything marked [guess] in AVINODE.md is optional.
 */

/** A notification as POSTed to /webhooks/avinode. */
export const notificationBody = z.object({
  id: z.string().trim().min(1).max(100),
  href: z.string().trim().min(1).max(2_000),
  type: z.string().trim().min(1).max(50),
  tripId: z.string().trim().min(1).max(100).optional(),
});
export type NotificationBody = z.output<typeof notificationBody>;

const companyId = z.union([z.string().min(1), z.number()]).transform(String);
const company = z.object({ id: companyId, displayName: z.string().trim().min(1) });
const price = z.object({ price: z.number().nonnegative().finite(), currency: z.string().trim().min(3).max(3) });
const link = z.object({ id: z.string().min(1), href: z.string().optional() });
const timestamp = z
  .string()
  .transform((value) => new Date(value))
  .refine((date) => !Number.isNaN(date.getTime()), 'must be a date-time');

const lift = z.object({
  id: z.string().optional(),
  aircraftType: z.string().trim().min(1).optional(),
  sourcingDisplayStatus: z.string().optional(),
  links: z.object({ quotes: z.array(link).optional() }).optional(),
});
export type Lift = z.output<typeof lift>;

/** GET /tripmsgs/{id}: a seller's response (with a quote, or a decline) or a chat message. */
export const tripMessage = z.object({
  id: z.string().min(1),
  tripId: z.string().optional(),
  message: z.string().optional(),
  createdOn: timestamp.optional(),
  sellerCompany: company.optional(),
  sellerQuote: z.object({ id: z.string().min(1), sellerPrice: price.optional() }).optional(),
  lift: z.array(lift).optional(),
  links: z.object({ rfqs: z.array(link).optional() }).optional(),
});
export type TripMessage = z.output<typeof tripMessage>;

/** GET /quotes/{id}. */
export const quoteDetail = z.object({
  id: z.string().min(1),
  sellerPrice: price,
  lift: z
    .object({
      aircraftType: z.string().trim().min(1).optional(),
      aircraftTail: z.string().trim().min(1).max(20).optional(),
      maxPax: z.number().int().min(1).max(1000).optional(),
    })
    .optional(),
  sellerCompany: company.optional(),
  validUntil: timestamp.optional(),
  avinodeGenerated: z.boolean().optional(),
});
export type QuoteDetail = z.output<typeof quoteDetail>;

/** GET /rfqs/{id}: one RFQ, or `[rfq, …]` when the id is a trip's. */
const rfq = z.object({
  id: z.string().min(1),
  tripId: z.string().optional(),
  canceled: z.boolean().optional(),
  sellerCompany: company.optional(),
  sellerLift: z.array(lift).optional(),
});
export const rfqs = z.union([rfq.transform((one) => [one]), z.array(rfq)]);
export type Rfq = z.output<typeof rfq>;

/** GET /trips/{id}: the resource id and the display code. */
export const trip = z.object({ id: z.string().min(1), tripId: z.string().trim().min(1) });

/** Avinode's ids in paths match `[a-zA-Z]+-\d+(-[^-]+)?` (AVINODE.md §9). */
export const AVINODE_ID = /^[a-zA-Z]+-\d+(-[^-]+)?$/;

/** A message id's prefix says who wrote it (AVINODE.md §7). */
export function isFromBuyer(messageId: string): boolean {
  return messageId.startsWith('abuyermsg-');
}

/** Parses or explains: the explanation becomes the notification's kept reason. */
export function parseShape<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || what}: ${issue.message}`);
  throw new UnparseableResource(`${what} has an unexpected shape (${problems.slice(0, 5).join('; ')})`);
}

export class UnparseableResource extends Error {
  override name = 'UnparseableResource';
}
