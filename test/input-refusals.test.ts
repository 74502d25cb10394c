import { describe, expect } from 'vitest';
import { METADATA_LIMITS } from '../src/modules/session/lifecycle.service.js';
import { unique } from './harness/factories.js';
import { it as base, serverWith } from './harness/fixtures.js';
import { execute } from './harness/graphql.js';
import { captureInput, footprint, quoteInput, sessionAt } from './harness/workflow.js';

/**
 * Bad input is refused, not bent into something else: impossible calendar dates,
 * oversized or deeply nested metadata, and (in production) a body that is not JSON.
 */

const it = base
  .extend('production', { scope: 'file' }, serverWith({ NODE_ENV: 'production', JWT_SECRET: 'p'.repeat(40) }))
  .extend('session', { scope: 'file' }, async ({ server, token }) => sessionAt(server, token, 'UNDERSTANDING_REQUEST'))
  .extend('quoting', { scope: 'file' }, async ({ server, token }) => sessionAt(server, token, 'REQUESTING_QUOTES'))
  /** Starts a session with this metadata: the payload, and how many conversations it wrote. */
  .extend('startWithMetadata', { scope: 'file' }, async ({ server, database, token }) => async (metadata: unknown) => {
    const subject = unique('Metadata ');
    const result = await execute(server.url, START, { input: { subject, metadata } }, token);
    const conversations = await database.prisma.conversation.count({ where: { subject } });
    return { result: (result.data as { startSession: Record<string, unknown> } | null)?.startSession, conversations };
  });

const CAPTURE = `mutation ($input: CaptureTripRequestInput!) { captureTripRequest(input: $input) { __typename } }`;
const QUOTE = `mutation ($input: ReceiveQuoteInput!) { receiveQuote(input: $input) { __typename } }`;
const MESSAGE = `mutation ($input: RecordMessageInput!) { recordMessage(input: $input) { __typename } }`;
const SESSIONS = `query ($filter: SessionFilter) { sessions(filter: $filter) { totalCount } }`;
const START = `mutation ($input: StartSessionInput!) {
  startSession(input: $input) { __typename ... on ValidationError { fields { field message } } }
}`;

const IMPOSSIBLE_DATES = [
  '2026-02-30T10:00:00Z', // 30 February (was stored as 2 March)
  '2026-02-29T10:00:00Z', // 2026 is not a leap year
  '2026-04-31T10:00:00Z',
  '2026-13-01T10:00:00Z',
  '2026-00-10T10:00:00Z',
  '2026-12-00T10:00:00Z',
  '2026-12-10T24:00:00Z',
  '2026-12-10T10:60:00Z',
  '2026-12-10T10:00:60Z',
  '2026-12-10T10:00:00+24:00',
  '2026-12-10T10:00:00+01:60',
];

