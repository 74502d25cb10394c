import { TripType } from '../../generated/prisma/enums.js';
import { builder } from '../../graphql/builder.js';
import { maxPageSize } from '../../graphql/pagination.js';
import { cursorMustBeVisible, quoteRowVisible } from '../cursor-visibility.js';
import { ownedBy, ownedViaRequest } from '../visibility.js';

export const TripTypeEnum = builder.enumType('TripType', {
  description: 'The shape of a trip, which decides how many legs it has.',
  values: {
    ONE_WAY: { value: TripType.ONE_WAY, description: 'Exactly one leg.' },
    ROUND_TRIP: { value: TripType.ROUND_TRIP, description: 'Exactly two legs: out, and back the same way.' },
    MULTI_CITY: { value: TripType.MULTI_CITY, description: '2 to 20 legs, each after the previous one.' },
  } as const,
});

export const TripLegNode = builder.prismaNode('TripLeg', {
  description: 'One flight leg of a trip request.',
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, context) => ({ id, ...ownedViaRequest(context.viewer) }),
  fields: (t) => ({
    sequence: t.exposeInt('sequence', { description: 'Position of the leg in the trip, from 1.' }),
    departureAirport: t.exposeString('departureAirport', { description: 'ICAO code, e.g. KTEB.' }),
    arrivalAirport: t.exposeString('arrivalAirport', { description: 'ICAO code, e.g. LFPB.' }),
    departureAt: t.expose('departureAt', {
      type: 'DateTime',
      description: 'When the leg departs, as an instant (UTC); show it in the departure airport’s local time.',
    }),
  }),
});

export const TripRequestNode = builder.prismaNode('TripRequest', {
  description:
    'What the client wants to fly: route, dates, passengers and budget. Belongs to one agent; every session linked to the same Avinode trip shares it.',
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, context) => ({ id, ...ownedBy(context.viewer) }),
  fields: (t) => ({
    tripType: t.expose('tripType', { type: TripTypeEnum, description: 'One way, round trip or multi-city.' }),
    passengers: t.exposeInt('passengers', { description: 'How many people fly, 1 to 100.' }),
    aircraftCategory: t.exposeString('aircraftCategory', {
      nullable: true,
      description: 'The aircraft category asked for, as free text, e.g. Heavy jet; null when none was.',
    }),
    budget: t.expose('budget', {
      type: 'Decimal',
      nullable: true,
      description: 'The client’s budget for the whole trip, in `currency`, e.g. "85000.00"; null when not given.',
    }),
    currency: t.exposeString('currency', { description: 'ISO-4217 code of the budget, e.g. USD (the default).' }),
    specialRequirements: t.exposeString('specialRequirements', {
      nullable: true,
      description: 'Anything else the client asked for (pets, catering, ...); null when nothing.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the trip request was first captured.' }),
    client: t.relation('client', { nullable: true, description: 'The customer it is for; null when not named.' }),
    legs: t.relation('legs', {
      description: 'The legs in flying order (by `sequence`).',
      query: { orderBy: { sequence: 'asc' } },
    }),
    quotes: t.relatedConnection('quotes', {
      description: 'Operators’ quotes for this trip, in the order they arrived.',
      cursor: 'id',
      maxSize: maxPageSize,
      ...cursorMustBeVisible(quoteRowVisible),
      totalCount: true,
      query: () => ({ orderBy: [{ receivedAt: 'asc' }, { id: 'asc' }] }),
    }),
  }),
});
