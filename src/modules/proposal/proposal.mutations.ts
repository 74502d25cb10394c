import { builder } from '../../graphql/builder.js';
import { defineMutation } from '../../graphql/mutation.js';
import { committed, payloadSessionField, readBack, type SessionPayload } from '../../graphql/payloads.js';
import { QuoteNode } from '../quote/quote.type.js';
import { ChatSessionNode } from '../session/session.type.js';
import { generateProposal, sendProposal } from './proposal.service.js';
import { ProposalNode } from './proposal.type.js';

type ProposalPayload = SessionPayload & { proposalId: string };

function proposalPayload(name: string) {
  return builder.objectRef<ProposalPayload>(name).implement({
    fields: (t) => ({
      session: payloadSessionField(t),
      proposal: t.prismaField({
        type: ProposalNode,
        resolve: (query, payload, _args, context) =>
          readBack(() => context.prisma.proposal.findUniqueOrThrow({ ...query, where: { id: payload.proposalId } })),
      }),
    }),
  });
}

const GenerateProposalInput = builder.inputType('GenerateProposalInput', {
  fields: (t) => ({
    sessionId: t.globalID({ for: ChatSessionNode, required: true }),
    quoteId: t.globalID({ for: QuoteNode, description: 'Defaults to the primary quote.' }),
    marginPercent: t.field({ type: 'Decimal', required: true, description: '0 to 100, e.g. "8.50".' }),
    title: t.string(),
    expectedVersion: t.int(),
  }),
});

defineMutation('generateProposal', {
  description: 'Builds the client proposal on a quote: ANALYZING_QUOTES → PROPOSAL_READY.',
  input: GenerateProposalInput,
  payload: proposalPayload('GenerateProposalPayload'),
  resolve: async (input, context) => {
    const { session, proposal } = committed(
      context,
      await generateProposal(context.prisma, context.viewer, {
        ...input,
        sessionId: input.sessionId.id,
        quoteId: input.quoteId?.id,
      }),
    );
    return { sessionId: session.id, proposalId: proposal.id };
  },
});

const SendProposalInput = builder.inputType('SendProposalInput', {
  fields: (t) => ({
    sessionId: t.globalID({ for: ChatSessionNode, required: true }),
    sentTo: t.string({ description: "Email address; defaults to the client's." }),
    expectedVersion: t.int(),
  }),
});

defineMutation('sendProposal', {
  description: 'Marks the proposal sent to the client: PROPOSAL_READY → PROPOSAL_SENT.',
  input: SendProposalInput,
  payload: proposalPayload('SendProposalPayload'),
  resolve: async (input, context) => {
    const { session, proposal } = committed(
      context,
      await sendProposal(context.prisma, context.viewer, { ...input, sessionId: input.sessionId.id }),
    );
    return { sessionId: session.id, proposalId: proposal.id };
  },
});
