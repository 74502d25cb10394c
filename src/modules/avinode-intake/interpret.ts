import type { ReceiveQuoteInput } from '../quote/quote.service.js';
import { AvinodeApiError } from './avinode-client.js';
import {
  AVINODE_ID,
  isFromBuyer,
  type Lift,
  parseShape,
  type QuoteDetail,
  quoteDetail,
  type Rfq,
  rfqs,
  type TripMessage,
  trip,
  tripMessage,
  UnparseableResource,
} from './avinode-shapes.js';

/**
 * Turns a fetched Avinode resource into what the domain records: quotes for
 * receiveQuote, messages for recordMessage, and the keys that route them to sessions.
 * Pure reading: nothing here writes.
 */
export type Routing = { tripCode: string | undefined; rfqIds: string[] };
export type QuoteFacts = Omit<ReceiveQuoteInput, 'sessionId' | 'avinodeTripId'>;
export type MessageFacts = {
  externalId: string;
  senderName: string | undefined;
  content: string;
  sentAt: Date | undefined;
};

export type Interpretation =
  | { kind: 'changes'; routing: Routing; quotes: QuoteFacts[]; messages: MessageFacts[] }
  | { kind: 'trip-code'; avinodeTripId: string; tripCode: string }
  | { kind: 'ignored'; reason: string };

export type Fetcher = {
  get(href: string): Promise<unknown>;
  urlFor(path: string): string;
};

/** What the worker knows about the notification before fetching. */
export type Pointer = { resourceType: string; resourceId: string; href: string; tripCode: string | null };

export async function interpret(pointer: Pointer, fetcher: Fetcher): Promise<Interpretation> {
  switch (pointer.resourceType) {
    case 'tripmsgs': {
      const message = parseShape(tripMessage, await fetcher.get(pointer.href), 'the trip message');
      return fromTripMessage(message, pointer, fetcher);
    }
    case 'rfqs':
      return fromRfqs(parseShape(rfqs, await fetcher.get(pointer.href), 'the RFQ'), pointer, fetcher);
    case 'trips': {
      const found = parseShape(trip, await fetcher.get(pointer.href), 'the trip');
      return { kind: 'trip-code', avinodeTripId: pointer.resourceId, tripCode: found.tripId };
    }
    default:
      return { kind: 'ignored', reason: `notifications of type "${pointer.resourceType}" are not used here` };
  }
}

async function fromTripMessage(message: TripMessage, pointer: Pointer, fetcher: Fetcher): Promise<Interpretation> {
  if (isFromBuyer(message.id)) return { kind: 'ignored', reason: "the broker's own message" };
  const routing: Routing = {
    tripCode: message.tripId ?? pointer.tripCode ?? undefined,
    rfqIds: (message.links?.rfqs ?? []).map((rfq) => rfq.id),
  };
  const company = message.sellerCompany;
  if (message.sellerQuote) {
    if (!company) throw new UnparseableResource('the seller response names no sellerCompany');
    const quoteId = message.sellerQuote.id;
    const lift = message.lift?.find((candidate) => linksQuote(candidate, quoteId)) ?? message.lift?.[0];
    const detail = await fetchQuote(fetcher, quoteId, lift);
    if (detail?.avinodeGenerated) return { kind: 'ignored', reason: `${quoteId} is an estimate Avinode generated` };
    const price = message.sellerQuote.sellerPrice ?? detail?.sellerPrice;
    const aircraftType = lift?.aircraftType ?? detail?.lift?.aircraftType;
    if (!price) throw new UnparseableResource(`the seller response gives no price for ${quoteId}`);
    if (!aircraftType) throw new UnparseableResource(`the seller response names no aircraft type for ${quoteId}`);
    const quote = quoteFacts(quoteId, company, aircraftType, price, detail, 'RECEIVED');
    return { kind: 'changes', routing, quotes: [quote], messages: [] };
  }
  const declined = message.lift?.find((candidate) => candidate.sourcingDisplayStatus === 'Declined');
  if (declined) {
    if (!company) throw new UnparseableResource('the decline names no sellerCompany');
    const key = declined.links?.quotes?.[0]?.id ?? `${routing.rfqIds[0] ?? message.id}:declined`;
    const quote = declineFacts(key, company, declined, message.message);
    return { kind: 'changes', routing, quotes: [quote], messages: [] };
  }
  const content = message.message?.trim();
  if (!content) throw new UnparseableResource('the trip message has neither a quote, a decline nor any text');
  const chat = { externalId: message.id, senderName: company?.displayName, content, sentAt: message.createdOn };
  return { kind: 'changes', routing, quotes: [], messages: [chat] };
}

