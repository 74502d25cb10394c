import { describe, expect } from 'vitest';
import type { CaptureTripRequestInput, ReceiveQuoteInput } from './generated/graphql.js';
import { it as base } from './harness/fixtures.js';
import {
  CaptureTripRequest,
  type callerFor,
  captureInput,
  footprint,
  GenerateProposal,
  PauseSession,
  quoteInput,
  ReceiveQuote,
  SendProposal,
  sessionAt,
} from './harness/workflow.js';

const it = base
  /** One session waiting at each step whose input is checked here; a refused input leaves it there. */
  .extend('at', { scope: 'file' }, async ({ server, token }) => ({
    capture: await sessionAt(server, token, 'UNDERSTANDING_REQUEST'),
    quote: await sessionAt(server, token, 'REQUESTING_QUOTES'),
    proposal: await sessionAt(server, token, 'ANALYZING_QUOTES'),
    send: await sessionAt(server, token, 'PROPOSAL_READY'),
  }));

const leg = (departureAirport: string, arrivalAirport: string, departureAt: string) => ({
  departureAirport,
  arrivalAirport,
  departureAt,
});

/** What a case runs with: the file's caller and its sessions. */
type Subjects = { call: ReturnType<typeof callerFor>; at: Record<'capture' | 'quote' | 'proposal' | 'send', Session> };
type Session = Awaited<ReturnType<typeof sessionAt>>;
type Case = { name: string; run: (subjects: Subjects) => Promise<unknown>; fields: string[] };

function capture(overrides: Partial<CaptureTripRequestInput>) {
  return async ({ call, at }: Subjects) =>
    (await call(CaptureTripRequest, { input: captureInput(at.capture.id, overrides) })).captureTripRequest;
}

function quote(overrides: Partial<ReceiveQuoteInput>) {
  return async ({ call, at }: Subjects) =>
    (await call(ReceiveQuote, { input: quoteInput({ sessionId: at.quote.id }, overrides) })).receiveQuote;
}

const CASES: Case[] = [
  {
    name: 'an airport that is not an ICAO code',
    run: capture({ legs: [leg('KT!B', 'LFPB', '2026-12-10T14:00:00Z'), leg('LFPB', 'KTEB', '2026-12-17T10:00:00Z')] }),
    fields: ['legs.0.departureAirport'],
  },
  {
    name: 'a three-letter (IATA) airport',
    run: capture({ legs: [leg('KTEB', 'LFPB', '2026-12-10T14:00:00Z'), leg('LFPB', 'TEB', '2026-12-17T10:00:00Z')] }),
    fields: ['legs.1.arrivalAirport'],
  },
  {
    name: 'a leg that lands where it took off',
    run: capture({ tripType: 'ONE_WAY', legs: [leg('KTEB', 'kteb', '2026-12-10T14:00:00Z')] }),
    fields: ['legs.0.arrivalAirport'],
  },
  {
    name: 'legs out of order',
    run: capture({ legs: [leg('KTEB', 'LFPB', '2026-12-17T10:00:00Z'), leg('LFPB', 'KTEB', '2026-12-10T14:00:00Z')] }),
    fields: ['legs.1.departureAt'],
  },
  {
    name: 'an airport that only upper-cases to a code (ßkt → SSKT)',
    run: capture({ legs: [leg('ßkt', 'LFPB', '2026-12-10T14:00:00Z'), leg('LFPB', 'KTEB', '2026-12-17T10:00:00Z')] }),
    fields: ['legs.0.departureAirport'],
  },
  {
    name: 'an airport with a long s (ſ upper-cases to S)',
    run: capture({ legs: [leg('KTEB', 'LFPB', '2026-12-10T14:00:00Z'), leg('LFPB', 'kſan', '2026-12-17T10:00:00Z')] }),
    fields: ['legs.1.arrivalAirport'],
  },
  { name: 'a currency that only upper-cases to a code (uſd)', run: capture({ currency: 'uſd' }), fields: ['currency'] },
  { name: 'a quote currency with a dotless i (ınr)', run: quote({ currency: 'ınr' }), fields: ['currency'] },
  { name: 'no passengers', run: capture({ passengers: 0 }), fields: ['passengers'] },
  { name: '101 passengers', run: capture({ passengers: 101 }), fields: ['passengers'] },
  { name: 'currency XXXX on a request', run: capture({ currency: 'XXXX' }), fields: ['currency'] },
  { name: 'a negative budget', run: capture({ budget: '-5.00' }), fields: ['budget'] },
  { name: 'a budget with three decimals', run: capture({ budget: '1200.125' }), fields: ['budget'] },
  {
    name: 'every problem of a request at once, one entry each',
    run: capture({
      tripType: 'MULTI_CITY',
      passengers: 101,
      currency: 'XXXX',
      budget: '-1',
      legs: [leg('K1', 'LFPB', '2026-12-10T14:00:00Z'), leg('LFPB', 'LFPB', '2026-12-09T10:00:00Z')],
    }),
    fields: [
      'budget',
      'currency',
      'legs.0.departureAirport',
      'legs.1.arrivalAirport',
      'legs.1.departureAt',
      'passengers',
    ],
  },
  { name: 'a negative quote price', run: quote({ totalPrice: '-98500.00' }), fields: ['totalPrice'] },
  { name: 'a quote price with three decimals', run: quote({ totalPrice: '98500.505' }), fields: ['totalPrice'] },
  { name: 'currency XXXX on a quote', run: quote({ currency: 'XXXX' }), fields: ['currency'] },
  {
    name: 'a margin of 101 %',
    run: async ({ call, at }) =>
      (
        await call(GenerateProposal, {
          input: { sessionId: at.proposal.id, quoteId: at.proposal.quoteId, marginPercent: '101' },
        })
      ).generateProposal,
    fields: ['marginPercent'],
  },
  {
    name: 'a blank reason for pausing',
    run: async ({ call, at }) =>
      (await call(PauseSession, { input: { sessionId: at.capture.id, reason: '   ' } })).pauseSession,
    fields: ['reason'],
  },
  {
    name: 'a proposal address with a Kelvin sign (lower-cases to k)',
    run: async ({ call, at }) =>
      (await call(SendProposal, { input: { sessionId: at.send.id, sentTo: '\u212Aim@acme.test' } })).sendProposal,
    fields: ['sentTo'],
  },
  {
    name: 'a proposal sent to something that is not an email address',
    run: async ({ call, at }) =>
      (await call(SendProposal, { input: { sessionId: at.send.id, sentTo: 'dana at acme' } })).sendProposal,
    fields: ['sentTo'],
  },
];

