import { builder } from '../../graphql/builder.js';
import { defineMutation, EXPECTED_VERSION_DESCRIPTION, SESSION_ID_DESCRIPTION } from '../../graphql/mutation.js';
import { payloadSessionField, type SessionPayload } from '../../graphql/payloads.js';
import { AgentNode } from '../agent/agent.type.js';
import { ConversationNode } from '../conversation/conversation.type.js';
import { linkAvinodeTrip, recordRfqsSent } from './avinode.service.js';
import {
  archiveStaleSessions,
  changeStatus,
  METADATA_LIMITS,
  type StatusAction,
  startSession,
} from './lifecycle.service.js';
import { ChatSessionNode } from './session.type.js';

const StartSessionInput = builder.inputType('StartSessionInput', {
  description: 'The conversation to track, or none to open a new one.',
  fields: (t) => ({
    conversationId: t.globalID({
      for: ConversationNode,
      description:
        'One of the agent’s conversations: its open session is returned if it has one. Omit to open a new conversation.',
    }),
    agentId: t.globalID({
      for: AgentNode,
      description:
        'Whose session it is: required with a service token; admins may name any agent; defaults to the signed-in agent.',
    }),
    subject: t.string({ description: 'Subject of a new conversation, up to 300 characters.' }),
    metadata: t.field({
      type: 'JSON',
      description: `A JSON object to keep as the session’s \`metadata\`: at most ${METADATA_LIMITS.maxBytes / 1024} KB and ${METADATA_LIMITS.maxDepth} levels deep.`,
    }),
  }),
});

const StartSessionPayload = builder.objectRef<SessionPayload & { created: boolean }>('StartSessionPayload').implement({
  description: 'What `startSession` did.',
  fields: (t) => ({
    session: payloadSessionField(t),
    created: t.exposeBoolean('created', { description: 'False when the conversation already had an open session.' }),
  }),
});

defineMutation('startSession', {
  description: 'Opens a session for a conversation, or returns its open one (UNDERSTANDING_REQUEST).',
  input: StartSessionInput,
  payload: StartSessionPayload,
  resolve: async (input, context) => {
    const { session, created } = (
      await startSession(context.prisma, context.viewer, {
        conversationId: input.conversationId?.id,
        agentId: input.agentId?.id,
        subject: input.subject,
        metadata: input.metadata,
      })
    ).result;
    return { sessionId: session.id, created };
  },
});

const SessionChangeInput = builder.inputType('SessionChangeInput', {
  description: 'The session to pause, resume, complete or archive.',
  fields: (t) => ({
    sessionId: t.globalID({ for: ChatSessionNode, required: true, description: SESSION_ID_DESCRIPTION }),
    expectedVersion: t.int({ description: EXPECTED_VERSION_DESCRIPTION }),
    reason: t.string({ description: 'Why, up to 500 characters; kept in the STATUS_CHANGED event’s `data`.' }),
  }),
});

const statusMutations: Array<[string, StatusAction, string]> = [
  ['pauseSession', 'PAUSE', 'ACTIVE → PAUSED: the agent is away; recording a message resumes it.'],
  ['resumeSession', 'RESUME', 'PAUSED → ACTIVE.'],
  ['completeSession', 'COMPLETE', 'ACTIVE or PAUSED → COMPLETED; sets endedAt.'],
  ['archiveSession', 'ARCHIVE', 'ACTIVE, PAUSED or COMPLETED → ARCHIVED: read-only to people from then on.'],
];

for (const [name, action, description] of statusMutations) {
  const payloadName = `${name.charAt(0).toUpperCase()}${name.slice(1)}Payload`;
  const Payload = builder.objectRef<SessionPayload>(payloadName).implement({
    description: `What \`${name}\` did.`,
    fields: (t) => ({ session: payloadSessionField(t) }),
  });
  defineMutation(name, {
    description,
    input: SessionChangeInput,
    payload: Payload,
    resolve: async (input, context) => {
      const { session } = (
        await changeStatus(context.prisma, context.viewer, { ...input, sessionId: input.sessionId.id }, action)
      ).result;
      return { sessionId: session.id };
    },
  });
}