/** An RFQ update records what it carries: its operator's quotes (withdrawn once cancelled) and declines. */
async function fromRfqs(list: Rfq[], pointer: Pointer, fetcher: Fetcher): Promise<Interpretation> {
  const routing: Routing = {
    tripCode: list.find((rfq) => rfq.tripId)?.tripId ?? pointer.tripCode ?? undefined,
    rfqIds: list.map((rfq) => rfq.id),
  };
  const quotes: QuoteFacts[] = [];
  for (const rfq of list) {
    for (const lift of rfq.sellerLift ?? []) {
      const links = lift.links?.quotes ?? [];
      if (links.length === 0 && lift.sourcingDisplayStatus === 'Declined' && rfq.sellerCompany) {
        quotes.push(declineFacts(`${rfq.id}:declined`, rfq.sellerCompany, lift, undefined));
      }
      for (const link of links) {
        const detail = await fetchQuote(fetcher, link.id, lift);
        if (!detail || detail.avinodeGenerated) continue;
        const company = detail.sellerCompany ?? rfq.sellerCompany;
        const aircraftType = detail.lift?.aircraftType ?? lift.aircraftType;
        if (!company || !aircraftType) throw new UnparseableResource(`${link.id} names no operator or aircraft type`);
        const status = rfq.canceled ? 'WITHDRAWN' : 'RECEIVED';
        quotes.push(quoteFacts(link.id, company, aircraftType, detail.sellerPrice, detail, status));
      }
    }
  }
  if (quotes.length === 0) return { kind: 'ignored', reason: 'the RFQ carries no quote or decline yet' };
  return { kind: 'changes', routing, quotes, messages: [] };
}

function linksQuote(lift: Lift, quoteId: string): boolean {
  return (lift.links?.quotes ?? []).some((link) => link.id === quoteId);
}

/** GET /quotes/{id} for tail, seats and validity; a quote Avinode no longer has is simply not there. */
async function fetchQuote(fetcher: Fetcher, quoteId: string, lift: Lift | undefined): Promise<QuoteDetail | undefined> {
  const href =
    lift?.links?.quotes?.find((link) => link.id === quoteId)?.href ??
    (AVINODE_ID.test(quoteId) ? fetcher.urlFor(`quotes/${quoteId}`) : undefined);
  if (!href) return undefined;
  try {
    return parseShape(quoteDetail, await fetcher.get(href), `quote ${quoteId}`);
  } catch (error) {
    if (error instanceof AvinodeApiError && error.kind === 'not-found') return undefined;
    throw error;
  }
}

type Company = { id: string; displayName: string };

function quoteFacts(
  quoteId: string,
  company: Company,
  aircraftType: string,
  price: { price: number; currency: string },
  detail: QuoteDetail | undefined,
  status: 'RECEIVED' | 'WITHDRAWN',
): QuoteFacts {
  return {
    avinodeQuoteId: quoteId,
    operator: { avinodeCompanyId: company.id, name: company.displayName },
    aircraftType,
    tailNumber: detail?.lift?.aircraftTail ?? null,
    seats: detail?.lift?.maxPax ?? null,
    // A JSON number in the currency's major unit; the domain stores two decimals.
    totalPrice: price.price.toFixed(2),
    currency: price.currency,
    validUntil: detail?.validUntil ?? null,
    status,
  };
}

function declineFacts(key: string, company: Company, lift: Lift, reason: string | undefined): QuoteFacts {
  return {
    avinodeQuoteId: key,
    operator: { avinodeCompanyId: company.id, name: company.displayName },
    aircraftType: lift.aircraftType ?? 'Not specified',
    totalPrice: '0.00',
    status: 'DECLINED',
    declineReason: reason?.trim() ? reason.trim().slice(0, 1000) : null,
  };
}
