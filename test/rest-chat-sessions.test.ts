import { describe, expect } from 'vitest';
import { sessionRowSchema } from '../src/rest/openapi.js';
import { createAgent, createSessionGraph, unique } from './harness/factories.js';
import { it as base, serverWith } from './harness/fixtures.js';
import type { TestServer } from './harness/server.js';

/**
 * Issue 12 §8: the seed's `GET /api/chat-sessions`, for clients of the system this
 * server replaces: the seed's column names, the GraphQL API's visibility and limits.
 */

const tripId = unique('atrip-');

const it = base
  /** Another agent, with one session on the trip. */
  .extend('other', { scope: 'file' }, async ({ database }) => createAgent(database.prisma))
  /**
   * What every test lists: seven sessions of the agent's (three on one activity time, one on
   * the trip) and the other agent's session on the trip. Made before the file's first test.
   */
  .extend('sessionIds', { scope: 'file', auto: true }, async ({ database, agent, other }) => {
    const mine: string[] = [];
    for (let index = 0; index < 7; index++) {
      const { session } = await createSessionGraph(database.prisma, agent);
      mine.push(session.id);
    }
    // Three sessions share one activity time: the cursor must break the tie by id, not skip or repeat.
    const tie = new Date('2026-11-20T10:00:00.000Z');
    await database.prisma.chatSession.updateMany({
      where: { id: { in: mine.slice(0, 3) } },
      data: { lastActivityAt: tie },
    });
    await database.prisma.chatSession.update({ where: { id: mine[3] }, data: { avinodeTripId: tripId } });
    const { session } = await createSessionGraph(database.prisma, other);
    const othersOnTrip = session.id;
    await database.prisma.chatSession.update({ where: { id: othersOnTrip }, data: { avinodeTripId: tripId } });
    return { mine, othersOnTrip };
  })
  .extend('limited', { scope: 'file' }, serverWith({ RATE_LIMIT_PER_MINUTE: '2' }));

type Page = { sessions: Array<Record<string, unknown>>; next_cursor: string | null };

