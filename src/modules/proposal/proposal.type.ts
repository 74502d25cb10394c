import { ProposalStatus } from '../../generated/prisma/enums.js';
import { builder } from '../../graphql/builder.js';
import { ownedBy } from '../visibility.js';

export const ProposalStatusEnum = builder.enumType(ProposalStatus, { name: 'ProposalStatus' });

export const ProposalNode = builder.prismaNode('Proposal', {
  description: 'What the broker offers the client, built on one quote.',
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, context) => ({ id, ...ownedBy(context.viewer) }),
  fields: (t) => ({
    number: t.exposeString('number', { description: 'e.g. PROP-2026-000042; unique, from a database sequence.' }),
    title: t.exposeString('title'),
    subtotal: t.expose('subtotal', { type: 'Decimal' }),
    marginPercent: t.expose('marginPercent', { type: 'Decimal' }),
    total: t.expose('total', { type: 'Decimal' }),
    currency: t.exposeString('currency'),
    status: t.expose('status', { type: ProposalStatusEnum }),
    sentAt: t.expose('sentAt', { type: 'DateTime', nullable: true }),
    sentTo: t.exposeString('sentTo', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    quote: t.relation('quote'),
    client: t.relation('client', { nullable: true }),
    request: t.relation('request'),
  }),
});
