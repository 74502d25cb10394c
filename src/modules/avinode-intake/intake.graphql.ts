import { AvinodeNotificationStatus } from '../../generated/prisma/enums.js';
import { builder } from '../../graphql/builder.js';
import { maxPageSize } from '../../graphql/pagination.js';
import { ForbiddenError, NotFoundError, ValidationError } from '../errors.js';
import { ChatSessionNode } from '../session/session.type.js';
import { assertAdmin, retryAvinodeNotifications } from './admin.service.js';

/** The admin inbox: every notification Avinode delivered, where it stands, and a retry. */

const AvinodeNotificationStatusEnum = builder.enumType(AvinodeNotificationStatus, {
  name: 'AvinodeNotificationStatus',
  description: 'Where a notification stands in the Avinode intake.',
  values: {
    PENDING: { description: 'Stored, waiting for the worker (first attempt or a retry after nextAttemptAt).' },
    PROCESSING: { description: 'A worker is fetching and applying it now.' },
    APPLIED: { description: 'Fetched and recorded on the sessions it reached.' },
    UNMATCHED: { description: 'No session is linked to its trip yet; applied when one links it.' },
    IGNORED: { description: "Nothing for a broker in it (e.g. the broker side's own message); kept." },
    UNPARSEABLE: { description: 'Avinode answered with a body that could not be read; the reason is kept.' },
    REJECTED: {
      description: 'Refused for good (href on another origin, or the domain refused it); the reason is kept.',
    },
    DEAD_LETTERED: { description: 'Retries ran out (after AVINODE_RETRY_FOR_MS); kept for an admin to retry.' },
  } as const,
});

export const AvinodeNotificationNode = builder.prismaNode('AvinodeNotification', {
  description:
    'A notification Avinode delivered to POST /webhooks/avinode (or a trip look-up the intake queued itself).',
  id: { field: 'id' },
  nullable: true,
  authScopes: { admin: true },
  fields: (t) => ({
    resourceType: t.exposeString('resourceType', { description: "The body's `type`, e.g. tripmsgs or rfqs." }),
    resourceId: t.exposeString('resourceId', { description: "The body's `id`, e.g. asellermsg-1000000031." }),
    href: t.exposeString('href', { description: 'The URL the worker fetches (only on AVINODE_API_URL).' }),
    event: t.exposeString('event', { nullable: true, description: "The subscription's `?event=` tag, when set." }),
    tripCode: t.exposeString('tripCode', {
      nullable: true,
      description: "The trip's display code, from the body or the fetched resource.",
    }),
    source: t.exposeString('source', { description: 'WEBHOOK, or TRIP_LOOKUP for a trip look-up the intake queued.' }),
    body: t.expose('body', { type: 'JSON', description: 'The body exactly as delivered.' }),
    status: t.expose('status', { type: AvinodeNotificationStatusEnum, description: 'Where it stands now.' }),
    attempts: t.exposeInt('attempts', { description: 'Fetch attempts so far.' }),
    lastError: t.exposeString('lastError', {
      nullable: true,
      description: 'Why the last attempt failed, or why it was ignored/refused.',
    }),
    receivedAt: t.expose('receivedAt', { type: 'DateTime', description: 'When POST /webhooks/avinode stored it.' }),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime', description: 'When a PENDING one is tried next.' }),
    giveUpAt: t.expose('giveUpAt', { type: 'DateTime', description: 'Dead-lettered if still failing after this.' }),
    processedAt: t.expose('processedAt', {
      type: 'DateTime',
      nullable: true,
      description: 'When it last reached a final status (APPLIED, UNMATCHED, ...).',
    }),
    sessions: t.prismaField({
      type: [ChatSessionNode],
      description: 'The sessions it reached.',
      select: { sessionIds: true },
      resolve: (query, notification, _args, context) =>
        context.prisma.chatSession.findMany({
          ...query,
          where: { id: { in: notification.sessionIds } },
          orderBy: { id: 'asc' },
        }),
    }),
  }),
});

builder.queryField('avinodeNotifications', (t) =>
  t.prismaConnection(
    {
      type: AvinodeNotificationNode,
      cursor: 'id',
      maxSize: maxPageSize,
      authScopes: { admin: true },
      description: 'Admins: the Avinode inbox, newest first, optionally only some statuses. 20 per page by default.',
      args: {
        status: t.arg({
          type: [AvinodeNotificationStatusEnum],
          required: false,
          description: 'Only these statuses; all when omitted.',
        }),
      },
      totalCount: (_connection, args, context) =>
        context.prisma.avinodeNotification.count({ where: args.status ? { status: { in: args.status } } : {} }),
      resolve: (query, _root, args, context) => {
        assertAdmin(context.viewer);
        return context.prisma.avinodeNotification.findMany({
          ...query,
          where: args.status ? { status: { in: args.status } } : {},
          orderBy: { id: 'desc' },
        });
      },
    },
    { name: 'AvinodeNotificationConnection' },
  ),
);

const RetryAvinodeNotificationInput = builder.inputType('RetryAvinodeNotificationInput', {
  description: 'Give exactly one: `id`, or `allDeadLettered: true`.',
  fields: (t) => ({
    id: t.globalID({ for: AvinodeNotificationNode, description: 'One notification, in any status but PROCESSING.' }),
    allDeadLettered: t.boolean({ description: 'Every DEAD_LETTERED notification.' }),
  }),
});

const RetryAvinodeNotificationPayload = builder
  .objectRef<{ ids: string[] }>('RetryAvinodeNotificationPayload')
  .implement({
    description: 'The notifications sent back to the queue, now PENDING.',
    fields: (t) => ({
      retriedCount: t.int({ description: 'How many went back to PENDING.', resolve: (payload) => payload.ids.length }),
      notifications: t.prismaField({
        type: [AvinodeNotificationNode],
        description: 'The first 100 of them.',
        resolve: (query, payload, _args, context) =>
          context.prisma.avinodeNotification.findMany({
            ...query,
            where: { id: { in: payload.ids.slice(0, 100) } },
            orderBy: { id: 'desc' },
          }),
      }),
    }),
  });

builder.mutationField('retryAvinodeNotification', (t) =>
  t.field({
    type: RetryAvinodeNotificationPayload,
    description: 'Admins: queues one notification, or every dead-lettered one, for another round of attempts.',
    errors: { types: [NotFoundError, ForbiddenError, ValidationError] },
    args: {
      input: t.arg({ type: RetryAvinodeNotificationInput, required: true, description: 'What to retry.' }),
    },
    resolve: async (_root, { input }, context) => ({
      ids: await retryAvinodeNotifications(context.prisma, context.viewer, context.logger, {
        id: input.id?.id,
        allDeadLettered: input.allDeadLettered,
      }),
    }),
  }),
);
