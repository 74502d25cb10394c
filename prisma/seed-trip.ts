import { AIRPORT_POOLS, distanceNm } from './seed-airports.js';
import type { Region } from './seed-data.js';
import { AIRCRAFT, type AircraftType, DEMO_OPERATORS, type DemoOperator } from './seed-fleet.js';
import type { Rng } from './seed-random.js';

/**
 * What a client asks to fly and what operators offer for it, chosen so that they fit: the aircraft has
 * the seats and the range, the operator bases aircraft where the trip goes, and the price follows the
 * flight time.
 */

export type Itinerary = {
  tripType: 'ONE_WAY' | 'ROUND_TRIP' | 'MULTI_CITY';
  legs: { from: string; to: string; departureAt: Date }[];
  passengers: number;
  category: AircraftType['category'];
  specialRequirements: string | null;
  /** The operators that could fly it (at least three, so there is something to compare). */
  candidates: Offer[];
};

export type Offer = { operator: DemoOperator; aircraft: AircraftType; tailNumber: string; priceCents: number };

const CATEGORY_ORDER: readonly AircraftType['category'][] = [
  'Light jet',
  'Midsize jet',
  'Super-midsize jet',
  'Heavy jet',
  'Ultra-long-range jet',
];

const SPECIAL_REQUIREMENTS = [
  'Small dog travelling in the cabin',
  'Vegan catering for all passengers',
  'Reliable Wi-Fi required for a board call',
  'Two sets of golf clubs',
  'Ski equipment for four',
  'Ground transport on arrival',
  'Child seat for a 3-year-old',
  'Flat-bed configuration for the overnight leg',
  'Champagne and birthday cake on board',
];

function regionOf(icao: string): Region {
  if (AIRPORT_POOLS.europe.includes(icao)) return 'europe';
  if (AIRPORT_POOLS['us-west'].includes(icao)) return 'us-west';
  return 'us-east'; // the islands are flown from the East Coast
}

/** A destination for a client at home in `home`, at least a real flight away from `from`. */
function destination(rng: Rng, home: Region, from: string): string {
  const kind = rng.weighted<keyof typeof AIRPORT_POOLS>(
    home === 'us-east'
      ? [
          ['us-east', 35],
          ['islands', 25],
          ['us-west', 20],
          ['europe', 20],
        ]
      : home === 'us-west'
        ? [
            ['us-west', 60],
            ['us-east', 30],
            ['europe', 10],
          ]
        : [
            ['europe', 70],
            ['us-east', 30],
          ],
  );
  const options = AIRPORT_POOLS[kind].filter((icao) => icao !== from && distanceNm(from, icao) >= 180);
  return rng.pick(options.length > 0 ? options : AIRPORT_POOLS.islands);
}

const addDays = (at: Date, days: number) => new Date(at.getTime() + days * 86_400_000);

/** Departure on a quarter hour, in the daytime of the departure airport's region. */
function departure(rng: Rng, day: Date, from: string): Date {
  const at = new Date(day);
  const hours =
    regionOf(from) === 'europe' ? rng.int(6, 16) : regionOf(from) === 'us-west' ? rng.int(15, 24) : rng.int(12, 22);
  at.setUTCHours(hours, rng.pick([0, 15, 30, 45]), 0, 0);
  return at;
}

function passengers(rng: Rng): number {
  const band = rng.weighted<[number, number]>([
    [[1, 4], 40],
    [[5, 8], 40],
    [[9, 12], 15],
    [[13, 16], 5],
  ]);
  return rng.int(band[0], band[1]);
}

