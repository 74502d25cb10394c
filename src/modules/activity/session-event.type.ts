import { SessionEventType } from '../../generated/prisma/enums.js';
import { builder } from '../../graphql/builder.js';
import { isBigintId } from '../../graphql/global-ids.js';
import { SessionStatusEnum, WorkflowStepEnum } from '../session/session.enums.js';
import { ownedBy } from '../visibility.js';
import { encodeEventCursor } from './event-cursor.js';

export const SessionEventTypeEnum = builder.enumType('SessionEventType', {
  description: 'What happened; each type’s `data` is described with it. Events never carry message contents.',
  values: {
    SESSION_STARTED: {
      value: SessionEventType.SESSION_STARTED,
      description: '`startSession` opened the session: `toStatus` ACTIVE, `toStep` UNDERSTANDING_REQUEST.',
    },
    MESSAGE_RECORDED: {
      value: SessionEventType.MESSAGE_RECORDED,
      description: 'A message was recorded. `data`: `messageId`, `senderType`.',
    },
    TRIP_REQUEST_CAPTURED: {
      value: SessionEventType.TRIP_REQUEST_CAPTURED,
      description:
        'The trip request was captured or revised. `data`: `requestId`, `revised`, `tripType`, `legs` (how many), `passengers`.',
    },
    AVINODE_TRIP_LINKED: {
      value: SessionEventType.AVINODE_TRIP_LINKED,
      description:
        'Avinode ids were linked. `data`: `avinodeTripId`, `avinodeRfpId`, `avinodeRfqId`, `requestId`, and `previousRequestId` when the session joined another session’s trip request.',
    },
    RFQS_SENT: {
      value: SessionEventType.RFQS_SENT,
      description: 'A batch of RFQs went out. `data`: `operatorsContacted`, `quotesExpected` (this batch’s).',
    },
    QUOTE_RECEIVED: {
      value: SessionEventType.QUOTE_RECEIVED,
      description:
        'A new quote was recorded. `data`: `quoteId`, `avinodeQuoteId`, `totalPrice` (a decimal string), `currency`, `status`.',
    },
    QUOTE_UPDATED: {
      value: SessionEventType.QUOTE_UPDATED,
      description: 'A known quote changed. `data`: as QUOTE_RECEIVED, plus `previousTotalPrice` and `previousStatus`.',
    },
    PRIMARY_QUOTE_SELECTED: {
      value: SessionEventType.PRIMARY_QUOTE_SELECTED,
      description: 'A primary quote was chosen. `data`: `quoteId`, `previousQuoteId` (null for the first choice).',
    },
    PROPOSAL_GENERATED: {
      value: SessionEventType.PROPOSAL_GENERATED,
      description: 'The proposal was built. `data`: `proposalId`, `number`, `total` (a decimal string), `currency`.',
    },
    PROPOSAL_SENT: {
      value: SessionEventType.PROPOSAL_SENT,
      description: 'The proposal went to the client. `data`: `proposalId`, `number`.',
    },
    STEP_CHANGED: {
      value: SessionEventType.STEP_CHANGED,
      description: 'The step moved: `fromStep` → `toStep`. It follows the event of the action that moved it.',
    },
    STATUS_CHANGED: {
      value: SessionEventType.STATUS_CHANGED,
      description:
        'The status moved: `fromStatus` → `toStatus`. `data`: `action` (paused, resumed, completed, archived) and `reason`, when a lifecycle mutation or `archiveStaleSessions` moved it.',
    },
  } as const,
});

/**
 * The event-to-field mapping, in one place. Every field but `session` reads the event
 * row itself and declares no `select`: a streamed event is a whole row Pothos did not
 * load, and a field with a `select` would make it query the row again per event (a
 * delivery that could fail with the database). Rows loaded by a query (`node`,
 * `session.events`) are whole rows too, since the type selects every column.
 */
export const SessionEventNode = builder.prismaNode('SessionEvent', {
  description:
    'One thing that happened to a session, in the append-only activity log: what the subscriptions deliver. Visible to whoever may see the session.',
  id: { resolve: (event) => event.id.toString() },
  nullable: true,
  findUnique: (id, context) => ({ id: parseEventId(id), ...ownedBy(context.viewer) }),
  fields: (t) => ({
    cursor: t.string({
      description: 'Opaque position in the event stream; pass it as `after` to resume.',
      resolve: (event) => encodeEventCursor(event.id),
    }),
    type: t.expose('type', { type: SessionEventTypeEnum, description: 'What happened.' }),
    fromStep: t.expose('fromStep', {
      type: WorkflowStepEnum,
      nullable: true,
      description: 'STEP_CHANGED: the step before; null on other events.',
    }),
    toStep: t.expose('toStep', {
      type: WorkflowStepEnum,
      nullable: true,
      description: 'STEP_CHANGED and SESSION_STARTED: the step after; null on other events.',
    }),
    fromStatus: t.expose('fromStatus', {
      type: SessionStatusEnum,
      nullable: true,
      description: 'STATUS_CHANGED: the status before; null on other events.',
    }),
    toStatus: t.expose('toStatus', {
      type: SessionStatusEnum,
      nullable: true,
      description: 'STATUS_CHANGED and SESSION_STARTED: the status after; null on other events.',
    }),
    data: t.expose('data', { type: 'JSON', description: 'Details, by `type` (see SessionEventType); `{}` when none.' }),
    actorId: t.exposeString('actorId', {
      nullable: true,
      description:
        'Who caused it: the agent’s database id (the UUID inside its global id) or an integration token’s `sub`; null when not recorded.',
    }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was recorded.' }),
    session: t.relation('session', { description: 'The session it happened to.' }),
  }),
});

function parseEventId(id: string): bigint {
  // A malformed id simply matches nothing.
  return isBigintId(id) ? BigInt(id) : -1n;
}
