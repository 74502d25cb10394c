import { describe, expect } from 'vitest';
import { graphql } from './generated/index.js';
import { unique } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';
import { expectData } from './harness/graphql.js';
import { as, LinkAvinodeTrip, quoteInput, sessionAt } from './harness/workflow.js';

/**
 * What one receiveQuote delivery costs the database, counted through the real HTTP server:
 * every statement in Prisma's query log while the mutation runs (COMMIT is in it; the
 * interactive transaction's BEGIN is not, so round trips are one more than the count).
 * The payload asks only for the outcome, as a webhook receiver does, so no read-back is
 * counted; the event stream's tail read (the reader, once per batch per instance) is not
 * the delivery's. The code before issue 11 took 13 (by session id), 15 (by trip id, two
 * sessions) and 12 (a changed quote).
 */
const ReceiveQuoteOutcome = graphql(`
  mutation StatementsReceiveQuote($input: ReceiveQuoteInput!) {
    receiveQuote(input: $input) { __typename ... on ReceiveQuotePayload { outcome } ... on Error { code message } }
  }
`);

const BUDGET = 6;
const STREAM_TAIL = /FROM "public"\."session_events" AS "t0" WHERE "t0"\."id" > \$1/;

const it = base
  // No poll during a measurement: only the delivery's own statements are recorded.
  .extend('serverOptions', { scope: 'file' }, { environment: { EVENT_POLL_INTERVAL_MS: '600000' } })
  /** Delivers a quote as the integration and answers its outcome with the statements it took. */
  .extend(
    'statementsOf',
    { scope: 'file' },
    async ({ server, database, integration }) =>
      async (input: Parameters<typeof quoteInput>[0], avinodeQuoteId: string) => {
        // Let the stream's catch-up from earlier mutations finish before counting.
        await server.app.events.catchUp();
        database.statements.length = 0;
        const data = await integration(ReceiveQuoteOutcome, {
          input: quoteInput(input, { avinodeQuoteId, totalPrice: '51000.00' }),
        });
        const statements = database.statements.filter((sql) => !STREAM_TAIL.test(sql));
        return { outcome: as(data.receiveQuote, 'ReceiveQuotePayload').outcome, statements };
      },
  );

describe('receiveQuote statements per delivery', () => {
  it(`a new quote addressed by session id takes at most ${BUDGET}`, async ({ server, token, statementsOf }) => {
    const session = await sessionAt(server, token, 'REQUESTING_QUOTES');
    const { outcome, statements } = await statementsOf({ sessionId: session.id }, unique('aquote-'));
    expect(outcome).toBe('CREATED');
    expect(statements.length, statements.join('\n')).toBeLessThanOrEqual(BUDGET);
  });

  it(`a new quote by trip id, reaching two open sessions, takes at most ${BUDGET}`, async ({
    server,
    database,
    token,
    statementsOf,
  }) => {
    const first = await sessionAt(server, token, 'REQUESTING_QUOTES');
    const second = await sessionAt(server, token, 'SEARCHING_AIRCRAFT');
    const link = { sessionId: second.id, avinodeTripId: first.tripId };
    as(
      (await expectData(server.url, LinkAvinodeTrip, { input: link }, token)).linkAvinodeTrip,
      'LinkAvinodeTripPayload',
    );

    const { outcome, statements } = await statementsOf({ avinodeTripId: first.tripId }, unique('aquote-'));
    expect(outcome).toBe('CREATED');
    expect(statements.length, statements.join('\n')).toBeLessThanOrEqual(BUDGET);
    const counts = await database.prisma.chatSession.findMany({
      where: { id: { in: [first.uuid, second.uuid] } },
      select: { quotesReceivedCount: true, currentStep: true },
    });
    expect(counts).toEqual([
      { quotesReceivedCount: 1, currentStep: 'ANALYZING_QUOTES' },
      { quotesReceivedCount: 1, currentStep: 'ANALYZING_QUOTES' },
    ]);
  });

  it(`a changed price on a known quote takes at most ${BUDGET}, a re-delivery fewer`, async ({
    server,
    token,
    integration,
    statementsOf,
  }) => {
    const session = await sessionAt(server, token, 'REQUESTING_QUOTES');
    const quoteId = unique('aquote-');
    await statementsOf({ sessionId: session.id }, quoteId);
    const changed = await integration(ReceiveQuoteOutcome, {
      input: quoteInput({ sessionId: session.id }, { avinodeQuoteId: quoteId, totalPrice: '52000.00' }),
    });
    expect(as(changed.receiveQuote, 'ReceiveQuotePayload').outcome).toBe('UPDATED');

    const again = await statementsOf({ sessionId: session.id }, quoteId);
    expect(again.outcome).toBe('UPDATED');
    expect(again.statements.length, again.statements.join('\n')).toBeLessThanOrEqual(BUDGET);
    const repeated = await statementsOf({ sessionId: session.id }, quoteId);
    expect(repeated.outcome).toBe('UNCHANGED');
    expect(repeated.statements.length, repeated.statements.join('\n')).toBeLessThan(BUDGET);
  });
});
