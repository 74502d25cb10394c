import * as chat from './seed-chat.js';
import type { Rng } from './seed-random.js';
import { PROPOSAL_NUMBER, type Story } from './seed-story.js';
import { money, type Offer, withMargin } from './seed-trip.js';

/**
 * The workflow steps after the first, as the story tells them: one action per mutation the live
 * server offers (captureTripRequest, linkAvinodeTrip + recordRfqsSent, receiveQuote +
 * selectPrimaryQuote, generateProposal, sendProposal), with what is said around them.
 */

const DAY = 86_400_000;

export type Deal = { c: chat.ChatContext; client: { id: string; email: string }; slot: number };

/** An id shaped like Avinode's, unique across the plan: every slot owns its own number range. */
function avinodeId(rng: Rng, prefix: string, base: number, slot: number, width: number): string {
  return `${prefix}-${base + slot * width + rng.int(0, width - 1)}`;
}

export function captureTripRequest(story: Story, deal: Deal): void {
  const { trip } = deal.c;
  const at = story.clock.wait(1, 5);
  const cheapest = Math.min(...trip.candidates.map((offer) => offer.priceCents));
  // Some clients name a budget: a round figure somewhat above what the market asks.
  const budget = story.rng.chance(0.35)
    ? money(Math.ceil((cheapest * (1.05 + story.rng.next() * 0.25)) / 500_000) * 500_000)
    : null;
  story.add({
    kind: 'capture',
    at,
    clientId: deal.client.id,
    tripType: trip.tripType,
    passengers: trip.passengers,
    legs: trip.legs.map((leg) => ({
      departureAirport: leg.from,
      arrivalAirport: leg.to,
      departureAt: leg.departureAt,
    })),
    aircraftCategory: trip.category,
    budget,
    specialRequirements: trip.specialRequirements,
  });
  story.assistantSays(chat.tripCaptured(deal.c), story.clock.wait(0, 2));
}

export type Rfq = { tripId: string; contacted: number; expected: number };

export function linkAvinodeTripAndSendRfqs(story: Story, deal: Deal): Rfq {
  const { rng } = story;
  const contacted = rng.int(3, deal.c.trip.candidates.length);
  const expected = Math.max(2, contacted - (rng.chance(0.3) ? 1 : 0));
  story.assistantSays(chat.searchResult(deal.c, deal.c.trip.candidates.length), story.clock.wait(3, 40));
  const tripId = avinodeId(rng, 'atrip', 64_000_000, deal.slot, 20_000);
  const rfpId = avinodeId(rng, 'arfp', 87_000_000, deal.slot, 20_000);
  const rfqId = avinodeId(rng, 'arfq', 113_000_000, deal.slot, 20_000);
  story.add({
    kind: 'link',
    at: story.clock.wait(1, 10),
    avinodeTripId: tripId,
    avinodeRfpId: rfpId,
    avinodeRfqId: rfqId,
  });
  const sentAt = story.clock.wait(1, 5);
  story.add({ kind: 'rfqs', at: sentAt, operatorsContacted: contacted, quotesExpected: expected });
  story.say('avinode', 'SYSTEM', chat.rfqsSent(tripId, rfqId, contacted, expected), sentAt, 'Avinode');
  return { tripId, contacted, expected };
}

export type Primary = { avinodeQuoteId: string; offer: Offer };

/** Quotes arrive over the next hours (one may be a decline); the agent then picks one. */
export function receiveQuotesAndSelect(
  story: Story,
  deal: Deal,
  rfq: Rfq,
  conversation: { externalIds: number },
): Primary {
  const { rng } = story;
  const offers = rng
    .sample(deal.c.trip.candidates, rfq.contacted)
    .slice(0, rng.int(Math.min(3, rfq.expected), rfq.expected));
  const declined = offers.length >= 3 && rng.chance(0.4) ? rng.int(1, offers.length - 1) : -1;
  const open: Primary[] = [];
  offers.forEach((offer, n) => {
    const at = story.clock.wait(20, 6 * 60);
    const isDeclined = n === declined;
    const avinodeQuoteId = avinodeId(rng, 'aquote', 390_000_000, deal.slot * 16 + n, 12_000);
    story.add({
      kind: 'quote',
      at,
      avinodeQuoteId,
      operator: { avinodeCompanyId: offer.operator.avinodeCompanyId, name: offer.operator.name },
      aircraftType: offer.aircraft.type,
      tailNumber: offer.tailNumber,
      seats: offer.aircraft.seats,
      totalPrice: money(offer.priceCents),
      validUntil: new Date(at.getTime() + rng.int(2, 7) * DAY),
      status: isDeclined ? 'DECLINED' : 'RECEIVED',
      declineReason: isDeclined ? rng.pick(chat.DECLINE_REASONS) : null,
    });
    if (!isDeclined) open.push({ avinodeQuoteId, offer });
    if (isDeclined || rng.chance(0.4)) {
      conversation.externalIds += 1;
      const externalId = avinodeId(rng, 'amsg', 71_000_000, deal.slot * 24 + conversation.externalIds, 9_000);
      const content = isDeclined ? chat.operatorDecline(deal.c, offer) : chat.operatorOffer(deal.c, offer);
      story.say('avinode', 'OPERATOR', content, story.clock.wait(0, 3), offer.operator.name, externalId);
    }
  });
  story.assistantSays(chat.quoteSummary(open.map((quote) => quote.offer)), story.clock.wait(5, 60));
  story.maybePause();
  const cheapest = [...open].sort((a, b) => a.offer.priceCents - b.offer.priceCents)[0];
  const chosen = (rng.chance(0.6) ? cheapest : rng.pick(open)) as Primary;
  story.agentSays(chat.selection(deal.c, chosen.offer), story.clock.wait(10, 8 * 60));
  story.add({ kind: 'select', at: story.clock.wait(0, 3), avinodeQuoteId: chosen.avinodeQuoteId });
  return chosen;
}

export function generateProposal(story: Story, deal: Deal, primary: Primary): void {
  const at = story.clock.wait(10, 90);
  const marginBasisPoints = story.rng.pick([750, 850, 1000, 1200, 1500]);
  const first = deal.c.trip.legs[0] as (typeof deal.c.trip.legs)[number];
  story.add({
    kind: 'propose',
    at,
    marginPercent: money(marginBasisPoints),
    title: `${primary.offer.aircraft.type}: ${chat.routeText(deal.c.trip)}, ${chat.day(first.departureAt)}`,
  });
  // The same rounding as generateProposal's (half up, to the cent), so the message quotes the stored total.
  const totalCents = withMargin(primary.offer.priceCents, marginBasisPoints);
  story.assistantSays(
    chat.proposalReady(PROPOSAL_NUMBER, primary.offer, totalCents, money(marginBasisPoints)),
    story.clock.wait(0, 1),
  );
}

export function sendProposal(story: Story, deal: Deal): void {
  const at = story.clock.wait(15, 20 * 60);
  story.add({ kind: 'send', at });
  story.say('orchestrator', 'SYSTEM', chat.proposalSent(PROPOSAL_NUMBER, deal.client.email), at, null);
}
