import { ProposalStatus } from '../../generated/prisma/enums.js';
import { builder } from '../../graphql/builder.js';
import { ownedBy } from '../visibility.js';

export const ProposalStatusEnum = builder.enumType('ProposalStatus', {
  description: 'Where a proposal stands: `generateProposal` makes it READY, `sendProposal` SENT.',
  values: {
    DRAFT: { value: ProposalStatus.DRAFT, description: 'Being prepared; no mutation sets it yet.' },
    READY: { value: ProposalStatus.READY, description: 'Generated and ready to send.' },
    SENT: { value: ProposalStatus.SENT, description: 'Sent to the client: `sentAt` and `sentTo` say when and where.' },
    ACCEPTED: { value: ProposalStatus.ACCEPTED, description: 'Accepted by the client; no mutation sets it yet.' },
    REJECTED: { value: ProposalStatus.REJECTED, description: 'Turned down by the client; no mutation sets it yet.' },
    EXPIRED: { value: ProposalStatus.EXPIRED, description: 'No longer valid; no mutation sets it yet.' },
  } as const,
});

export const ProposalNode = builder.prismaNode('Proposal', {
  description:
    'What the broker offers the client: one operator quote plus the broker’s margin. Belongs to one agent; agents see their own, admins and integrations all.',
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, context) => ({ id, ...ownedBy(context.viewer) }),
  fields: (t) => ({
    number: t.exposeString('number', { description: 'e.g. PROP-2026-000042; unique, from a database sequence.' }),
    title: t.exposeString('title', { description: 'Headline for the client, e.g. Gulfstream G650 charter proposal.' }),
    subtotal: t.expose('subtotal', {
      type: 'Decimal',
      description: 'The quote’s price the proposal is built on, in `currency`, e.g. "48250.00".',
    }),
    marginPercent: t.expose('marginPercent', {
      type: 'Decimal',
      description: 'The broker’s margin in percent of the subtotal, e.g. "8.50".',
    }),
    total: t.expose('total', {
      type: 'Decimal',
      description: 'What the client pays, in `currency`: subtotal plus margin, rounded half up to the cent.',
    }),
    currency: t.exposeString('currency', { description: 'ISO-4217 code of subtotal and total: the quote’s currency.' }),
    status: t.expose('status', { type: ProposalStatusEnum, description: 'Where the proposal stands.' }),
    sentAt: t.expose('sentAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it was sent to the client; null until then.',
    }),
    sentTo: t.exposeString('sentTo', {
      nullable: true,
      description: 'The email address it was sent to; null until sent.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was generated.' }),
    quote: t.relation('quote', { description: 'The operator quote it is built on.' }),
    client: t.relation('client', {
      nullable: true,
      description: 'The customer it is for (the trip request’s client when generated); null when none was named.',
    }),
    request: t.relation('request', { description: 'The trip request it answers.' }),
  }),
});
