import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { describe, expect } from 'vitest';
import { ARGUMENT_LIMITS } from '../src/graphql/plugins/argument-bounds.js';
import { it as base } from './harness/fixtures.js';
import { execute, type GraphQLResponse } from './harness/graphql.js';
import { connectWs, subscribeSse, subscribeWs } from './harness/subscriptions.js';
import { sessionAt } from './harness/workflow.js';

/** Every list and string argument is bounded, and a refusal names the argument and its maximum. */
const it = base.extend(
  'sessionId',
  { scope: 'file' },
  async ({ server, token }) => (await sessionAt(server, token, 'UNDERSTANDING_REQUEST')).id,
);

const NODES = 'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }';
const SESSIONS = 'query ($filter: SessionFilter) { sessions(filter: $filter) { totalCount } }';
const STATS = 'query ($filter: SessionFilter) { sessionStats(filter: $filter) { total } }';

function expectRefused(result: GraphQLResponse<unknown>, argument: string, maximum: number) {
  expect(result.status, JSON.stringify(result).slice(0, 500)).toBe(400);
  expect(result.data ?? null).toBeNull();
  expect(result.errors).toHaveLength(1);
  expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument, maximum });
  expect(result.errors?.[0]?.message).toContain(`\`${argument}\``);
}

describe('nodes(ids:)', () => {
  it(`refuses more than ${ARGUMENT_LIMITS.maxListLength} ids`, async ({ server, token, sessionId }) => {
    const ids = Array.from({ length: ARGUMENT_LIMITS.maxListLength + 1 }, () => sessionId);
    expectRefused(await execute(server.url, NODES, { ids }, token), 'ids', ARGUMENT_LIMITS.maxListLength);
  });

  it('refuses 15,000 ids', async ({ server, token }) => {
    // Short ids keep the body under MAX_BODY_BYTES; the count is what is refused, first.
    const ids = Array.from({ length: 15_000 }, (_, index) => `${index}`);
    expectRefused(await execute(server.url, NODES, { ids }, token), 'ids', ARGUMENT_LIMITS.maxListLength);
  });

  it('refuses them as a literal list too', async ({ server, token, sessionId }) => {
    const list = Array.from({ length: ARGUMENT_LIMITS.maxListLength + 1 }, () => `"${sessionId}"`).join(',');
    expectRefused(await execute(server.url, `{ nodes(ids: [${list}]) { id } }`, undefined, token), 'ids', 100);
  });

  it(`answers a page of ${ARGUMENT_LIMITS.maxListLength} ids`, async ({ server, token, sessionId }) => {
    const ids = Array.from({ length: ARGUMENT_LIMITS.maxListLength }, () => sessionId);
    const result = await execute(server.url, NODES, { ids }, token);
    expect(result.errors).toBeUndefined();
    expect((result.data as { nodes: unknown[] }).nodes).toHaveLength(ARGUMENT_LIMITS.maxListLength);
  });

  it('refuses an id longer than any global id', async ({ server, token }) => {
    const ids = ['A'.repeat(ARGUMENT_LIMITS.maxIdLength + 1)];
    expectRefused(await execute(server.url, NODES, { ids }, token), 'ids.0', ARGUMENT_LIMITS.maxIdLength);
  });
});

