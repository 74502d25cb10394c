import { builder } from '../../graphql/builder.js';
import { defineMutation, EXPECTED_VERSION_DESCRIPTION, SESSION_ID_DESCRIPTION } from '../../graphql/mutation.js';
import { payloadSessionField, readBack, type SessionPayload } from '../../graphql/payloads.js';
import { QuoteNode } from '../quote/quote.type.js';
import { ChatSessionNode } from '../session/session.type.js';
import { generateProposal, sendProposal } from './proposal.service.js';
import { ProposalNode } from './proposal.type.js';

type ProposalPayload = SessionPayload & { proposalId: string };

function proposalPayload(name: string, mutation: string) {
  return builder.objectRef<ProposalPayload>(name).implement({
    description: `What \`${mutation}\` did.`,
    fields: (t) => ({
      session: payloadSessionField(t),
      proposal: t.prismaField({
        type: ProposalNode,
        description: 'The proposal as it is after the change.',
        resolve: (query, payload, _args, context) =>
          readBack(() => context.prisma.proposal.findUniqueOrThrow({ ...query, where: { id: payload.proposalId } })),
      }),
    }),
  });
}

const GenerateProposalInput = builder.inputType('GenerateProposalInput', {
  description: 'The quote and margin to build the client’s proposal on.',
  fields: (t) => ({
    sessionId: t.globalID({ for: ChatSessionNode, required: true, description: SESSION_ID_DESCRIPTION }),
    quoteId: t.globalID({
      for: QuoteNode,
      description:
        'A quote on the session’s trip request that is not DECLINED, EXPIRED or WITHDRAWN; defaults to the primary quote. It becomes the primary quote.',
    }),
    marginPercent: t.field({
      type: 'Decimal',
      required: true,
      description: 'The broker’s margin in percent, 0 to 100 with at most two decimals, e.g. "8.50".',
    }),
    title: t.string({ description: 'Up to 200 characters; defaults to "<aircraft type> charter proposal".' }),
    expectedVersion: t.int({ description: EXPECTED_VERSION_DESCRIPTION }),
  }),
});

defineMutation('generateProposal', {
  description: 'Builds the client proposal on a quote: ANALYZING_QUOTES → PROPOSAL_READY.',
  input: GenerateProposalInput,
  payload: proposalPayload('GenerateProposalPayload', 'generateProposal'),
  resolve: async (input, context) => {
    const { session, proposal } = (
      await generateProposal(context.prisma, context.viewer, {
        ...input,
        sessionId: input.sessionId.id,
        quoteId: input.quoteId?.id,
      })
    ).result;
    return { sessionId: session.id, proposalId: proposal.id };
  },
});

const SendProposalInput = builder.inputType('SendProposalInput', {
  description: 'Which session’s proposal was sent, and to whom.',
  fields: (t) => ({
    sessionId: t.globalID({ for: ChatSessionNode, required: true, description: SESSION_ID_DESCRIPTION }),
    sentTo: t.string({
      description: 'The email address it went to; defaults to the client’s, and is required when there is no client.',
    }),
    expectedVersion: t.int({ description: EXPECTED_VERSION_DESCRIPTION }),
  }),
});

defineMutation('sendProposal', {
  description:
    'Records that the proposal went to the client (this server sends no email): PROPOSAL_READY → PROPOSAL_SENT.',
  input: SendProposalInput,
  payload: proposalPayload('SendProposalPayload', 'sendProposal'),
  resolve: async (input, context) => {
    const { session, proposal } = (
      await sendProposal(context.prisma, context.viewer, { ...input, sessionId: input.sessionId.id })
    ).result;
    return { sessionId: session.id, proposalId: proposal.id };
  },
});
