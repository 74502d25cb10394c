import { builder } from '../../graphql/builder.js';
import { defineMutation, EXPECTED_VERSION_DESCRIPTION, SESSION_ID_DESCRIPTION } from '../../graphql/mutation.js';
import { payloadSessionField, readBack, type SessionPayload } from '../../graphql/payloads.js';
import { ClientNode } from '../client/client.type.js';
import { ChatSessionNode } from '../session/session.type.js';
import { captureTripRequest } from './trip-request.service.js';
import { TripRequestNode, TripTypeEnum } from './trip-request.type.js';

const TripLegInput = builder.inputType('TripLegInput', {
  description: 'One flight leg.',
  fields: (t) => ({
    departureAirport: t.string({
      required: true,
      description: 'ICAO airport code, 4 letters or digits (any case), e.g. KTEB.',
    }),
    arrivalAirport: t.string({
      required: true,
      description: 'ICAO airport code, e.g. LFPB; not the departure airport.',
    }),
    departureAt: t.field({
      type: 'DateTime',
      required: true,
      description: 'When it departs, with a UTC offset, e.g. 2026-12-01T14:30:00Z; after the previous leg departs.',
    }),
  }),
});

const CaptureTripRequestInput = builder.inputType('CaptureTripRequestInput', {
  description:
    'The whole trip request. Captured again (before quotes are requested) it replaces the previous one: legs and all, and an omitted optional field becomes null.',
  fields: (t) => ({
    sessionId: t.globalID({ for: ChatSessionNode, required: true, description: SESSION_ID_DESCRIPTION }),
    clientId: t.globalID({
      for: ClientNode,
      description: 'The customer, one of the session’s agent’s clients; omit when not known yet.',
    }),
    tripType: t.field({
      type: TripTypeEnum,
      required: true,
      description: 'Decides the legs: ONE_WAY 1, ROUND_TRIP 2 (back the way it went), MULTI_CITY 2 to 20.',
    }),
    passengers: t.int({ required: true, description: '1 to 100.' }),
    legs: t.field({
      type: [TripLegInput],
      required: true,
      description: 'In flying order, each departing after the previous one.',
    }),
    aircraftCategory: t.string({ description: 'Free text up to 100 characters, e.g. Heavy jet, Midsize jet.' }),
    budget: t.field({
      type: 'Decimal',
      description:
        'The client’s budget in `currency`: ≥ 0, at most two decimals, below 10,000,000,000, e.g. "85000.00".',
    }),
    currency: t.string({ description: 'ISO-4217 code of the budget (any case), e.g. EUR; USD when omitted.' }),
    specialRequirements: t.string({ description: 'Free text up to 2,000 characters.' }),
    expectedVersion: t.int({ description: EXPECTED_VERSION_DESCRIPTION }),
  }),
});

const CaptureTripRequestPayload = builder
  .objectRef<SessionPayload & { requestId: string }>('CaptureTripRequestPayload')
  .implement({
    description: 'What `captureTripRequest` did.',
    fields: (t) => ({
      session: payloadSessionField(t),
      request: t.prismaField({
        type: TripRequestNode,
        description: 'The trip request as captured (on a second capture, the same one revised).',
        resolve: (query, payload, _args, context) =>
          readBack(() => context.prisma.tripRequest.findUniqueOrThrow({ ...query, where: { id: payload.requestId } })),
      }),
    }),
  });

defineMutation('captureTripRequest', {
  description:
    'Route, dates and passengers are known: UNDERSTANDING_REQUEST → SEARCHING_AIRCRAFT. Again at SEARCHING_AIRCRAFT, it revises the request.',
  input: CaptureTripRequestInput,
  payload: CaptureTripRequestPayload,
  resolve: async (input, context) => {
    const { session, request } = (
      await captureTripRequest(context.prisma, context.viewer, {
        ...input,
        sessionId: input.sessionId.id,
        clientId: input.clientId?.id,
        currency: input.currency ?? undefined,
      })
    ).result;
    return { sessionId: session.id, requestId: request.id };
  },
});
