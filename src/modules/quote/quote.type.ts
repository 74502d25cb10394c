import { prismaConnectionHelpers } from '@pothos/plugin-prisma';
import { QuoteStatus } from '../../generated/prisma/enums.js';
import { builder } from '../../graphql/builder.js';
import { maxPageSize } from '../../graphql/pagination.js';
import { operatorVisibleTo, ownedViaRequest } from '../visibility.js';

export const QuoteStatusEnum = builder.enumType(QuoteStatus, { name: 'QuoteStatus' });

export const OperatorNode = builder.prismaNode('Operator', {
  description: 'An aircraft operator known to Avinode.',
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, context) => ({ id, ...operatorVisibleTo(context.viewer) }),
  fields: (t) => ({
    avinodeCompanyId: t.exposeString('avinodeCompanyId'),
    name: t.exposeString('name'),
  }),
});

export const QuoteNode = builder.prismaNode('Quote', {
  description: "An operator's price for a trip request.",
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, context) => ({ id, ...ownedViaRequest(context.viewer) }),
  fields: (t) => ({
    avinodeQuoteId: t.exposeString('avinodeQuoteId', { nullable: true }),
    aircraftType: t.exposeString('aircraftType'),
    tailNumber: t.exposeString('tailNumber', { nullable: true }),
    seats: t.exposeInt('seats', { nullable: true }),
    totalPrice: t.expose('totalPrice', { type: 'Decimal' }),
    currency: t.exposeString('currency'),
    validUntil: t.expose('validUntil', { type: 'DateTime', nullable: true }),
    status: t.expose('status', { type: QuoteStatusEnum }),
    declineReason: t.exposeString('declineReason', { nullable: true }),
    receivedAt: t.expose('receivedAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    operator: t.relation('operator'),
    request: t.relation('request'),
  }),
});

/** Quotes hang off the trip request; sessions page through them via this helper. */
export const quoteConnection = prismaConnectionHelpers(builder, QuoteNode, {
  cursor: 'id',
  maxSize: maxPageSize,
  // Ids are UUIDv7, so id order is the order quotes were recorded in.
  query: { orderBy: { id: 'asc' } },
});
