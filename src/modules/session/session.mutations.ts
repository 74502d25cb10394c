import { builder } from '../../graphql/builder.js';
import { defineMutation } from '../../graphql/mutation.js';
import { committed, payloadSessionField, type SessionPayload } from '../../graphql/payloads.js';
import { AgentNode } from '../agent/agent.type.js';
import { ConversationNode } from '../conversation/conversation.type.js';
import { linkAvinodeTrip, recordRfqsSent } from './avinode.service.js';
import { archiveStaleSessions, changeStatus, type StatusAction, startSession } from './lifecycle.service.js';
import { ChatSessionNode } from './session.type.js';

const StartSessionInput = builder.inputType('StartSessionInput', {
  fields: (t) => ({
    conversationId: t.globalID({ for: ConversationNode, description: 'Omit to open a new conversation.' }),
    agentId: t.globalID({
      for: AgentNode,
      description: 'Required with a service token; defaults to the signed-in agent.',
    }),
    subject: t.string({ description: 'Subject of a new conversation.' }),
    metadata: t.field({ type: 'JSON' }),
  }),
});

const StartSessionPayload = builder.objectRef<SessionPayload & { created: boolean }>('StartSessionPayload').implement({
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
    const { session, created } = committed(
      context,
      await startSession(context.prisma, context.viewer, {
        conversationId: input.conversationId?.id,
        agentId: input.agentId?.id,
        subject: input.subject,
        metadata: input.metadata,
      }),
    );
    return { sessionId: session.id, created };
  },
});

const SessionChangeInput = builder.inputType('SessionChangeInput', {
  fields: (t) => ({
    sessionId: t.globalID({ for: ChatSessionNode, required: true }),
    expectedVersion: t.int({ description: 'Refuse with StaleVersionError unless the session is at this version.' }),
    reason: t.string(),
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
    fields: (t) => ({ session: payloadSessionField(t) }),
  });
  defineMutation(name, {
    description,
    input: SessionChangeInput,
    payload: Payload,
    resolve: async (input, context) => {
      const { session } = committed(
        context,
        await changeStatus(context.prisma, context.viewer, { ...input, sessionId: input.sessionId.id }, action),
      );
      return { sessionId: session.id };
    },
  });
}

const LinkAvinodeTripInput = builder.inputType('LinkAvinodeTripInput', {
  fields: (t) => ({
    sessionId: t.globalID({ for: ChatSessionNode, required: true }),
    avinodeTripId: t.string({ required: true, description: 'e.g. atrip-64956150' }),
    avinodeRfpId: t.string(),
    avinodeRfqId: t.string({ description: 'e.g. arfq-113903111' }),
    avinodeTripCode: t.string({
      description:
        "The trip's 6-character display code (e.g. A1B2C3), which Avinode's notifications carry. Omitted: the Avinode intake looks it up.",
    }),
    expectedVersion: t.int(),
  }),
});

const LinkAvinodeTripPayload = builder
  .objectRef<SessionPayload & { changed: boolean }>('LinkAvinodeTripPayload')
  .implement({
    fields: (t) => ({
      session: payloadSessionField(t),
      changed: t.exposeBoolean('changed', { description: 'False when the same ids were already linked.' }),
    }),
  });

defineMutation('linkAvinodeTrip', {
  description: 'Links the Avinode trip / RFP / RFQ: SEARCHING_AIRCRAFT → REQUESTING_QUOTES. Idempotent.',
  input: LinkAvinodeTripInput,
  payload: LinkAvinodeTripPayload,
  resolve: async (input, context) => {
    const { session, changed } = committed(
      context,
      await linkAvinodeTrip(context.prisma, context.viewer, { ...input, sessionId: input.sessionId.id }),
    );
    return { sessionId: session.id, changed };
  },
});

const RecordRfqsSentInput = builder.inputType('RecordRfqsSentInput', {
  fields: (t) => ({
    sessionId: t.globalID({ for: ChatSessionNode, required: true }),
    operatorsContacted: t.int({ required: true }),
    quotesExpected: t.int({ required: true }),
    avinodeRfqId: t.string(),
    expectedVersion: t.int(),
  }),
});

const RecordRfqsSentPayload = builder.objectRef<SessionPayload>('RecordRfqsSentPayload').implement({
  fields: (t) => ({ session: payloadSessionField(t) }),
});

defineMutation('recordRfqsSent', {
  description: 'RFQs went out: adds to operatorsContactedCount and quotesExpectedCount.',
  input: RecordRfqsSentInput,
  payload: RecordRfqsSentPayload,
  resolve: async (input, context) => {
    const { session } = committed(
      context,
      await recordRfqsSent(context.prisma, context.viewer, { ...input, sessionId: input.sessionId.id }),
    );
    return { sessionId: session.id };
  },
});

const ArchiveStaleSessionsInput = builder.inputType('ArchiveStaleSessionsInput', {
  fields: (t) => ({ olderThanDays: t.int({ defaultValue: 90 }) }),
});

const ArchiveStaleSessionsPayload = builder
  .objectRef<{ archivedCount: number; cutoff: Date }>('ArchiveStaleSessionsPayload')
  .implement({
    fields: (t) => ({
      archivedCount: t.exposeInt('archivedCount'),
      cutoff: t.expose('cutoff', { type: 'DateTime', description: 'Sessions idle since before this were archived.' }),
    }),
  });

defineMutation('archiveStaleSessions', {
  description: 'Admins: archives every session without activity for `olderThanDays` (default 90).',
  input: ArchiveStaleSessionsInput,
  payload: ArchiveStaleSessionsPayload,
  resolve: async (input, context) =>
    committed(context, await archiveStaleSessions(context.prisma, context.viewer, input.olderThanDays ?? 90)),
});
