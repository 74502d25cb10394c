import type { Region } from './seed-data.js';

/**
 * Real business-aviation airports (ICAO codes, approximate coordinates) the demo trips fly between;
 * the coordinates give distances, which size the aircraft and price the flights.
 */

export type Airport = { icao: string; city: string; name: string; lat: number; lon: number };

const airport = (icao: string, city: string, name: string, lat: number, lon: number): Airport => ({
  icao,
  city,
  name,
  lat,
  lon,
});

export const AIRPORTS: Readonly<Record<string, Airport>> = Object.fromEntries(
  [
    airport('KTEB', 'New York', 'Teterboro', 40.85, -74.061),
    airport('KHPN', 'White Plains', 'Westchester County', 41.067, -73.708),
    airport('KBED', 'Boston', 'Hanscom Field', 42.47, -71.289),
    airport('KPBI', 'Palm Beach', 'Palm Beach Intl', 26.683, -80.096),
    airport('KOPF', 'Miami', 'Opa-locka Executive', 25.907, -80.278),
    airport('KMIA', 'Miami', 'Miami Intl', 25.793, -80.29),
    airport('MYNN', 'Nassau', 'Lynden Pindling Intl', 25.039, -77.466),
    airport('TXKF', 'Bermuda', 'L.F. Wade Intl', 32.364, -64.679),
    airport('KDAL', 'Dallas', 'Dallas Love Field', 32.847, -96.852),
    airport('KVNY', 'Los Angeles', 'Van Nuys', 34.21, -118.49),
    airport('KSNA', 'Orange County', 'John Wayne', 33.676, -117.868),
    airport('KLAS', 'Las Vegas', 'Harry Reid Intl', 36.08, -115.152),
    airport('KSDL', 'Scottsdale', 'Scottsdale', 33.623, -111.911),
    airport('KASE', 'Aspen', 'Aspen/Pitkin County', 39.223, -106.869),
    airport('KAPA', 'Denver', 'Centennial', 39.57, -104.849),
    airport('EGGW', 'London', 'Luton', 51.875, -0.368),
    airport('EGLF', 'London', 'Farnborough', 51.276, -0.776),
    airport('LFPB', 'Paris', 'Le Bourget', 48.969, 2.441),
    airport('LSGG', 'Geneva', 'Geneva', 46.238, 6.109),
    airport('LFMN', 'Nice', "Nice Côte d'Azur", 43.658, 7.216),
    airport('LIML', 'Milan', 'Linate', 45.445, 9.277),
    airport('LEIB', 'Ibiza', 'Ibiza', 38.873, 1.373),
  ].map((a) => [a.icao, a]),
);

/** The airports each kind of trip draws from; a trip never lands where it took off. */
export const AIRPORT_POOLS: Readonly<Record<Region | 'islands', readonly string[]>> = {
  'us-east': ['KTEB', 'KHPN', 'KBED', 'KPBI', 'KOPF', 'KMIA'],
  'us-west': ['KVNY', 'KSNA', 'KLAS', 'KSDL', 'KASE', 'KAPA', 'KDAL'],
  europe: ['EGGW', 'EGLF', 'LFPB', 'LSGG', 'LFMN', 'LIML', 'LEIB'],
  islands: ['MYNN', 'TXKF'],
};

export function airportInfo(icao: string): Airport {
  const found = AIRPORTS[icao];
  if (!found) throw new Error(`Unknown demo airport ${icao}`);
  return found;
}

/** Great-circle distance in nautical miles: sizes the aircraft and prices the flight. */
export function distanceNm(from: string, to: string): number {
  const a = airportInfo(from);
  const b = airportInfo(to);
  const rad = Math.PI / 180;
  const dLat = (b.lat - a.lat) * rad;
  const dLon = (b.lon - a.lon) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2;
  return Math.round(2 * 3440.065 * Math.asin(Math.sqrt(h)));
}
