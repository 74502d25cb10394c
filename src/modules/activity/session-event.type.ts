import { SessionEventType } from '../../generated/prisma/enums.js';
import { builder } from '../../graphql/builder.js';
import { isBigintId } from '../../graphql/global-ids.js';
import { SessionStatusEnum, WorkflowStepEnum } from '../session/session.enums.js';
import { ownedBy } from '../visibility.js';
import { encodeEventCursor } from './event-cursor.js';

export const SessionEventTypeEnum = builder.enumType(SessionEventType, { name: 'SessionEventType' });

/**
 * The event-to-field mapping, in one place. Every field but `session` reads the event
 * row itself and declares no `select`: a streamed event is a whole row Pothos did not
 * load, and a field with a `select` would make it query the row again per event (a
 * delivery that could fail with the database). Rows loaded by a query (`node`,
 * `session.events`) are whole rows too, since the type selects every column.
 */
export const SessionEventNode = builder.prismaNode('SessionEvent', {
  description: 'One thing that happened to a session: the append-only activity log.',
  id: { resolve: (event) => event.id.toString() },
  nullable: true,
  findUnique: (id, context) => ({ id: parseEventId(id), ...ownedBy(context.viewer) }),
  fields: (t) => ({
    cursor: t.string({
      description: 'Opaque position in the event stream; pass it as `after` to resume.',
      resolve: (event) => encodeEventCursor(event.id),
    }),
    type: t.expose('type', { type: SessionEventTypeEnum }),
    fromStep: t.expose('fromStep', { type: WorkflowStepEnum, nullable: true }),
    toStep: t.expose('toStep', { type: WorkflowStepEnum, nullable: true }),
    fromStatus: t.expose('fromStatus', { type: SessionStatusEnum, nullable: true }),
    toStatus: t.expose('toStatus', { type: SessionStatusEnum, nullable: true }),
    data: t.expose('data', { type: 'JSON' }),
    actorId: t.exposeString('actorId', { nullable: true, description: 'The agent or integration that caused it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    session: t.relation('session'),
  }),
});

function parseEventId(id: string): bigint {
  // A malformed id simply matches nothing.
  return isBigintId(id) ? BigInt(id) : -1n;
}
