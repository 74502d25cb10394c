import { GraphQLError } from 'graphql';
import { builder } from '../../graphql/builder.js';
import type { Context } from '../../graphql/context.js';
import { decodeEventCursor } from '../activity/event-cursor.js';
import { deliverEvents } from '../activity/event-delivery.js';
import type { StreamedEvent } from '../activity/event-stream.js';
import { ownedBy } from '../visibility.js';
import { ChatSessionNode } from './session.type.js';

/** Per operation (its context): the newest session version a snapshot has shown. */
const shownVersions = new WeakMap<Context, number>();

builder.subscriptionField('sessionUpdated', (t) =>
  t.prismaField({
    type: ChatSessionNode,
    description:
      'The session after each change, nested fields included (one query per change). A snapshot is never older than the one before it: changes an earlier snapshot already showed are not sent again.',
    args: {
      id: t.arg.globalID({
        for: ChatSessionNode,
        required: true,
        description: 'The session to follow; NOT_FOUND unless you may see it.',
      }),
      after: t.arg.string({
        description:
          'Resume after this cursor (`resumeAfter` of the error that ended an earlier subscription): if the session changed since, its current state is sent first.',
      }),
    },
    subscribe: async (_root, args, context) => {
      const after = args.after ? decodeEventCursor(args.after) : undefined;
      const session = await context.prisma.chatSession.findFirst({
        where: { id: args.id.id, ...ownedBy(context.viewer) },
        select: { id: true },
      });
      if (!session) throw new GraphQLError('Session not found.', { extensions: { code: 'NOT_FOUND', argument: 'id' } });
      // One change can write several events (a quote and the step it moved); they share
      // the session version the change produced, and one snapshot per change is enough.
      return deliverEvents(context, { sessionId: session.id }, after, {
        wanted: (event) => event.sessionVersion > (shownVersions.get(context) ?? 0),
      });
    },
    resolve: async (query, event: StreamedEvent, _args, context) => {
      const session = await context.prisma.chatSession.findUniqueOrThrow({
        ...query,
        where: { id: event.sessionId },
      });
      // The snapshot is read now, so it may already show later changes; their events
      // (a resume replays several at once) need no snapshot of their own.
      // (Every column is loaded unless the type gains a `select`; then the event's version still holds.)
      const shown = typeof session.version === 'number' ? session.version : event.sessionVersion;
      shownVersions.set(context, Math.max(event.sessionVersion, shown));
      return session;
    },
  }),
);
