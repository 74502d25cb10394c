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
    description: 'One session; null when it does not exist or is not yours.',
    args: { id: t.arg.globalID({ required: true, for: ChatSessionNode }) },
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
      description: 'Sessions you may see, newest activity first. Page size 20 by default, 100 at most.',
      args: {
        filter: t.arg({ type: SessionFilterInput, required: false }),
        orderBy: t.arg({ type: SessionOrderInput, required: false }),
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
