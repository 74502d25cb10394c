import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { expect } from 'vitest';
import type { PrismaClient } from '../../src/generated/prisma/client.js';
import type { CaptureTripRequestInput, ReceiveQuoteInput } from '../generated/graphql.js';
import { graphql } from '../generated/index.js';
import { unique } from './factories.js';
import { expectData } from './graphql.js';
import type { TestServer } from './server.js';

/** The workflow mutations as typed documents, each selecting its payload and every typed error. */
graphql(`
  fragment WfSession on ChatSession {
    id status currentStep version endedAt lastActivityAt
    messageCount quotesReceivedCount quotesExpectedCount operatorsContactedCount
    avinodeTripId avinodeRfpId avinodeRfqId
    conversation { id }
    primaryQuote { id }
    proposal { id number status total sentTo }
  }
  fragment WfError on Error {
    __typename code message
    ... on InvalidTransitionError { currentStatus currentStep attempted allowed }
    ... on ValidationError { fields { field message } }
    ... on StaleVersionError { expectedVersion currentVersion }
    ... on NotFoundError { entity id }
  }
`);

export const StartSession = graphql(`
  mutation WfStartSession($input: StartSessionInput!) {
    startSession(input: $input) { __typename ...WfError ... on StartSessionPayload { created session { ...WfSession } } }
  }
`);
export const RecordMessage = graphql(`
  mutation WfRecordMessage($input: RecordMessageInput!) {
    recordMessage(input: $input) { __typename ...WfError ... on RecordMessagePayload { created recorded: message { id } session { ...WfSession } } }
  }
`);
export const CaptureTripRequest = graphql(`
  mutation WfCaptureTripRequest($input: CaptureTripRequestInput!) {
    captureTripRequest(input: $input) {
      __typename ...WfError
      ... on CaptureTripRequestPayload { request { id passengers legs { sequence } } session { ...WfSession } }
    }
  }
`);
export const LinkAvinodeTrip = graphql(`
  mutation WfLinkAvinodeTrip($input: LinkAvinodeTripInput!) {
    linkAvinodeTrip(input: $input) { __typename ...WfError ... on LinkAvinodeTripPayload { changed session { ...WfSession } } }
  }
`);
export const RecordRfqsSent = graphql(`
  mutation WfRecordRfqsSent($input: RecordRfqsSentInput!) {
    recordRfqsSent(input: $input) { __typename ...WfError ... on RecordRfqsSentPayload { session { ...WfSession } } }
  }
`);
export const ReceiveQuote = graphql(`
  mutation WfReceiveQuote($input: ReceiveQuoteInput!) {
    receiveQuote(input: $input) {
      __typename ...WfError
      ... on ReceiveQuotePayload { outcome quote { id totalPrice currency } sessions { ...WfSession } }
    }
  }
`);
export const SelectPrimaryQuote = graphql(`
  mutation WfSelectPrimaryQuote($input: SelectPrimaryQuoteInput!) {
    selectPrimaryQuote(input: $input) { __typename ...WfError ... on SelectPrimaryQuotePayload { session { ...WfSession } } }
  }
`);
export const GenerateProposal = graphql(`
  mutation WfGenerateProposal($input: GenerateProposalInput!) {
    generateProposal(input: $input) {
      __typename ...WfError
      ... on GenerateProposalPayload { proposal { id number status subtotal total } session { ...WfSession } }
    }
  }
`);
export const SendProposal = graphql(`
  mutation WfSendProposal($input: SendProposalInput!) {
    sendProposal(input: $input) {
      __typename ...WfError
      ... on SendProposalPayload { proposal { id status sentTo sentAt } session { ...WfSession } }
    }
  }
`);
export const PauseSession = graphql(`
  mutation WfPauseSession($input: SessionChangeInput!) {
    pauseSession(input: $input) { __typename ...WfError ... on PauseSessionPayload { session { ...WfSession } } }
  }
`);
export const ResumeSession = graphql(`
  mutation WfResumeSession($input: SessionChangeInput!) {
    resumeSession(input: $input) { __typename ...WfError ... on ResumeSessionPayload { session { ...WfSession } } }
  }
`);
export const CompleteSession = graphql(`
  mutation WfCompleteSession($input: SessionChangeInput!) {
    completeSession(input: $input) { __typename ...WfError ... on CompleteSessionPayload { session { ...WfSession } } }
  }
`);
export const ArchiveSession = graphql(`
  mutation WfArchiveSession($input: SessionChangeInput!) {
    archiveSession(input: $input) { __typename ...WfError ... on ArchiveSessionPayload { session { ...WfSession } } }
  }
`);
export const ArchiveStaleSessions = graphql(`
  mutation WfArchiveStaleSessions($input: ArchiveStaleSessionsInput!) {
    archiveStaleSessions(input: $input) { __typename ...WfError ... on ArchiveStaleSessionsPayload { archivedCount cutoff } }
  }
`);
export const SessionEvents = graphql(`
  query WfSessionEvents($id: ID!) {
    session(id: $id) {
      ...WfSession
      events(first: 100) { totalCount edges { node { type fromStep toStep fromStatus toStatus actorId data } } }
    }
  }
`);

