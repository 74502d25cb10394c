import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hasPostgresBinaries,
  type ProvidedDatabase,
  pause,
  provideDatabase,
  type ServerProcess,
  startServerProcess,
} from './harness/services.js';

/**
 * `DATABASE_URL=postgresql://… npm start` does what `npm start` does on the embedded
 * database: migrations, demo data into the empty database, and a token that works.
 * Two instances starting together on the empty database load the demo data once.
 */
const canRun = Boolean(process.env['TEST_DATABASE_URL']) || hasPostgresBinaries;

describe.runIf(canRun)('npm start on PostgreSQL', () => {
  let provided: ProvidedDatabase;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    provided = await provideDatabase();
    const environment = { NODE_ENV: 'development', DATABASE_URL: provided.url, SEED_DEMO_DATA: 'auto' };
    servers.push(
      ...(await Promise.all([startServerProcess('first', environment), startServerProcess('second', environment)])),
    );
  }, 120_000);

  afterAll(async () => {
    await Promise.all(servers.map((server) => server.stop().catch(() => {})));
    await provided?.drop();
  });

  async function printedToken(server: ServerProcess): Promise<string> {
    for (let waited = 0; waited < 10_000; waited += 50) {
      const token = /Authorization: Bearer (\S+)/.exec(server.output())?.[1];
      if (token) return token;
      await pause(50);
    }
    throw new Error(`no token printed:\n${server.output()}`);
  }

  it('loads the demo data into the empty database once, and prints a token that works', async () => {
    expect(await provided.database.prisma.agent.count()).toBeGreaterThanOrEqual(3);
    expect(await provided.database.prisma.chatSession.count()).toBeGreaterThanOrEqual(60);
    for (const server of servers) {
      const response = await fetch(server.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await printedToken(server)}` },
        body: JSON.stringify({ query: '{ viewer { email } sessions { totalCount } }' }),
      });
      const body = (await response.json()) as { data: { viewer: { email: string }; sessions: { totalCount: number } } };
      expect(body.data.viewer.email, server.name).toBe('agent1@example.com');
      expect(body.data.sessions.totalCount, server.name).toBeGreaterThan(10);
    }
    // Exactly one copy: the demo agents' e-mail addresses are unique, sessions were not doubled.
    expect(await provided.database.prisma.agent.count({ where: { email: 'agent1@example.com' } })).toBe(1);
  });
});
