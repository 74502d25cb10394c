import type { Prisma } from '../src/generated/prisma/client.js';
import * as chat from './seed-chat.js';
import { demoOperatorId } from './seed-fleet.js';
import { demoUuid, type Rng } from './seed-random.js';
import { ORCHESTRATOR, type SessionRecorder, WEBHOOK } from './seed-recorder.js';
import { money, type Offer, withMargin } from './seed-trip.js';

/**
 * The workflow steps after the first, one function per mutation the live server offers
 * (captureTripRequest, linkAvinodeTrip + recordRfqsSent, receiveQuote + selectPrimaryQuote,
 * generateProposal, sendProposal), each leaving the rows and events that mutation would.
 */

const DAY = 86_400_000;

export type Deal = { c: chat.ChatContext; client: { id: string; email: string }; slot: number };

/** An id shaped like Avinode's, unique across the plan: every slot owns its own number range. */
function avinodeId(rng: Rng, prefix: string, base: number, slot: number, width: number): string {
  return `${prefix}-${base + slot * width + rng.int(0, width - 1)}`;
}

export function captureTripRequest(r: SessionRecorder, deal: Deal): string {
  const { trip } = deal.c;
  const at = r.clock.wait(1, 5);
  const requestId = demoUuid(`request:${r.key}`, at);
  const cheapest = Math.min(...trip.candidates.map((offer) => offer.priceCents));
  // Some clients name a budget: a round figure somewhat above what the market asks.
  const budget = r.rng.chance(0.35)
    ? money(Math.ceil((cheapest * (1.05 + r.rng.next() * 0.25)) / 500_000) * 500_000)
    : null;
  r.out.requests.push({
    id: requestId,
    agentId: r.agent.id,
    clientId: deal.client.id,
    tripType: trip.tripType,
    passengers: trip.passengers,
    aircraftCategory: trip.category,
    budget,
    currency: 'USD',
    specialRequirements: trip.specialRequirements,
    createdAt: at,
    updatedAt: at,
  });
  trip.legs.forEach((leg, index) => {
    r.out.legs.push({
      id: demoUuid(`leg:${r.key}:${index}`, at),
      requestId,
      sequence: index + 1,
      departureAirport: leg.from,
      arrivalAirport: leg.to,
      departureAt: leg.departureAt,
    });
  });
  const data = { requestId, tripType: trip.tripType, passengers: trip.passengers, legs: trip.legs.length };
  r.event('TRIP_REQUEST_CAPTURED', at, ORCHESTRATOR, { data });
  r.moveTo('SEARCHING_AIRCRAFT', at, ORCHESTRATOR);
  r.mutation(at);
  r.assistantSays(chat.tripCaptured(deal.c), r.clock.wait(0, 2));
  return requestId;
}

export type Rfq = { tripId: string; rfpId: string; rfqId: string; contacted: number; expected: number };

export function linkAvinodeTripAndSendRfqs(r: SessionRecorder, deal: Deal): Rfq {
  const { rng } = r;
  const contacted = rng.int(3, deal.c.trip.candidates.length);
  const expected = Math.max(2, contacted - (rng.chance(0.3) ? 1 : 0));
  r.assistantSays(chat.searchResult(deal.c, deal.c.trip.candidates.length), r.clock.wait(3, 40));
  const tripId = avinodeId(rng, 'atrip', 64_000_000, deal.slot, 20_000);
  const rfpId = avinodeId(rng, 'arfp', 87_000_000, deal.slot, 20_000);
  const rfqId = avinodeId(rng, 'arfq', 113_000_000, deal.slot, 20_000);
  const linkedAt = r.clock.wait(1, 10);
  r.event('AVINODE_TRIP_LINKED', linkedAt, ORCHESTRATOR, {
    data: { avinodeTripId: tripId, avinodeRfpId: rfpId, avinodeRfqId: rfqId },
  });
  r.moveTo('REQUESTING_QUOTES', linkedAt, ORCHESTRATOR);
  r.mutation(linkedAt);
  const sentAt = r.clock.wait(1, 5);
  r.event('RFQS_SENT', sentAt, ORCHESTRATOR, { data: { operatorsContacted: contacted, quotesExpected: expected } });
  r.mutation(sentAt);
  r.say('SYSTEM', chat.rfqsSent(tripId, rfqId, contacted, expected), sentAt, 'Avinode');
  return { tripId, rfpId, rfqId, contacted, expected };
}

export type Primary = { id: string; offer: Offer };

