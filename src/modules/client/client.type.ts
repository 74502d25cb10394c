import { builder } from '../../graphql/builder.js';
import { ownedBy } from '../visibility.js';

export const ClientNode = builder.prismaNode('Client', {
  description: "The broker's customer.",
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, context) => ({ id, ...ownedBy(context.viewer) }),
  fields: (t) => ({
    companyName: t.exposeString('companyName'),
    contactName: t.exposeString('contactName'),
    email: t.exposeString('email'),
    phone: t.exposeString('phone', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});
