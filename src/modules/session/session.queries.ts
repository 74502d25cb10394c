import { builder } from '../../graphql/builder.js';
import { maxPageSize } from '../../graphql/pagination.js';
import { cursorMustBeVisible, sessionRowVisible } from '../cursor-visibility.js';
import { ownedBy } from '../visibility.js';
import { SessionFilterInput, SessionOrderInput, sessionOrderBy, sessionWhere } from './session.filters.js';
import { ChatSessionNode } from './session.type.js';

builder.queryField('session', (t) =>
  t.prismaField({
    type: ChatSessionNode,
    nullable: true,
    description: 'One session; null when it does not exist or you may not see it.',
    args: { id: t.arg.globalID({ required: true, for: ChatSessionNode, description: 'The session’s global id.' }) },
    resolve: (query, _root, args, context) =>
      context.prisma.chatSession.findFirst({ ...query, where: { id: args.id.id, ...ownedBy(context.viewer) } }),
  }),
);

builder.queryField('sessions', (t) =>
  t.prismaConnection(
    {
      type: ChatSessionNode,
      cursor: 'id',
      maxSize: maxPageSize,
      ...cursorMustBeVisible(sessionRowVisible),
      description:
        'Sessions you may see (agents: their own; admins and integrations: all), newest activity first. Page size 20 by default, 100 at most.',
      args: {
        filter: t.arg({
          type: SessionFilterInput,
          required: false,
          description: 'Only sessions matching every condition given.',
        }),
        orderBy: t.arg({
          type: SessionOrderInput,
          required: false,
          description: 'Sort order; newest activity first when omitted. Ties are broken by id, so pages are stable.',
        }),
      },
      totalCount: (_connection, args, context) =>
        context.prisma.chatSession.count({ where: sessionWhere(context.viewer, args.filter) }),
      resolve: (query, _root, args, context) =>
        context.prisma.chatSession.findMany({
          ...query,
          where: sessionWhere(context.viewer, args.filter),
          orderBy: sessionOrderBy(args.orderBy),
        }),
    },
    { name: 'ChatSessionConnection' },
  ),
);