/** Quotes arrive over the next hours (one may be a decline); the agent then picks one. */
export function receiveQuotesAndSelect(
  r: SessionRecorder,
  deal: Deal,
  requestId: string,
  rfq: Rfq,
): { primary: Primary; received: number } {
  const { rng } = r;
  const offers = rng
    .sample(deal.c.trip.candidates, rfq.contacted)
    .slice(0, rng.int(Math.min(3, rfq.expected), rfq.expected));
  const declined = offers.length >= 3 && rng.chance(0.4) ? rng.int(1, offers.length - 1) : -1;
  const quotes: (Prisma.QuoteCreateManyInput & { id: string; offer: Offer })[] = [];
  offers.forEach((offer, n) => {
    const at = r.clock.wait(20, 6 * 60);
    const isDeclined = n === declined;
    const quote = {
      id: demoUuid(`quote:${r.key}:${n}`, at),
      requestId,
      operatorId: demoOperatorId(offer.operator),
      avinodeQuoteId: avinodeId(rng, 'aquote', 390_000_000, deal.slot * 16 + n, 12_000),
      aircraftType: offer.aircraft.type,
      tailNumber: offer.tailNumber,
      seats: offer.aircraft.seats,
      totalPrice: money(offer.priceCents),
      currency: 'USD',
      validUntil: new Date(at.getTime() + rng.int(2, 7) * DAY),
      status: isDeclined ? ('DECLINED' as const) : ('RECEIVED' as const),
      declineReason: isDeclined ? rng.pick(chat.DECLINE_REASONS) : null,
      receivedAt: at,
      createdAt: at,
      updatedAt: at,
    };
    quotes.push({ ...quote, offer });
    r.out.quotes.push(quote);
    r.event('QUOTE_RECEIVED', at, WEBHOOK, {
      data: {
        quoteId: quote.id,
        avinodeQuoteId: quote.avinodeQuoteId,
        operator: offer.operator.name,
        totalPrice: quote.totalPrice,
        currency: 'USD',
      },
    });
    if (n === 0) r.moveTo('ANALYZING_QUOTES', at, WEBHOOK);
    r.mutation(at);
    if (isDeclined || rng.chance(0.4)) {
      r.conversation.externalIds += 1;
      const externalId = avinodeId(rng, 'amsg', 71_000_000, deal.slot * 24 + r.conversation.externalIds, 9_000);
      const content = isDeclined ? chat.operatorDecline(deal.c, offer) : chat.operatorOffer(deal.c, offer);
      r.say('OPERATOR', content, r.clock.wait(0, 3), offer.operator.name, externalId);
    }
  });
  const open = quotes.filter((quote) => quote.status !== 'DECLINED');
  r.assistantSays(chat.quoteSummary(open.map((quote) => quote.offer)), r.clock.wait(5, 60));
  r.maybePause();
  const cheapest = [...open].sort((a, b) => a.offer.priceCents - b.offer.priceCents)[0];
  const chosen = (rng.chance(0.6) ? cheapest : rng.pick(open)) as (typeof open)[number];
  r.agentSays(chat.selection(deal.c, chosen.offer), r.clock.wait(10, 8 * 60));
  const selectedAt = r.clock.wait(0, 3);
  // The agent shortlists the pick and, now and then, a backup.
  const backup = rng.chance(0.5) ? rng.pick(open.filter((quote) => quote !== chosen)) : undefined;
  for (const row of r.out.quotes) {
    if (row.id !== chosen.id && row.id !== backup?.id) continue;
    row.status = 'SHORTLISTED';
    row.updatedAt = selectedAt;
  }
  r.event('PRIMARY_QUOTE_SELECTED', selectedAt, r.agent.id, { data: { quoteId: chosen.id } });
  r.mutation(selectedAt);
  return { primary: { id: chosen.id, offer: chosen.offer }, received: quotes.length };
}

export function generateProposal(
  r: SessionRecorder,
  deal: Deal,
  requestId: string,
  primary: Primary,
  proposalNumbers: ReadonlyMap<string, string>,
): Prisma.ProposalCreateManyInput {
  const at = r.clock.wait(10, 90);
  const id = demoUuid(`proposal:${r.key}`, at);
  const marginBasisPoints = r.rng.pick([750, 850, 1000, 1200, 1500]);
  const totalCents = withMargin(primary.offer.priceCents, marginBasisPoints);
  const total = money(totalCents);
  // Numbered from the database sequence by the caller; a first planning pass only needs the shape.
  const number = proposalNumbers.get(id) ?? 'PROP-UNNUMBERED';
  const first = deal.c.trip.legs[0] as (typeof deal.c.trip.legs)[number];
  const proposal: Prisma.ProposalCreateManyInput = {
    id,
    number,
    requestId,
    quoteId: primary.id,
    agentId: r.agent.id,
    clientId: deal.client.id,
    title: `${primary.offer.aircraft.type}: ${chat.routeText(deal.c.trip)}, ${chat.day(first.departureAt)}`,
    subtotal: money(primary.offer.priceCents),
    marginPercent: money(marginBasisPoints),
    total,
    currency: 'USD',
    status: 'READY',
    createdAt: at,
    updatedAt: at,
  };
  r.out.proposals.push(proposal);
  r.event('PROPOSAL_GENERATED', at, r.agent.id, { data: { proposalId: id, number, total, currency: 'USD' } });
  r.moveTo('PROPOSAL_READY', at, r.agent.id);
  r.mutation(at);
  r.assistantSays(chat.proposalReady(number, primary.offer, totalCents, money(marginBasisPoints)), r.clock.wait(0, 1));
  return proposal;
}

export function sendProposal(r: SessionRecorder, deal: Deal, proposal: Prisma.ProposalCreateManyInput): void {
  const at = r.clock.wait(15, 20 * 60);
  Object.assign(proposal, { status: 'SENT', sentAt: at, sentTo: deal.client.email, updatedAt: at });
  r.event('PROPOSAL_SENT', at, r.agent.id, {
    data: { proposalId: proposal.id, number: proposal.number, sentTo: deal.client.email },
  });
  r.moveTo('PROPOSAL_SENT', at, r.agent.id);
  r.mutation(at);
  r.say('SYSTEM', chat.proposalSent(proposal.number, deal.client.email), at, null);
}
