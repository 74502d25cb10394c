import { TripType } from '../../generated/prisma/enums.js';
import { builder } from '../../graphql/builder.js';
import { maxPageSize } from '../../graphql/pagination.js';
import { ownedBy, ownedViaRequest } from '../visibility.js';

export const TripTypeEnum = builder.enumType(TripType, { name: 'TripType' });

export const TripLegNode = builder.prismaNode('TripLeg', {
  description: 'One flight leg of a trip request.',
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, context) => ({ id, ...ownedViaRequest(context.viewer) }),
  fields: (t) => ({
    sequence: t.exposeInt('sequence', { description: 'Position of the leg in the trip, from 1.' }),
    departureAirport: t.exposeString('departureAirport', { description: 'ICAO code, e.g. KTEB.' }),
    arrivalAirport: t.exposeString('arrivalAirport', { description: 'ICAO code, e.g. LFPB.' }),
    departureAt: t.expose('departureAt', { type: 'DateTime' }),
  }),
});

export const TripRequestNode = builder.prismaNode('TripRequest', {
  description: 'What the client wants to fly.',
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, context) => ({ id, ...ownedBy(context.viewer) }),
  fields: (t) => ({
    tripType: t.expose('tripType', { type: TripTypeEnum }),
    passengers: t.exposeInt('passengers'),
    aircraftCategory: t.exposeString('aircraftCategory', { nullable: true }),
    budget: t.expose('budget', { type: 'Decimal', nullable: true }),
    currency: t.exposeString('currency', { description: 'ISO-4217 code of the budget.' }),
    specialRequirements: t.exposeString('specialRequirements', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    client: t.relation('client', { nullable: true }),
    legs: t.relation('legs', { query: { orderBy: { sequence: 'asc' } } }),
    quotes: t.relatedConnection('quotes', {
      description: 'Quotes in the order they arrived.',
      cursor: 'id',
      maxSize: maxPageSize,
      totalCount: true,
      query: () => ({ orderBy: [{ receivedAt: 'asc' }, { id: 'asc' }] }),
    }),
  }),
});