export function planItinerary(rng: Rng, home: Region, requestedAt: Date): Itinerary {
  // Redraw until at least three operators can fly it: a demo trip should get a real comparison.
  for (;;) {
    const tripType = rng.weighted<Itinerary['tripType']>([
      ['ONE_WAY', 45],
      ['ROUND_TRIP', 40],
      ['MULTI_CITY', 15],
    ]);
    const origin = rng.pick(AIRPORT_POOLS[home]);
    const stops = [origin, destination(rng, home, origin)];
    if (tripType === 'ROUND_TRIP') stops.push(origin);
    if (tripType === 'MULTI_CITY') {
      // Three or four legs: on from the destination, then home or one stop further.
      const last = stops[1] as string;
      const next = AIRPORT_POOLS[regionOf(last)].filter(
        (icao) => !stops.includes(icao) && distanceNm(last, icao) >= 180,
      );
      const third = rng.pick(next);
      stops.push(third);
      const fourth = AIRPORT_POOLS[regionOf(third)].filter(
        (icao) => !stops.includes(icao) && distanceNm(third, icao) >= 180,
      );
      const canGoHome = distanceNm(third, origin) >= 180;
      stops.push((canGoHome && rng.chance(0.5)) || fourth.length === 0 ? origin : rng.pick(fourth));
    }
    let day = addDays(requestedAt, rng.int(3, 21));
    const legs = stops.slice(1).map((to, index) => {
      const from = stops[index] as string;
      if (index > 0) day = addDays(day, tripType === 'ROUND_TRIP' ? rng.int(2, 9) : rng.int(1, 4));
      return { from, to, departureAt: departure(rng, day, from) };
    });
    const pax = passengers(rng);
    const longestLeg = Math.max(...legs.map((leg) => distanceNm(leg.from, leg.to)));
    const fits = (a: AircraftType) => a.seats >= pax && a.rangeNm >= longestLeg * 1.1;
    const category = CATEGORY_ORDER.find((c) => AIRCRAFT.some((a) => a.category === c && fits(a)));
    if (!category) continue;
    const regions = new Set(legs.flatMap((leg) => [regionOf(leg.from), regionOf(leg.to)]));
    const candidates: Offer[] = [];
    for (const operator of DEMO_OPERATORS) {
      if (!operator.regions.some((region) => regions.has(region))) continue;
      // Each operator offers its smallest aircraft that fits, at most one category up.
      const offer = operator.fleet
        .map(([type, tailNumber]) => ({ aircraft: AIRCRAFT.find((a) => a.type === type) as AircraftType, tailNumber }))
        .filter(({ aircraft }) => fits(aircraft))
        .filter(({ aircraft }) => CATEGORY_ORDER.indexOf(aircraft.category) <= CATEGORY_ORDER.indexOf(category) + 1)
        .sort((a, b) => a.aircraft.hourlyRate - b.aircraft.hourlyRate)[0];
      if (offer) candidates.push({ operator, ...offer, priceCents: price(rng, offer.aircraft, legs) });
    }
    if (candidates.length < 3) continue;
    const specialRequirements = rng.chance(0.5) ? rng.sample(SPECIAL_REQUIREMENTS, rng.int(1, 2)).join('; ') : null;
    return { tripType, legs, passengers: pax, category, specialRequirements, candidates };
  }
}

/**
 * Flight time at cruise plus half an hour per leg, at the aircraft's hourly rate give or take the
 * operator's pricing, plus handling fees; flights inside the US carry the 7.5% federal excise tax,
 * which is where the cents come from.
 */
function price(rng: Rng, aircraft: AircraftType, legs: Itinerary['legs']): number {
  const pricing = 0.92 + rng.next() * 0.2;
  let cents = 0;
  for (const leg of legs) {
    const hours = Math.max(1, distanceNm(leg.from, leg.to) / aircraft.speedKt + 0.5);
    const dollars = Math.round((hours * aircraft.hourlyRate * pricing) / 10) * 10 + 450;
    const domestic = leg.from.startsWith('K') && leg.to.startsWith('K');
    cents += domestic ? Math.round(dollars * 107.5) : dollars * 100;
  }
  return cents;
}

/** `cents` as the string a Decimal(12,2) column takes. */
export function money(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

/** `cents` as a person reads it: $48,215.50 */
export function usd(cents: number): string {
  const [whole, fraction] = money(cents).split('.') as [string, string];
  return `$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fraction}`;
}

/** subtotal × (1 + margin%), rounded half-up to the cent, in integers so no float rounding creeps in. */
export function withMargin(subtotalCents: number, marginBasisPoints: number): number {
  return Math.floor((subtotalCents * (10_000 + marginBasisPoints) + 5_000) / 10_000);
}