/** Runs typed operations as one viewer; throws (printing both) on GraphQL errors. */
export function callerFor(server: TestServer, token: string) {
  return <T, V>(document: TypedDocumentNode<T, V>, variables: V) => expectData(server.url, document, variables, token);
}

/** Relay global ids are base64 of `Type:uuid`. */
export function globalId(type: string, uuid: string): string {
  return Buffer.from(`${type}:${uuid}`).toString('base64');
}

export function uuidOf(id: string): string {
  return Buffer.from(id, 'base64').toString().split(':')[1] as string;
}

/** Narrows a result union to the expected member, printing the whole result when it is another. */
export function as<T extends { __typename: string }, N extends T['__typename']>(
  value: T,
  typename: N,
): Extract<T, { __typename: N }> {
  expect(value.__typename, JSON.stringify(value, null, 2)).toBe(typename);
  return value as Extract<T, { __typename: N }>;
}

export function captureInput(
  sessionId: string,
  overrides: Partial<CaptureTripRequestInput> = {},
): CaptureTripRequestInput {
  return {
    sessionId,
    tripType: 'ROUND_TRIP',
    passengers: 6,
    legs: [
      { departureAirport: 'KTEB', arrivalAirport: 'LFPB', departureAt: '2026-12-10T14:00:00Z' },
      { departureAirport: 'LFPB', arrivalAirport: 'KTEB', departureAt: '2026-12-17T10:00:00Z' },
    ],
    ...overrides,
  };
}

export function quoteInput(
  target: { sessionId: string } | { avinodeTripId: string },
  overrides: Partial<ReceiveQuoteInput> = {},
): ReceiveQuoteInput {
  return {
    ...target,
    avinodeQuoteId: unique('aquote-'),
    operator: { avinodeCompanyId: 'acomp-shared-1', name: 'Shared Jets' },
    aircraftType: 'Falcon 7X',
    totalPrice: '98500.00',
    ...overrides,
  };
}

export type Stage =
  | 'UNDERSTANDING_REQUEST'
  | 'SEARCHING_AIRCRAFT'
  | 'REQUESTING_QUOTES'
  | 'ANALYZING_QUOTES'
  | 'PROPOSAL_READY';
const STAGES: Stage[] = [
  'UNDERSTANDING_REQUEST',
  'SEARCHING_AIRCRAFT',
  'REQUESTING_QUOTES',
  'ANALYZING_QUOTES',
  'PROPOSAL_READY',
];

/** Opens a session through the API and drives it to the given step; returns its ids. */
export async function sessionAt(server: TestServer, token: string, stage: Stage, options: { tripId?: string } = {}) {
  const reached = (target: Stage) => STAGES.indexOf(stage) >= STAGES.indexOf(target);
  const started = as(
    (await expectData(server.url, StartSession, { input: { subject: unique('Trip ') } }, token)).startSession,
    'StartSessionPayload',
  );
  const id = started.session.id;
  const tripId = options.tripId ?? unique('atrip-');
  let quoteId: string | undefined;
  if (reached('SEARCHING_AIRCRAFT')) {
    as(
      (await expectData(server.url, CaptureTripRequest, { input: captureInput(id) }, token)).captureTripRequest,
      'CaptureTripRequestPayload',
    );
  }
  if (reached('REQUESTING_QUOTES')) {
    const input = { sessionId: id, avinodeTripId: tripId, avinodeRfqId: unique('arfq-') };
    as((await expectData(server.url, LinkAvinodeTrip, { input }, token)).linkAvinodeTrip, 'LinkAvinodeTripPayload');
  }
  if (reached('ANALYZING_QUOTES')) {
    const received = await expectData(server.url, ReceiveQuote, { input: quoteInput({ sessionId: id }) }, token);
    quoteId = as(received.receiveQuote, 'ReceiveQuotePayload').quote.id;
  }
  if (reached('PROPOSAL_READY')) {
    const input = { sessionId: id, quoteId, marginPercent: '10' };
    as((await expectData(server.url, GenerateProposal, { input }, token)).generateProposal, 'GenerateProposalPayload');
  }
  return { id, uuid: uuidOf(id), conversationId: started.session.conversation.id, tripId, quoteId };
}

/**
 * Everything a workflow mutation could write for a session, counted over its agent's
 * rows (so a stray row on a new trip request shows too): compare before and after a refusal.
 */
export async function footprint(prisma: PrismaClient, sessionUuid: string) {
  const session = await prisma.chatSession.findUniqueOrThrow({ where: { id: sessionUuid } });
  const agentId = session.agentId;
  return {
    session,
    events: await prisma.sessionEvent.count({ where: { sessionId: sessionUuid } }),
    messages: await prisma.message.count({ where: { conversationId: session.conversationId } }),
    requests: await prisma.tripRequest.count({ where: { agentId } }),
    legs: await prisma.tripLeg.count({ where: { request: { agentId } } }),
    quotes: await prisma.quote.findMany({ where: { request: { agentId } }, orderBy: { id: 'asc' } }),
    proposals: await prisma.proposal.findMany({ where: { agentId }, orderBy: { id: 'asc' } }),
  };
}

export async function eventTypes(prisma: PrismaClient, sessionUuid: string): Promise<string[]> {
  const events = await prisma.sessionEvent.findMany({ where: { sessionId: sessionUuid }, orderBy: { id: 'asc' } });
  return events.map((event) => event.type);
}