function expectBadDate(result: Awaited<ReturnType<typeof execute>>, path: string) {
  expect(result.status, JSON.stringify(result)).toBe(400);
  expect(result.data ?? null).toBeNull();
  expect(result.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
  expect(result.errors?.[0]?.message).toContain(path);
  expect(result.errors?.[0]?.message).toContain('real calendar date');
}

describe('impossible calendar dates are refused in every DateTime input', () => {
  it.for(IMPOSSIBLE_DATES)(
    '%s as a leg departure, changing nothing',
    async (date, { database, server, token, session }) => {
      const before = await footprint(database.prisma, session.uuid);
      const input = captureInput(session.id, {
        tripType: 'ONE_WAY',
        legs: [{ departureAirport: 'KTEB', arrivalAirport: 'LFPB', departureAt: date }],
      });
      expectBadDate(await execute(server.url, CAPTURE, { input }, token), 'input.legs[0].departureAt');
      expect(await footprint(database.prisma, session.uuid)).toEqual(before);
    },
  );

  it.for(IMPOSSIBLE_DATES)('%s as a quote validUntil', async (date, { server, token, quoting }) => {
    const input = quoteInput({ sessionId: quoting.id }, { validUntil: date });
    expectBadDate(await execute(server.url, QUOTE, { input }, token), 'input.validUntil');
  });

  it.for(IMPOSSIBLE_DATES)('%s as a message sentAt', async (date, { server, token, session }) => {
    const input = { sessionId: session.id, senderType: 'AGENT', content: 'hello', sentAt: date };
    expectBadDate(await execute(server.url, MESSAGE, { input }, token), 'input.sentAt');
  });

  it.for(IMPOSSIBLE_DATES)('%s as a sessions filter', async (date, { server, token }) => {
    const filter = { lastActivityAfter: date };
    expectBadDate(await execute(server.url, SESSIONS, { filter }, token), 'filter.lastActivityAfter');
  });

  it('in a literal too', async ({ server, token }) => {
    const result = await execute(
      server.url,
      '{ sessions(filter: { lastActivityBefore: "2026-02-30T10:00:00Z" }) { totalCount } }',
      undefined,
      token,
    );
    expect(result.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    expect(result.errors?.[0]?.message).toContain('real calendar date');
  });

  it('accepts real dates at the edges: a leap day, the last second of a year, an offset', async ({ server, token }) => {
    for (const date of ['2028-02-29T10:00:00Z', '2026-12-31T23:59:59.999Z', '2026-12-10T10:00:00+14:00']) {
      const result = await execute(server.url, SESSIONS, { filter: { lastActivityAfter: date } }, token);
      expect(result.errors, `${date}: ${JSON.stringify(result.errors)}`).toBeUndefined();
    }
  });
});

describe('startSession.metadata is bounded', () => {
  it(`refuses more than ${METADATA_LIMITS.maxBytes} bytes as a ValidationError on metadata, writing nothing`, async ({
    startWithMetadata,
  }) => {
    const { result, conversations } = await startWithMetadata({ blob: 'x'.repeat(900_000) });
    expect(result).toMatchObject({
      __typename: 'ValidationError',
      fields: [{ field: 'metadata', message: `must be at most ${METADATA_LIMITS.maxBytes} bytes as JSON` }],
    });
    expect(conversations).toBe(0);
  });

  it('counts bytes, not characters', async ({ startWithMetadata }) => {
    const { result } = await startWithMetadata({ blob: '€'.repeat(Math.ceil(METADATA_LIMITS.maxBytes / 3) + 10) });
    expect(result).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'metadata' }] });
  });

  it(`refuses nesting deeper than ${METADATA_LIMITS.maxDepth} levels`, async ({ startWithMetadata }) => {
    let deep: unknown = 'bottom';
    for (let level = 0; level < METADATA_LIMITS.maxDepth + 1; level += 1) deep = { level: deep };
    const { result, conversations } = await startWithMetadata(deep);
    expect(result).toMatchObject({
      __typename: 'ValidationError',
      fields: [{ field: 'metadata', message: `must not nest deeper than ${METADATA_LIMITS.maxDepth} levels` }],
    });
    expect(conversations).toBe(0);
  });

  it('refuses metadata that is not an object', async ({ startWithMetadata }) => {
    const { result } = await startWithMetadata(['a', 'list']);
    expect(result).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'metadata' }] });
  });

  it('accepts metadata at the limits', async ({ startWithMetadata }) => {
    let deep: unknown = 'bottom';
    for (let level = 0; level < METADATA_LIMITS.maxDepth; level += 1) deep = { level: deep };
    expect((await startWithMetadata(deep)).result).toMatchObject({ __typename: 'StartSessionPayload' });
    const large = { blob: 'x'.repeat(METADATA_LIMITS.maxBytes - 20) };
    expect((await startWithMetadata(large)).result).toMatchObject({ __typename: 'StartSessionPayload' });
  });
});

describe('a request body that is not JSON', () => {
  const bodies = ['{"query": "{ viewer { id } }", "secret-body-xyz": }', '{"query":', 'secret-body-xyz'];

  it.for(bodies)(
    'is answered in production without the parser message or the body: %s',
    async (body, { production }) => {
      const response = await fetch(production.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-graphql-csrf': '1' },
        body,
      });
      const text = await response.text();
      expect(response.status, text).toBe(400);
      expect(JSON.parse(text)).toEqual({
        errors: [{ message: 'POST body sent invalid JSON.', extensions: { code: 'BAD_REQUEST' } }],
      });
      expect(text).not.toContain('secret-body-xyz');
      expect(text).not.toMatch(/SyntaxError|Unexpected|position/);
    },
  );
});
