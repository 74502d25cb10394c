import { airportInfo } from './seed-airports.js';
import type { Rng } from './seed-random.js';
import { type Itinerary, type Offer, usd } from './seed-trip.js';

/**
 * What the people (and the assistant) in a demo conversation say at each step. Brokers relay their
 * clients, the assistant runs the search, operators answer through Avinode, the system logs the plumbing.
 */

export type ChatContext = { rng: Rng; contactName: string; companyName: string; trip: Itinerary };

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Fixed format in UTC, so the text does not depend on the machine's locale or time zone. */
export function day(at: Date): string {
  return `${MONTHS[at.getUTCMonth()]} ${at.getUTCDate()}`;
}

function time(at: Date): string {
  return `${String(at.getUTCHours()).padStart(2, '0')}:${String(at.getUTCMinutes()).padStart(2, '0')}Z`;
}

const city = (icao: string) => airportInfo(icao).city;

export function routeText(trip: Itinerary): string {
  return [trip.legs[0]?.from, ...trip.legs.map((leg) => leg.to)].map((icao) => city(icao as string)).join(' → ');
}

export function subject(c: ChatContext): string {
  const first = c.trip.legs[0];
  return `${c.companyName}: ${routeText(c.trip)}${first ? `, ${day(first.departureAt)}` : ''}`;
}

export function opening(c: ChatContext): string {
  const [first, second] = c.trip.legs as [Itinerary['legs'][number], ...Itinerary['legs']];
  const pax = `${c.trip.passengers} passenger${c.trip.passengers === 1 ? '' : 's'}`;
  if (c.trip.tripType === 'MULTI_CITY') {
    return `${c.contactName} (${c.companyName}) is planning a ${c.trip.legs.length}-leg trip: ${routeText(c.trip)}, starting ${day(first.departureAt)}, ${pax}.`;
  }
  const back = c.trip.tripType === 'ROUND_TRIP' && second ? `, back on ${day(second.departureAt)}` : ', one way';
  return c.rng.pick([
    `New request from ${c.contactName} at ${c.companyName}: ${pax}, ${city(first.from)} to ${city(first.to)} on ${day(first.departureAt)}${back}.`,
    `${c.contactName} needs a jet out of ${city(first.from)} (${first.from}) to ${city(first.to)} around ${day(first.departureAt)}${back}. ${pax}.`,
    `Can you price ${city(first.from)} → ${city(first.to)} for ${c.companyName}? ${pax}, departing ${day(first.departureAt)}${back}.`,
  ]);
}

export function clarifyingQuestion(c: ChatContext): string {
  const first = c.trip.legs[0] as Itinerary['legs'][number];
  return c.rng.pick([
    `Happy to help. Is the ${day(first.departureAt)} departure time fixed, and would ${c.contactName} consider another ${city(first.from)} airport?`,
    'Got it. Any luggage beyond standard bags, pets, or catering preferences I should pass on to operators?',
    `Thanks. Does ${c.contactName} have a preferred aircraft size, or shall I size it for ${c.trip.passengers} with room to spare?`,
  ]);
}

export function clarification(c: ChatContext): string {
  const first = c.trip.legs[0] as Itinerary['legs'][number];
  const extras = c.trip.specialRequirements ? `${c.trip.specialRequirements}.` : 'Standard bags only.';
  return c.rng.pick([
    `Wheels up around ${time(first.departureAt)} if possible. ${extras}`,
    `${extras} They prefer a newer aircraft with Wi-Fi.`,
    `Date is fixed, time can move an hour either way. ${extras}`,
  ]);
}

export function tripCaptured(c: ChatContext): string {
  const legs = c.trip.legs.map((leg) => `${leg.from} → ${leg.to} ${day(leg.departureAt)} ${time(leg.departureAt)}`);
  return `Trip captured: ${legs.join('; ')}. ${c.trip.passengers} passengers, so a ${c.trip.category.toLowerCase()} fits best. Searching available aircraft now.`;
}

export function searchResult(c: ChatContext, operators: number): string {
  const from = city(c.trip.legs[0]?.from as string);
  return `I found ${operators} operators with a ${c.trip.category.toLowerCase()} available near ${from}; sending RFQs to the best-rated ones.`;
}

export function rfqsSent(tripId: string, rfqId: string, contacted: number, expected: number): string {
  return `Avinode trip ${tripId} created. RFQ ${rfqId} sent to ${contacted} operators; ${expected} quotes expected.`;
}

export function operatorOffer(c: ChatContext, offer: Offer): string {
  const first = c.trip.legs[0] as Itinerary['legs'][number];
  return c.rng.pick([
    `${offer.aircraft.type} ${offer.tailNumber} is available on ${day(first.departureAt)}. ${offer.aircraft.seats} seats, Wi-Fi and catering included. Quote sent via Avinode.`,
    `We can do it with our ${offer.aircraft.type} (${offer.tailNumber}). Crew is based in ${city(first.from)}, no repositioning needed.`,
    `Quote attached for ${offer.tailNumber}, ${offer.aircraft.type}, ${usd(offer.priceCents)} all in, crew and fees included.`,
  ]);
}

export function operatorDecline(c: ChatContext, offer: Offer): string {
  return c.rng.pick([
    `Sorry, ${offer.tailNumber} is committed on the return date; we have to decline this one.`,
    `Our ${offer.aircraft.type} went into maintenance; withdrawing the quote for ${offer.tailNumber}.`,
  ]);
}

export function quoteSummary(offers: readonly Offer[]): string {
  const sorted = [...offers].sort((a, b) => a.priceCents - b.priceCents);
  const best = sorted[0] as Offer;
  const top = sorted[sorted.length - 1] as Offer;
  return `${offers.length} quote${offers.length === 1 ? '' : 's'} in. Best value: ${best.aircraft.type} from ${best.operator.name} at ${usd(best.priceCents)}; the range goes up to ${usd(top.priceCents)} (${top.aircraft.type}).`;
}

export function selection(c: ChatContext, offer: Offer): string {
  const why = c.rng.pick([
    'the lower price',
    'the bigger cabin',
    'the newer interior',
    'the Wi-Fi',
    'the operator’s safety record',
  ]);
  return `Let's go with the ${offer.aircraft.type} from ${offer.operator.name}; ${c.contactName} cares most about ${why}.`;
}

export function proposalReady(number: string, offer: Offer, totalCents: number, margin: string): string {
  return `Proposal ${number} is ready: ${offer.aircraft.type} (${offer.tailNumber}) with ${offer.operator.name}, ${usd(totalCents)} including a ${margin}% margin.`;
}

export function proposalSent(number: string, email: string): string {
  return `Proposal ${number} sent to ${email}.`;
}

export function closing(c: ChatContext, reachedProposal: boolean): string {
  if (reachedProposal) {
    return c.rng.pick([
      `${c.contactName} signed the proposal; booking confirmed. Closing this one.`,
      'Client confirmed. Handing over to flight support.',
      `${c.contactName} went with another broker on price. Closing.`,
    ]);
  }
  return c.rng.pick([
    `${c.contactName} postponed the trip; closing for now.`,
    'Trip cancelled by the client.',
    'Client booked airline first class instead. Closing.',
  ]);
}

export const DECLINE_REASONS = [
  'Aircraft no longer available on the requested dates',
  'Crew duty limits on the return leg',
  'Over the client budget',
  "Aircraft older than the client's 15-year limit",
  'No Wi-Fi on board',
  'No landing slot at the destination',
];
