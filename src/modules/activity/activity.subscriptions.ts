import { GraphQLError } from 'graphql';
import { ownerScope } from '../../auth/viewer.js';
import type { SessionEventType } from '../../generated/prisma/enums.js';
import { builder } from '../../graphql/builder.js';
import { AgentNode } from '../agent/agent.type.js';
import { SessionStatusEnum, WorkflowStepEnum } from '../session/session.enums.js';
import { ChatSessionNode } from '../session/session.type.js';
import { ownedBy } from '../visibility.js';
import { decodeEventCursor } from './event-cursor.js';
import { deliverEvents } from './event-delivery.js';
import type { StreamedEvent } from './event-stream.js';
import { SessionEventNode, SessionEventTypeEnum } from './session-event.type.js';
import { SHARED_EXECUTION } from './shared-execution.js';

const AFTER_DESCRIPTION =
  'Resume after this cursor: stored events after it are replayed first, then live ones follow, with no gap and no duplicate.';

builder.subscriptionField('sessionEvents', (t) =>
  t.field({
    type: SessionEventNode,
    description: "One session's events as they happen (after replaying those after `after`).",
    args: {
      sessionId: t.arg.globalID({
        for: ChatSessionNode,
        required: true,
        description: 'The session to follow; NOT_FOUND unless you may see it.',
      }),
      after: t.arg.string({ description: AFTER_DESCRIPTION }),
    },
    subscribe: async (_root, args, context) => {
      const after = args.after ? decodeEventCursor(args.after) : undefined;
      const session = await context.prisma.chatSession.findFirst({
        where: { id: args.sessionId.id, ...ownedBy(context.viewer) },
        select: { id: true },
      });
      if (!session) {
        throw new GraphQLError('Session not found.', { extensions: { code: 'NOT_FOUND', argument: 'sessionId' } });
      }
      return deliverEvents(context, { sessionId: session.id }, after);
    },
    resolve: (event: StreamedEvent) => event,
    // The result is the event's, seen with the viewer's visibility: subscribers alike share it.
    extensions: { [SHARED_EXECUTION]: true },
  }),
);

const ActivityFilter = builder.inputType('ActivityFilter', {
  description:
    "Conditions on the event and on its session's state just after the event, as stored with it: a resumed subscription gets the same events as one that stayed connected.",
  fields: (t) => ({
    status: t.field({ type: [SessionStatusEnum], description: "The session's status just after the event." }),
    step: t.field({ type: [WorkflowStepEnum], description: "The session's step just after the event." }),
    types: t.field({ type: [SessionEventTypeEnum], description: 'Any of these event types.' }),
    agentId: t.globalID({
      for: AgentNode,
      description:
        'This agent’s sessions only. An agent may name only itself (else FORBIDDEN); admins and integrations anyone.',
    }),
  }),
});

builder.subscriptionField('activityFeed', (t) =>
  t.field({
    type: SessionEventNode,
    description:
      'Every event on the sessions you may see (agents: their own; admins and integrations: all), as it happens: for dashboards.',
    args: {
      filter: t.arg({ type: ActivityFilter, description: 'Only events matching every condition given.' }),
      after: t.arg.string({ description: AFTER_DESCRIPTION }),
    },
    subscribe: (_root, args, context) => {
      const after = args.after ? decodeEventCursor(args.after) : undefined;
      const owner = ownerScope(context.viewer);
      const requestedAgent = args.filter?.agentId?.id;
      if (requestedAgent && owner && requestedAgent !== owner) {
        throw new GraphQLError('Only admins may follow another agent’s activity.', {
          extensions: { code: 'FORBIDDEN', argument: 'filter.agentId' },
        });
      }
      return deliverEvents(
        context,
        {
          agentId: owner ?? requestedAgent,
          statuses: args.filter?.status ?? undefined,
          steps: args.filter?.step ?? undefined,
          types: (args.filter?.types ?? undefined) as SessionEventType[] | undefined,
        },
        after,
      );
    },
    resolve: (event: StreamedEvent) => event,
    // The result is the event's, seen with the viewer's visibility: subscribers alike share it.
    extensions: { [SHARED_EXECUTION]: true },
  }),
);
