import { builder } from '../../graphql/builder.js';
import { ownedBy } from '../visibility.js';

export const ClientNode = builder.prismaNode('Client', {
  description:
    'The broker’s customer: a company and its contact person. Each client belongs to one agent; agents see their own, admins and integrations all.',
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, context) => ({ id, ...ownedBy(context.viewer) }),
  fields: (t) => ({
    companyName: t.exposeString('companyName', { description: 'The customer company, e.g. Aspen Ventures LLC.' }),
    contactName: t.exposeString('contactName', { description: 'The person the broker deals with.' }),
    email: t.exposeString('email', {
      description: 'The contact’s email address; `sendProposal` sends here unless given another address.',
    }),
    phone: t.exposeString('phone', { nullable: true, description: 'The contact’s phone number; null when not known.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the client was added.' }),
  }),
});
