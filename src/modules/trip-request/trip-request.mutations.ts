import { builder } from '../../graphql/builder.js';
import { defineMutation } from '../../graphql/mutation.js';
import { committed, payloadSessionField, readBack, type SessionPayload } from '../../graphql/payloads.js';
import { ClientNode } from '../client/client.type.js';
import { ChatSessionNode } from '../session/session.type.js';
import { captureTripRequest } from './trip-request.service.js';
import { TripRequestNode, TripTypeEnum } from './trip-request.type.js';

const TripLegInput = builder.inputType('TripLegInput', {
  fields: (t) => ({
    departureAirport: t.string({ required: true, description: 'ICAO, e.g. KTEB' }),
    arrivalAirport: t.string({ required: true, description: 'ICAO, e.g. LFPB' }),
    departureAt: t.field({ type: 'DateTime', required: true }),
  }),
});

const CaptureTripRequestInput = builder.inputType('CaptureTripRequestInput', {
  fields: (t) => ({
    sessionId: t.globalID({ for: ChatSessionNode, required: true }),
    clientId: t.globalID({ for: ClientNode }),
    tripType: t.field({ type: TripTypeEnum, required: true }),
    passengers: t.int({ required: true, description: '1 to 100.' }),
    legs: t.field({ type: [TripLegInput], required: true, description: 'In flying order.' }),
    aircraftCategory: t.string({ description: 'e.g. Heavy jet, Midsize jet.' }),
    budget: t.field({ type: 'Decimal' }),
    currency: t.string({ description: 'ISO-4217; defaults to USD.' }),
    specialRequirements: t.string(),
    expectedVersion: t.int(),
  }),
});

const CaptureTripRequestPayload = builder
  .objectRef<SessionPayload & { requestId: string }>('CaptureTripRequestPayload')
  .implement({
    fields: (t) => ({
      session: payloadSessionField(t),
      request: t.prismaField({
        type: TripRequestNode,
        resolve: (query, payload, _args, context) =>
          readBack(() => context.prisma.tripRequest.findUniqueOrThrow({ ...query, where: { id: payload.requestId } })),
      }),
    }),
  });

defineMutation('captureTripRequest', {
  description: 'Route, dates and passengers are known: UNDERSTANDING_REQUEST → SEARCHING_AIRCRAFT.',
  input: CaptureTripRequestInput,
  payload: CaptureTripRequestPayload,
  resolve: async (input, context) => {
    const { session, request } = committed(
      context,
      await captureTripRequest(context.prisma, context.viewer, {
        ...input,
        sessionId: input.sessionId.id,
        clientId: input.clientId?.id,
        currency: input.currency ?? undefined,
      }),
    );
    return { sessionId: session.id, requestId: request.id };
  },
});