const LinkAvinodeTripInput = builder.inputType('LinkAvinodeTripInput', {
  description:
    'The Avinode ids of the session’s trip (each 1 to 100 letters, digits or `_ . : -`). A missing RFP or RFQ id may be added later; a recorded one never changes.',
  fields: (t) => ({
    sessionId: t.globalID({
      for: ChatSessionNode,
      required: true,
      description: 'The session to link; it needs a trip request.',
    }),
    avinodeTripId: t.string({
      required: true,
      description:
        'The Avinode trip, e.g. atrip-64956150. Another session of the same agent on this trip shares its trip request; another agent’s trip is refused.',
    }),
    avinodeRfpId: t.string({ description: 'The Avinode RFP.' }),
    avinodeRfqId: t.string({ description: 'The Avinode RFQ, e.g. arfq-113903111.' }),
    avinodeTripCode: t.string({
      description:
        "The trip's 6-character display code (e.g. A1B2C3), which Avinode's notifications carry. Omitted: the Avinode intake looks it up.",
    }),
    expectedVersion: t.int({ description: EXPECTED_VERSION_DESCRIPTION }),
  }),
});

const LinkAvinodeTripPayload = builder
  .objectRef<SessionPayload & { changed: boolean }>('LinkAvinodeTripPayload')
  .implement({
    description: 'What `linkAvinodeTrip` did.',
    fields: (t) => ({
      session: payloadSessionField(t),
      changed: t.exposeBoolean('changed', {
        description: 'False when the same ids were already linked: nothing was written.',
      }),
    }),
  });

defineMutation('linkAvinodeTrip', {
  description: 'Links the Avinode trip / RFP / RFQ: SEARCHING_AIRCRAFT → REQUESTING_QUOTES. Idempotent.',
  input: LinkAvinodeTripInput,
  payload: LinkAvinodeTripPayload,
  resolve: async (input, context) => {
    const { session, changed } = (
      await linkAvinodeTrip(context.prisma, context.viewer, { ...input, sessionId: input.sessionId.id })
    ).result;
    return { sessionId: session.id, changed };
  },
});

const RecordRfqsSentInput = builder.inputType('RecordRfqsSentInput', {
  description: 'One batch of RFQs sent to operators; the counts add to the session’s.',
  fields: (t) => ({
    sessionId: t.globalID({ for: ChatSessionNode, required: true, description: SESSION_ID_DESCRIPTION }),
    operatorsContacted: t.int({
      required: true,
      description: 'Operators this batch went to, 1 to 1000; added to `operatorsContactedCount`.',
    }),
    quotesExpected: t.int({
      required: true,
      description: 'Quotes this batch expects, 0 to 1000; added to `quotesExpectedCount`.',
    }),
    avinodeRfqId: t.string({ description: 'The Avinode RFQ; recorded only when the session has none yet.' }),
    expectedVersion: t.int({ description: EXPECTED_VERSION_DESCRIPTION }),
  }),
});

const RecordRfqsSentPayload = builder.objectRef<SessionPayload>('RecordRfqsSentPayload').implement({
  description: 'What `recordRfqsSent` did.',
  fields: (t) => ({ session: payloadSessionField(t) }),
});

defineMutation('recordRfqsSent', {
  description: 'RFQs went out: adds to operatorsContactedCount and quotesExpectedCount.',
  input: RecordRfqsSentInput,
  payload: RecordRfqsSentPayload,
  resolve: async (input, context) => {
    const { session } = (
      await recordRfqsSent(context.prisma, context.viewer, { ...input, sessionId: input.sessionId.id })
    ).result;
    return { sessionId: session.id };
  },
});

const ArchiveStaleSessionsInput = builder.inputType('ArchiveStaleSessionsInput', {
  description: 'Which sessions count as stale.',
  fields: (t) => ({
    olderThanDays: t.int({
      defaultValue: 90,
      description: 'Archive every session, of any agent, without activity for more than this many days: 1 to 3650.',
    }),
  }),
});

const ArchiveStaleSessionsPayload = builder
  .objectRef<{ archivedCount: number; cutoff: Date }>('ArchiveStaleSessionsPayload')
  .implement({
    description: 'What `archiveStaleSessions` did.',
    fields: (t) => ({
      archivedCount: t.exposeInt('archivedCount', {
        description: 'How many sessions were archived, each with a STATUS_CHANGED event.',
      }),
      cutoff: t.expose('cutoff', { type: 'DateTime', description: 'Sessions idle since before this were archived.' }),
    }),
  });

defineMutation('archiveStaleSessions', {
  description: 'Admins: archives every session without activity for `olderThanDays` (default 90).',
  input: ArchiveStaleSessionsInput,
  payload: ArchiveStaleSessionsPayload,
  resolve: async (input, context) =>
    (await archiveStaleSessions(context.prisma, context.viewer, input.olderThanDays ?? 90)).result,
});
