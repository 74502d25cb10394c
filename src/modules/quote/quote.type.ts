import { prismaConnectionHelpers } from '@pothos/plugin-prisma';
import { QuoteStatus } from '../../generated/prisma/enums.js';
import { builder } from '../../graphql/builder.js';
import { maxPageSize } from '../../graphql/pagination.js';
import { operatorVisibleTo, ownedViaRequest } from '../visibility.js';

export const QuoteStatusEnum = builder.enumType('QuoteStatus', {
  description:
    'Where a quote stands. The operator’s deliveries set RECEIVED, DECLINED, WITHDRAWN and EXPIRED; the broker’s choice sets SHORTLISTED.',
  values: {
    RECEIVED: { value: QuoteStatus.RECEIVED, description: 'Delivered by the operator; not chosen yet.' },
    SHORTLISTED: {
      value: QuoteStatus.SHORTLISTED,
      description: 'Chosen by the broker as a session’s primary quote. A re-delivery does not undo it.',
    },
    ACCEPTED: {
      value: QuoteStatus.ACCEPTED,
      description: 'Accepted; no mutation sets it yet. A re-delivery does not undo it.',
    },
    DECLINED: { value: QuoteStatus.DECLINED, description: 'The operator declined; `declineReason` may say why.' },
    WITHDRAWN: { value: QuoteStatus.WITHDRAWN, description: 'The operator took the quote back.' },
    EXPIRED: { value: QuoteStatus.EXPIRED, description: 'The operator reported the quote expired.' },
  } as const,
});

export const OperatorNode = builder.prismaNode('Operator', {
  description:
    'An aircraft operator known to Avinode, recorded with its first quote. Agents see the operators that quoted on their trips; admins and integrations all.',
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, context) => ({ id, ...operatorVisibleTo(context.viewer) }),
  fields: (t) => ({
    avinodeCompanyId: t.exposeString('avinodeCompanyId', {
      description: 'Avinode’s id of the operator’s company; unique.',
    }),
    name: t.exposeString('name', { description: 'The operator’s name, as its first quote gave it.' }),
  }),
});

export const QuoteNode = builder.prismaNode('Quote', {
  description:
    'An operator’s price for a trip request. Visible to whoever may see the trip request: agents their own, admins and integrations all.',
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, context) => ({ id, ...ownedViaRequest(context.viewer) }),
  fields: (t) => ({
    avinodeQuoteId: t.exposeString('avinodeQuoteId', {
      nullable: true,
      description:
        'Avinode’s quote id, e.g. aquote-397331679: deliveries of the same id update this quote; null for a quote not from Avinode.',
    }),
    aircraftType: t.exposeString('aircraftType', { description: 'The aircraft offered, e.g. Gulfstream G650.' }),
    tailNumber: t.exposeString('tailNumber', {
      nullable: true,
      description: 'The aircraft’s registration, e.g. N650GX; null when the operator did not give it.',
    }),
    seats: t.exposeInt('seats', { nullable: true, description: 'Passenger seats offered; null when not given.' }),
    totalPrice: t.expose('totalPrice', {
      type: 'Decimal',
      description: 'The operator’s price for the whole trip, in `currency`, e.g. "48250.00".',
    }),
    currency: t.exposeString('currency', { description: 'ISO-4217 code of `totalPrice`, e.g. USD.' }),
    validUntil: t.expose('validUntil', {
      type: 'DateTime',
      nullable: true,
      description: 'Until when the operator holds the price; null when not given.',
    }),
    status: t.expose('status', { type: QuoteStatusEnum, description: 'Where the quote stands.' }),
    declineReason: t.exposeString('declineReason', {
      nullable: true,
      description: 'Why the operator declined, as delivered; null when no reason was given.',
    }),
    receivedAt: t.expose('receivedAt', { type: 'DateTime', description: 'When the quote was first recorded.' }),
    updatedAt: t.expose('updatedAt', {
      type: 'DateTime',
      description: 'When it last changed (a delivery with a new price or status, or the broker’s choice).',
    }),
    operator: t.relation('operator', { description: 'The operator who quoted.' }),
    request: t.relation('request', { description: 'The trip request it prices.' }),
  }),
});

/** Quotes hang off the trip request; sessions page through them via this helper. */
export const quoteConnection = prismaConnectionHelpers(builder, QuoteNode, {
  cursor: 'id',
  maxSize: maxPageSize,
  // Ids are UUIDv7, so id order is the order quotes were recorded in.
  query: { orderBy: { id: 'asc' } },
});
