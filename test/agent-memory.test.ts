import { describe, expect } from 'vitest';
import { COMPILED_READ_MARKER } from '../src/graphql/compiled-read/compile.js';
import { graphql } from './generated/index.js';
import { createAgent, createSessionGraph } from './harness/factories.js';
import { it as base } from './harness/fixtures.js';
import { execute } from './harness/graphql.js';
import { connectWs, subscribeSse } from './harness/subscriptions.js';

/**
 * Issue 10 §4: the agent behind a token is remembered (src/auth/agent-memory.ts), which
 * saves a compiled read its look-up statement, and a deactivated agent is still refused by
 * its very next operation of any kind: a compiled read confirms the agent in its own
 * statement, everything else looks it up first (src/graphql/plugins/viewer-standing.ts).
 */
const VIEWER_LOOKUP = /FROM "public"\."iso_agents" AS "\w+" WHERE \(?"\w+"\."auth_subject" = \$\d+/;

/** Answered by the compiled read path. */
const COMPILED = 'query Page { sessions(first: 5) { totalCount edges { node { id agent { email } } } } }';
/** The same page through the resolvers: a directive keeps it from being compiled. */
const RESOLVED = 'query PageResolved { sessions(first: 5) { totalCount edges @include(if: true) { node { id } } } }';

const Feed = graphql(`
  subscription MemoryFeed {
    activityFeed { id }
  }
`);

const it = base
  .extend('serverOptions', { scope: 'file' }, { environment: { EVENT_POLL_INTERVAL_MS: '3600000' } })
  /** Another agent with a session, which only an admin may see. */
  .extend('other', { scope: 'file' }, async ({ database }) => {
    const other = await createAgent(database.prisma);
    await createSessionGraph(database.prisma, other);
    return other;
  })
  /** A fresh agent for each test, with one session: its standing is what the test changes. */
  .extend('member', async ({ database, server }) => {
    const agent = await createAgent(database.prisma);
    await createSessionGraph(database.prisma, agent);
    const token = await server.tokenFor(agent.authSubject);
    return {
      agent,
      token,
      set: async (data: { isActive?: boolean; role?: 'AGENT' | 'ADMIN' }) => {
        await database.prisma.agent.update({ where: { id: agent.id }, data });
      },
      /** One request, and the statements the server sent for it. */
      statementsOf: async (query: string) => {
        database.statements.length = 0;
        const answer = await execute(server.url, query, undefined, token);
        return { answer, statements: [...database.statements] };
      },
    };
  });

describe('remembered agents', () => {
  it('save a compiled read its look-up: the page statement confirms the agent itself', async ({ member }) => {
    const first = await member.statementsOf(COMPILED);
    expect(first.statements.filter((sql) => VIEWER_LOOKUP.test(sql))).toHaveLength(1);

    const again = await member.statementsOf(COMPILED);
    expect(again.answer.errors).toBeUndefined();
    expect(again.answer.data).toEqual(first.answer.data);
    expect(again.statements).toHaveLength(1);
    expect(again.statements[0]).toContain(COMPILED_READ_MARKER);
    expect(again.statements[0]).toMatch(/is_active/);
  });

  it('are looked up again by every operation the compiled path does not answer', async ({ member }) => {
    await member.statementsOf(COMPILED);
    const resolved = await member.statementsOf(RESOLVED);
    expect(resolved.answer.errors).toBeUndefined();
    expect(resolved.statements.filter((sql) => VIEWER_LOOKUP.test(sql))).toHaveLength(1);
  });

  it('refuse a deactivated agent at its very next operation, whatever it is', async ({ server, member }) => {
    const { token, set: setAgent } = member;
    // Each kind of operation comes first after the deactivation, while the agent is remembered.
    const deactivatedWhileRemembered = async () => {
      await setAgent({ isActive: true });
      expect((await execute(server.url, COMPILED, undefined, token)).status).toBe(200);
      await setAgent({ isActive: false });
    };
    for (const query of [COMPILED, RESOLVED]) {
      await deactivatedWhileRemembered();
      const refused = await execute(server.url, query, undefined, token);
      expect(refused.status, `${query}: ${JSON.stringify(refused)}`).toBe(401);
      expect(refused.errors?.[0]?.extensions?.['code']).toBe('UNAUTHENTICATED');
      expect(refused.data ?? null).toBeNull();
    }
    await deactivatedWhileRemembered();
    const rest = await fetch(`${server.origin}/api/chat-sessions`, { headers: { authorization: `Bearer ${token}` } });
    expect(rest.status).toBe(401);
    await deactivatedWhileRemembered();
    const sse = await subscribeSse(server.url, token, Feed, {});
    expect(sse.status).toBe(401);
    await sse.close();
    await deactivatedWhileRemembered();
    const socket = connectWs(server.url, token);
    expect((await socket.closed).code).toBe(4403);

    // Active again: served again.
    await setAgent({ isActive: true });
    expect((await execute(server.url, COMPILED, undefined, token)).status).toBe(200);
  });

  it('answer with the role the agent has now: a demoted admin sees only its own sessions at once', async ({
    server,
    member,
    other,
  }) => {
    const { agent, token, set: setAgent } = member;
    await setAgent({ role: 'ADMIN' });
    const asAdmin = await execute(server.url, COMPILED, undefined, token);
    const emails = (data: unknown) =>
      new Set(
        (data as { sessions: { edges: { node: { agent: { email: string } } }[] } }).sessions.edges.map(
          (edge) => edge.node.agent.email,
        ),
      );
    expect(emails(asAdmin.data)).toContain(other.email);

    await setAgent({ role: 'AGENT' });
    const demoted = await execute(server.url, COMPILED, undefined, token);
    expect(demoted.errors).toBeUndefined();
    expect([...emails(demoted.data)]).toEqual([agent.email]);
  });
});