async function get(server: TestServer, path: string, token?: string, init: RequestInit = {}) {
  const response = await fetch(`${server.origin}${path}`, {
    ...init,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

async function sessionsOf(server: TestServer, path: string, token: string): Promise<Page> {
  const response = await get(server, path, token);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as unknown as Page;
}

describe('GET /api/chat-sessions', () => {
  it('answers the signed-in agent’s sessions, newest activity first, as the seed’s rows', async ({
    server,
    database,
    agent,
    token,
  }) => {
    const { sessions, next_cursor } = await sessionsOf(server, '/api/chat-sessions', token);
    const expected = await database.prisma.chatSession.findMany({
      where: { agentId: agent.id },
      orderBy: [{ lastActivityAt: 'desc' }, { id: 'desc' }],
    });
    expect(sessions.map((row) => row['id'])).toEqual(expected.map((session) => session.id));
    expect(next_cursor).toBeNull();
    const [row] = sessions;
    const [stored] = expected;
    expect(row).toEqual({
      id: stored?.id,
      conversation_id: stored?.conversationId,
      request_id: stored?.requestId,
      iso_agent_id: agent.id,
      status: stored?.status.toLowerCase(),
      current_step: stored?.currentStep.toLowerCase(),
      avinode_trip_id: stored?.avinodeTripId,
      avinode_rfp_id: stored?.avinodeRfpId,
      avinode_rfq_id: stored?.avinodeRfqId,
      primary_quote_id: stored?.primaryQuoteId,
      proposal_id: stored?.proposalId,
      session_started_at: stored?.startedAt.toISOString(),
      session_ended_at: stored?.endedAt?.toISOString() ?? null,
      last_activity_at: stored?.lastActivityAt.toISOString(),
      workflow_state: stored?.workflowState,
      message_count: stored?.messageCount,
      quotes_received_count: stored?.quotesReceivedCount,
      quotes_expected_count: stored?.quotesExpectedCount,
      operators_contacted_count: stored?.operatorsContactedCount,
      metadata: stored?.metadata,
      created_at: stored?.createdAt.toISOString(),
      updated_at: stored?.updatedAt.toISOString(),
    });
  });

  it('rows carry exactly the columns the OpenAPI description documents', async ({ server, token }) => {
    const { sessions } = await sessionsOf(server, '/api/chat-sessions?limit=1', token);
    expect(Object.keys(sessions[0] ?? {}).sort()).toEqual(Object.keys(sessionRowSchema.properties).sort());
  });

  it('filters by trip id within the viewer’s own sessions', async ({
    server,
    database,
    token,
    sessionIds: { mine, othersOnTrip },
  }) => {
    const { sessions } = await sessionsOf(server, `/api/chat-sessions?trip_id=${tripId}`, token);
    expect(sessions.map((row) => row['id'])).toEqual([mine[3]]);
    const admin = await createAgent(database.prisma, 'ADMIN');
    const all = await sessionsOf(
      server,
      `/api/chat-sessions?trip_id=${tripId}`,
      await server.tokenFor(admin.authSubject),
    );
    expect(new Set(all.sessions.map((row) => row['id']))).toEqual(new Set([mine[3], othersOnTrip]));
  });

  it('pages with limit and cursor: every session once, ties included', async ({ server, token }) => {
    const seen: unknown[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `limit=2&cursor=${cursor}` : 'limit=2';
      const page = await sessionsOf(server, `/api/chat-sessions?${query}`, token);
      expect(page.sessions.length).toBeLessThanOrEqual(2);
      seen.push(...page.sessions.map((row) => row['id']));
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor);
    const whole = await sessionsOf(server, '/api/chat-sessions', token);
    expect(seen).toEqual(whole.sessions.map((row) => row['id']));
    expect(pages).toBe(4);
  });

  it('a cursor is a position, not a row: another agent’s listing reveals nothing through it', async ({
    server,
    token,
    other,
  }) => {
    const { next_cursor } = await sessionsOf(server, '/api/chat-sessions?limit=1', token);
    const othersPage = await sessionsOf(
      server,
      `/api/chat-sessions?cursor=${next_cursor}`,
      await server.tokenFor(other.authSubject),
    );
    for (const row of othersPage.sessions) expect(row['iso_agent_id']).toBe(other.id);
  });

  it('admins and integrations see every agent’s sessions', async ({ server, agent, other }) => {
    const service = await sessionsOf(server, '/api/chat-sessions?limit=100', await server.serviceToken());
    const agents = new Set(service.sessions.map((row) => row['iso_agent_id']));
    expect(agents.has(agent.id) && agents.has(other.id)).toBe(true);
  });

  it('needs a token of an active agent: 401 with WWW-Authenticate', async ({ server, database }) => {
    const missing = await get(server, '/api/chat-sessions');
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
    expect(missing.body).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
    expect((await get(server, '/api/chat-sessions', 'not-a-token')).status).toBe(401);
    const leaver = await createAgent(database.prisma);
    await database.prisma.agent.update({ where: { id: leaver.id }, data: { isActive: false } });
    expect((await get(server, '/api/chat-sessions', await server.tokenFor(leaver.authSubject))).status).toBe(401);
  });

  it.for([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=2.5', 'limit'],
    ['limit=-1', 'limit'],
    ['cursor=bm9wZQ', 'cursor'],
    ['cursor=', 'cursor'],
    ['trip_id=', 'trip_id'],
    [`trip_id=${'x'.repeat(101)}`, 'trip_id'],
    ['trip_id=a%00b', 'trip_id'],
    ['tripId=atrip-1', 'tripId'],
    ['limit=1&limit=2', 'limit'],
  ])('refuses %s as BAD_USER_INPUT naming the parameter', async ([query, parameter], { server, token }) => {
    const response = await get(server, `/api/chat-sessions?${query}`, token);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: { code: 'BAD_USER_INPUT', parameter } });
  });

  it('answers only GET', async ({ server, token }) => {
    const response = await get(server, '/api/chat-sessions', token, { method: 'POST' });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('GET, HEAD');
  });

  it('serves its OpenAPI description beside it', async ({ server }) => {
    const response = await get(server, '/api/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ openapi: '3.1.0', paths: { '/api/chat-sessions': { get: {} } } });
  });
});

describe('GET /api/chat-sessions under the rate limit', () => {
  it('counts against the same per-minute budget as GraphQL operations', async ({ agent, limited }) => {
    const token = await limited.tokenFor(agent.authSubject);
    const hit = () =>
      fetch(`${limited.origin}/api/chat-sessions`, { headers: { authorization: `Bearer ${token}` } }).then(
        async (response) => ({ response, body: await response.json() }),
      );
    const graphqlHit = await fetch(limited.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ viewer { id } }' }),
    });
    expect(graphqlHit.status).toBe(200);
    expect((await hit()).response.status).toBe(200);
    const refused = await hit();
    expect(refused.response.status).toBe(429);
    expect(Number(refused.response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.body).toMatchObject({ error: { code: 'RATE_LIMITED' } });
  });
});