describe('the session filter', () => {
  const maximum = ARGUMENT_LIMITS.maxStringLengthOf['SessionFilter.search'] ?? 0;

  it(`refuses a search longer than ${maximum} characters, in sessions and sessionStats`, async ({ server, token }) => {
    const filter = { search: 'a'.repeat(maximum + 1) };
    expectRefused(await execute(server.url, SESSIONS, { filter }, token), 'filter.search', maximum);
    expectRefused(await execute(server.url, STATS, { filter }, token), 'filter.search', maximum);
  });

  it('refuses a 900 KB pattern', async ({ server, token }) => {
    const filter = { search: '%_'.repeat(450_000) };
    expectRefused(await execute(server.url, SESSIONS, { filter }, token), 'filter.search', maximum);
  });

  it(`searches with ${maximum} characters`, async ({ server, token }) => {
    const result = await execute(server.url, SESSIONS, { filter: { search: 'a'.repeat(maximum) } }, token);
    expect(result.errors).toBeUndefined();
  });

  it('refuses an oversized Avinode id and an oversized list of statuses', async ({ server, token }) => {
    expectRefused(
      await execute(server.url, SESSIONS, { filter: { avinodeTripId: 'a'.repeat(101) } }, token),
      'filter.avinodeTripId',
      100,
    );
    const status = Array.from({ length: ARGUMENT_LIMITS.maxListLength + 1 }, () => 'ACTIVE');
    expectRefused(
      await execute(server.url, SESSIONS, { filter: { status } }, token),
      'filter.status',
      ARGUMENT_LIMITS.maxListLength,
    );
  });

  it('refuses a cursor longer than any this server hands out', async ({ server, token }) => {
    const result = await execute(
      server.url,
      `{ sessions(after: "${'A'.repeat(5_000)}") { totalCount } }`,
      undefined,
      token,
    );
    expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'after' });
  });
});

describe('subscription arguments', () => {
  const FEED = parse(
    'subscription ($filter: ActivityFilter) { activityFeed(filter: $filter) { cursor } }',
  ) as TypedDocumentNode<unknown, { filter: unknown }>;
  const types = Array.from({ length: ARGUMENT_LIMITS.maxListLength + 1 }, () => 'SESSION_STARTED');

  it('are bounded over WebSocket', async ({ server, token }) => {
    const connection = connectWs(server.url, token);
    const subscription = subscribeWs(connection, FEED, { filter: { types } });
    await subscription.completed;
    expect(subscription.results[0]?.errors?.[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', argument: 'filter.types', maximum: ARGUMENT_LIMITS.maxListLength },
    });
    await connection.client.dispose();
  });

  it('are bounded over SSE', async ({ server, token }) => {
    const subscription = await subscribeSse(server.url, token, FEED, { filter: { types } });
    await subscription.completed;
    expect(subscription.results[0]?.errors?.[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', argument: 'filter.types' },
    });
  });

  it('refuse an oversized event cursor', async ({ server, token }) => {
    const AFTER = parse(
      'subscription ($after: String) { activityFeed(after: $after) { cursor } }',
    ) as TypedDocumentNode<unknown, { after: string }>;
    const subscription = await subscribeSse(server.url, token, AFTER, { after: 'A'.repeat(5_000) });
    await subscription.completed;
    expect(subscription.results[0]?.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('mutation inputs', () => {
  const MESSAGE = `mutation ($input: RecordMessageInput!) {
    recordMessage(input: $input) { __typename ... on ValidationError { fields { field message } } }
  }`;

  it('answer a text over its own limit with a ValidationError naming the field', async ({
    server,
    token,
    sessionId,
  }) => {
    const input = { sessionId, senderType: 'AGENT', content: 'x'.repeat(20_001) };
    const result = await execute(server.url, MESSAGE, { input }, token);
    expect(result.data).toMatchObject({
      recordMessage: { __typename: 'ValidationError', fields: [{ field: 'content' }] },
    });
  });

  it(`refuse any string over ${ARGUMENT_LIMITS.maxStringLength} characters before running`, async ({
    server,
    token,
    sessionId,
  }) => {
    const input = { sessionId, senderType: 'AGENT', content: 'x'.repeat(ARGUMENT_LIMITS.maxStringLength + 1) };
    expectRefused(
      await execute(server.url, MESSAGE, { input }, token),
      'input.content',
      ARGUMENT_LIMITS.maxStringLength,
    );
  });

  it('refuse a list longer than a page', async ({ server, token, sessionId }) => {
    const leg = { departureAirport: 'KTEB', arrivalAirport: 'LFPB', departureAt: '2026-12-10T14:00:00Z' };
    const input = { sessionId, tripType: 'MULTI_CITY', passengers: 2, legs: Array.from({ length: 101 }, () => leg) };
    const result = await execute(
      server.url,
      'mutation ($input: CaptureTripRequestInput!) { captureTripRequest(input: $input) { __typename } }',
      { input },
      token,
    );
    expectRefused(result, 'input.legs', ARGUMENT_LIMITS.maxListLength);
  });
});