describe('input validation', () => {
  it.for(CASES)(
    '$name is a ValidationError naming exactly the bad fields, and writes nothing',
    async ({ run, fields }, { database, call, at }) => {
      const before = await Promise.all(Object.values(at).map((session) => footprint(database.prisma, session.uuid)));

      const result = (await run({ call, at })) as {
        __typename: string;
        code?: string;
        fields?: Array<{ field: string; message: string }>;
      };

      expect(result, JSON.stringify(result)).toMatchObject({
        __typename: 'ValidationError',
        code: 'VALIDATION_FAILED',
      });
      expect(result.fields?.map((problem) => problem.field).sort()).toEqual(fields);
      for (const problem of result.fields ?? []) expect(problem.message).not.toBe('');
      expect(await Promise.all(Object.values(at).map((session) => footprint(database.prisma, session.uuid)))).toEqual(
        before,
      );
    },
  );

  it('accepts the same inputs once they are fixed (the cases above fail for their one field only)', async ({
    call,
    at,
  }) => {
    const captured = await capture({
      legs: [leg('kteb', ' lfpb ', '2026-12-10T14:00:00Z'), leg('LFPB', 'KTEB', '2026-12-17T10:00:00Z')],
      budget: '120000.5',
      currency: 'eur',
    })({ call, at });
    expect(captured).toMatchObject({
      __typename: 'CaptureTripRequestPayload',
      session: { currentStep: 'SEARCHING_AIRCRAFT' },
    });
    const quoted = await quote({ totalPrice: '98500.50', currency: 'EUR' })({ call, at });
    expect(quoted).toMatchObject({
      __typename: 'ReceiveQuotePayload',
      quote: { totalPrice: '98500.50', currency: 'EUR' },
    });
    const generated = (
      await call(GenerateProposal, {
        input: { sessionId: at.proposal.id, quoteId: at.proposal.quoteId, marginPercent: '100' },
      })
    ).generateProposal;
    expect(generated).toMatchObject({ __typename: 'GenerateProposalPayload' });
    const sent = (await call(SendProposal, { input: { sessionId: at.send.id, sentTo: ' Dana@Acme.test ' } }))
      .sendProposal;
    expect(sent).toMatchObject({
      __typename: 'SendProposalPayload',
      proposal: { status: 'SENT', sentTo: 'dana@acme.test' },
    });
  });
});
