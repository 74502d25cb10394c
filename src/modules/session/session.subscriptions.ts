import { GraphQLError } from 'graphql';
import { filter } from 'graphql-yoga';
import { builder } from '../../graphql/builder.js';
import type { StreamedEvent } from '../activity/event-stream.js';
import { ownedBy } from '../visibility.js';
import { ChatSessionNode } from './session.type.js';

builder.subscriptionField('sessionUpdated', (t) =>
  t.prismaField({
    type: ChatSessionNode,
    description: 'The session after each change, nested fields included (one query per change).',
    args: { id: t.arg.globalID({ for: ChatSessionNode, required: true }) },
    subscribe: async (_root, args, context) => {
      const session = await context.prisma.chatSession.findFirst({
        where: { id: args.id.id, ...ownedBy(context.viewer) },
        select: { id: true },
      });
      if (!session) throw new GraphQLError('Session not found.', { extensions: { code: 'NOT_FOUND', argument: 'id' } });
      // One change can write several events (a quote and the step it moved); they share
      // the session version the change produced, and one snapshot per change is enough.
      let sentVersion = 0;
      return filter((event: StreamedEvent) => {
        if (event.sessionVersion <= sentVersion) return false;
        sentVersion = event.sessionVersion;
        return true;
      })(context.events.subscribe({ sessionId: session.id }));
    },
    resolve: (query, event: StreamedEvent, _args, context) =>
      context.prisma.chatSession.findUniqueOrThrow({ ...query, where: { id: event.sessionId } }),
  }),
);
